/**
 * One browser sign-in (RFC 8252): authorization code + PKCE (S256), state, nonce and RFC 9207 `iss`, with a
 * one-shot loopback redirect server on 127.0.0.1. Where the provider offers DPoP, a new key pair binds the
 * code (`dpop_jkt`) and the tokens to this account (dpop.ts). This module obtains and validates tokens and the
 * profile; persisting them is the session manager's job, and only after that does the browser hear "signed in".
 */
import * as oidc from 'openid-client';
import { toAuthError, type AuthError, type ErrorInfo } from '../../shared/errors';
import { createDpopKey, dpopHandle, keyToKeep, shouldUseDpop } from './dpop';
import type { TokenSet } from './storage';
import { startLoopbackServer } from './loopback-server';
import { translateOidcError } from './oidc-errors';
import { readProfile, type ProfileClaims } from './profile-readers';
import type { ProviderClient } from './provider-client';

export { profileFromClaims, type ProfileClaims } from './profile-readers';

export const SIGN_IN_TIMEOUT_MS = 5 * 60_000;

export interface SignInResult {
  tokens: TokenSet;
  profile: ProfileClaims;
  /** Tells the browser how it ended; call after persisting (or failing to). */
  finish(outcome: { ok: true; detail: string } | { ok: false; error: ErrorInfo }): void;
  /**
   * Resolves once the browser has its page and the loopback listener is closed: a pinned redirect port is
   * then free again for the next sign-in ("add another account" right after this one).
   */
  closed(): Promise<void>;
}

export interface SignInRun {
  authorizationUrl: string;
  /** Where the browser must come back to (the loopback server's address). */
  redirectUri: string;
  startedAt: number;
  expiresAt: number;
  /** Resolves once tokens are obtained and validated; rejects with AuthError. */
  result: Promise<SignInResult>;
  cancel(): void;
  /**
   * The redirect pasted by the person instead of the browser reaching the loopback listener (a browser on
   * another machine): validated like a loopback hit (the listener's origin and path, this sign-in's state), then
   * exchanged exactly the same way. Throws AuthError for an address that is not this sign-in's redirect, and
   * the sign-in goes on waiting.
   */
  submitRedirect(url: string): void;
}

export interface BeginSignInOptions {
  client: ProviderClient;
  openBrowser: (url: string) => Promise<void>;
  timeoutMs?: number;
  now?: () => number;
  /** Called when the browser could not be opened; the flow keeps waiting (the link can be opened by hand). */
  onBrowserError?: (error: AuthError) => void;
  /** Another account of a provider already signed in: ask the provider to show its account chooser. */
  selectAccount?: boolean;
  /**
   * Renewing one account's session: who is expected to sign in (its e-mail), sent as OpenID Connect's
   * `login_hint` so the provider proposes that account. Providers without OpenID Connect get nothing.
   */
  loginHint?: string;
}

/** The `prompt` parameter: the configured words, plus consent for offline_access and the account chooser. */
export function promptFor(configured: string | undefined, options: { offlineAccess: boolean; selectAccount?: string }): string | undefined {
  const words = new Set((configured ?? '').split(' ').filter(Boolean));
  // Providers (oidc-provider among them) only grant offline_access (a refresh token) with explicit consent.
  if (options.offlineAccess && words.size === 0) words.add('consent');
  for (const word of (options.selectAccount ?? '').split(' ').filter(Boolean)) words.add(word);
  return words.size > 0 ? [...words].join(' ') : undefined;
}

/** Converts a token endpoint response into what the vault stores. */
export function tokenSetFrom(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, now: number, previous?: TokenSet): TokenSet {
  // The lifetime as the provider stated it, counted from `now` (when the answer was read). openid-client's
  // expiresIn() counts whole seconds from when it processed the answer, so a second boundary in between makes
  // the same answer one second shorter — a session's expiry must not depend on that.
  const stated = response.expires_in;
  const expiresIn = typeof stated === 'number' && Number.isFinite(stated) && stated >= 0 ? stated : response.expiresIn();
  const tokens: TokenSet = { accessToken: response.access_token, obtainedAt: now };
  // A refresh response may omit the refresh token (no rotation) or the ID token: keep the previous ones.
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  const idToken = response.id_token ?? previous?.idToken;
  if (refreshToken) tokens.refreshToken = refreshToken;
  if (idToken) tokens.idToken = idToken;
  if (response.token_type) tokens.tokenType = response.token_type;
  if (response.scope) tokens.scope = response.scope;
  if (expiresIn !== undefined) tokens.expiresAt = now + expiresIn * 1000;
  // When the refresh token ends: a new lifetime when the answer gives one; otherwise the old one still holds
  // only for the same refresh token (a rotated one of unknown lifetime must not inherit the old end).
  const refreshExpiresIn = refreshLifetimeSeconds(response);
  if (refreshExpiresIn !== undefined && refreshToken) tokens.refreshExpiresAt = now + refreshExpiresIn * 1000;
  else if (previous?.refreshExpiresAt !== undefined && refreshToken !== undefined && refreshToken === previous.refreshToken) tokens.refreshExpiresAt = previous.refreshExpiresAt;
  // The DPoP key stays with the session for good: the refresh token may be bound to it.
  if (previous?.dpopKey) tokens.dpopKey = previous.dpopKey;
  return tokens;
}

/**
 * The refresh token's lifetime in seconds, where the answer states it: `refresh_expires_in` (Keycloak and
 * others) or `refresh_token_expires_in` (GitHub Apps). 0 (Keycloak's "no limit" for offline tokens), negative,
 * or anything not a number counts as unstated.
 */
function refreshLifetimeSeconds(response: Record<string, unknown>): number | undefined {
  for (const field of ['refresh_expires_in', 'refresh_token_expires_in']) {
    const raw = response[field];
    const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/**
 * Starts a sign-in: loopback server up, browser opened. The returned run's `result` settles when the browser
 * comes back (or on timeout / cancel).
 */
export async function beginSignIn(options: BeginSignInOptions): Promise<SignInRun> {
  const now = options.now ?? Date.now;
  const { client } = options;
  const provider = client.provider;
  const oidcProtocol = provider.protocol === 'oidc';
  const timeoutMs = options.timeoutMs ?? SIGN_IN_TIMEOUT_MS;
  const codeVerifier = provider.pkce ? oidc.randomPKCECodeVerifier() : undefined;
  const state = oidc.randomState();
  const nonce = oidcProtocol ? oidc.randomNonce() : undefined;
  // Decided before the loopback server starts: a provider that cannot do a required DPoP is refused here.
  const dpopKey = shouldUseDpop(provider, client.metadata) ? await createDpopKey() : undefined;
  const dpop = dpopKey ? await dpopHandle(client.configuration, dpopKey) : undefined;
  const server = await startLoopbackServer({ expectedState: state, timeoutMs, appName: 'Latchkey', redirects: provider.redirects });

  const params: Record<string, string> = { ...provider.authorizationParams, redirect_uri: server.redirectUri, state };
  if (provider.scopes.length > 0) params.scope = provider.scopes.join(' ');
  if (codeVerifier) {
    params.code_challenge = await oidc.calculatePKCECodeChallenge(codeVerifier);
    params.code_challenge_method = 'S256';
  }
  if (nonce) params.nonce = nonce;
  // Binds the authorization code to the key (RFC 9449 §10): a code taken on the way cannot be redeemed without it.
  if (dpop) params.dpop_jkt = await dpop.calculateThumbprint();
  const prompt = promptFor(params.prompt, {
    offlineAccess: provider.scopes.includes('offline_access'),
    // A hint names the account: no chooser then.
    ...(options.selectAccount && !options.loginHint && provider.selectAccountPrompt ? { selectAccount: provider.selectAccountPrompt } : {}),
  });
  if (prompt) params.prompt = prompt;
  if (options.loginHint && oidcProtocol && params.login_hint === undefined) params.login_hint = options.loginHint;
  const authorizationUrl = oidc.buildAuthorizationUrl(client.configuration, params).href;
  const startedAt = now();

  const result = (async (): Promise<SignInResult> => {
    const callback = await server.callback;
    try {
      let response;
      try {
        response = await client.grant((configuration) =>
          oidc.authorizationCodeGrant(configuration, callback.url, {
            ...(codeVerifier ? { pkceCodeVerifier: codeVerifier } : {}),
            expectedState: state,
            ...(nonce ? { expectedNonce: nonce } : {}),
            idTokenExpected: oidcProtocol,
          }, undefined, dpop ? { DPoP: dpop } : undefined),
        );
      } catch (err) {
        throw translateOidcError(err, 'sign-in');
      }
      const tokens = tokenSetFrom(response, now());
      const kept = keyToKeep(response.token_type, provider.dpop, dpopKey);
      if (kept) tokens.dpopKey = kept;
      const claims = oidcProtocol ? (response.claims() as Record<string, unknown> | undefined) : undefined;
      const profile = await readProfile(client, tokens.accessToken, claims, kept ? dpop : undefined);
      return {
        tokens,
        profile,
        finish: (outcome) =>
          callback.finish(outcome.ok ? { ok: true, title: 'You are signed in', detail: outcome.detail } : outcome),
        closed: () => server.close(),
      };
    } catch (err) {
      const error = toAuthError(err);
      callback.finish({ ok: false, error: error.toInfo() });
      throw error;
    }
  })();
  // Whatever happens, the one-shot server goes away once the flow is settled (close waits for the held page).
  result.then(
    () => undefined,
    () => server.close(),
  );

  options.openBrowser(authorizationUrl).catch((err: unknown) => {
    options.onBrowserError?.(toAuthError(err));
  });

  return {
    authorizationUrl,
    redirectUri: server.redirectUri,
    startedAt,
    expiresAt: startedAt + timeoutMs,
    result,
    cancel: () => server.cancel(),
    submitRedirect: (url) => server.submit(url),
  };
}
