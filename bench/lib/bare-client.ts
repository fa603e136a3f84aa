/**
 * The baselines' OpenID Connect client: openid-client used directly, the way an application with no session
 * engine would use it. Same library and settings the engine uses underneath (discovery, PKCE S256, state,
 * nonce, plain http allowed only because the provider is on 127.0.0.1), so a ratio against it shows what
 * the engine adds on top of the protocol work.
 */
import * as oidc from 'openid-client';
import { DEMO_CLIENT_ID } from '../../src/main/idp';

export const SCOPES = 'openid profile email offline_access';

export function discoverBare(issuer: string): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), DEMO_CLIENT_ID, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
}

/** One authorization request's secrets, kept in memory to finish the code exchange. */
export interface PendingAuthorization {
  url: string;
  redirectUri: string;
  codeVerifier: string;
  state: string;
  nonce: string;
}

/**
 * An authorization request as Latchkey makes it (PKCE S256, state, nonce, prompt=consent so that the demo
 * provider grants offline_access). `redirectUri` need not be served: the benchmark catches the redirect.
 */
export async function authorizationRequest(config: oidc.Configuration, redirectUri: string, dpop?: oidc.DPoPHandle): Promise<PendingAuthorization> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: SCOPES,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    prompt: 'consent',
    // As Latchkey binds the code to its new key where the provider offers DPoP (RFC 9449 §10).
    ...(dpop ? { dpop_jkt: await dpop.calculateThumbprint() } : {}),
  }).href;
  return { url, redirectUri, codeVerifier, state, nonce };
}

/**
 * A new DPoP key and its handle, as Latchkey makes one per sign-in (ES256). The baselines of rows 2 and 3 use one,
 * so that they do the protocol work Latchkey does with a provider that offers DPoP (a proof per request, the
 * provider's nonce round trip for a new key), and the ratio shows what Latchkey adds, not what DPoP does.
 */
export async function newDpopHandle(config: oidc.Configuration): Promise<oidc.DPoPHandle> {
  return oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
}

/** The code exchange with every check openid-client makes (state, iss, PKCE, ID token signature and nonce). */
export function exchangeCode(
  config: oidc.Configuration,
  pending: PendingAuthorization,
  callback: URL,
  dpop?: oidc.DPoPHandle,
): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
  return oidc.authorizationCodeGrant(
    config,
    callback,
    {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    },
    undefined,
    dpop ? { DPoP: dpop } : undefined,
  );
}
