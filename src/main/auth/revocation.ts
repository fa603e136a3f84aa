/**
 * Sign-out at the provider: revoking the tokens (RFC 7009, or GitHub's token API) and building the
 * provider's sign-out page URL. Revocation never throws: its outcome is reported in plain words, because a
 * provider that refuses (a public client may not revoke there) leaves the refresh token alive, and the person
 * must be told rather than shown "signed out" alone.
 */
import * as oidc from 'openid-client';
import type { SignOutResult } from '../../shared/session';
import type { TokenSet } from './storage';
import { translateOidcError } from './oidc-errors';
import type { ProviderClient } from './provider-client';

export interface RevocationReport {
  outcome: SignOutResult['revocation'];
  detail?: string;
}

function statusOf(err: unknown): number | undefined {
  for (let e = err as { status?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.status === 'number') return e.status;
  }
  return undefined;
}

export async function revokeTokens(client: ProviderClient, tokens: TokenSet): Promise<RevocationReport> {
  const method = client.provider.revocation;
  const label = client.provider.label;
  const stillValid = tokens.refreshToken
    ? `Its refresh token stays valid at ${label} until it expires; to end it now, remove Latchkey's access in your ${label} account settings.`
    : `Its access token stays valid at ${label} until it expires.`;
  if (method.type === 'none') return { outcome: 'not_supported', detail: method.explanation };
  if (method.type === 'github') return revokeAtGitHub(client, method.apiBase, tokens, stillValid);
  if (!client.metadata.revocation_endpoint) {
    return { outcome: 'not_supported', detail: `${label} offers no way to revoke tokens. ${stillValid}` };
  }
  const token = tokens.refreshToken ?? tokens.accessToken;
  try {
    await oidc.tokenRevocation(client.configuration, token, { token_type_hint: tokens.refreshToken ? 'refresh_token' : 'access_token' });
    return { outcome: 'revoked' };
  } catch (err) {
    const error = translateOidcError(err, 'revocation');
    if (error.code === 'network') return { outcome: 'failed', detail: `${label} could not be reached to revoke the tokens. ${stillValid}` };
    const status = statusOf(err);
    const refusal = error.code === 'invalid_client' || status === 401
      ? `${label} refused to revoke the tokens: it accepts revocation only from a client that authenticates (a client_secret), and this one is public.`
      : `${label} refused to revoke the tokens (${error.message}).`;
    return { outcome: 'refused', detail: `${refusal} ${stillValid}` };
  }
}

/** GitHub: `DELETE /applications/{client_id}/token`, authenticated with the client id and secret. */
async function revokeAtGitHub(client: ProviderClient, apiBase: string, tokens: TokenSet, stillValid: string): Promise<RevocationReport> {
  const { clientId, clientSecret } = client.provider;
  if (!clientSecret) {
    return { outcome: 'not_supported', detail: `GitHub revokes a token only for a client with its client secret. ${stillValid}` };
  }
  try {
    const response = await client.fetch(`${apiBase}/applications/${encodeURIComponent(clientId)}/token`, {
      method: 'DELETE',
      headers: {
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'Latchkey',
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      },
      body: JSON.stringify({ access_token: tokens.accessToken }),
      redirect: 'error',
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (response.status === 204 || response.status === 200) return { outcome: 'revoked' };
    if (response.status >= 500) return { outcome: 'failed', detail: `GitHub could not revoke the token now (HTTP ${response.status}). ${stillValid}` };
    return { outcome: 'refused', detail: `GitHub refused to revoke the token (HTTP ${response.status}; check client_id and client_secret). ${stillValid}` };
  } catch (err) {
    const error = translateOidcError(err, 'revocation');
    return { outcome: 'failed', detail: `GitHub could not be reached to revoke the token (${error.message}). ${stillValid}` };
  }
}

/**
 * The provider's RP-initiated sign-out URL, with `id_token_hint` (many providers do nothing without it) and
 * the registered `post_logout_redirect_uri`. It carries the ID token, so it is only ever opened by the main
 * process, never shown to the renderer.
 */
export function endSessionUrl(client: ProviderClient, idToken: string | undefined): string | null {
  if (!client.provider.endSession.offered || !client.metadata.end_session_endpoint) return null;
  const params: Record<string, string> = { client_id: client.provider.clientId };
  if (idToken) params.id_token_hint = idToken;
  if (client.provider.postLogoutRedirectUri) params.post_logout_redirect_uri = client.provider.postLogoutRedirectUri;
  return oidc.buildEndSessionUrl(client.configuration, params).href;
}
