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
export async function authorizationRequest(config: oidc.Configuration, redirectUri: string): Promise<PendingAuthorization> {
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
  }).href;
  return { url, redirectUri, codeVerifier, state, nonce };
}

/** The code exchange with every check openid-client makes (state, iss, PKCE, ID token signature and nonce). */
export function exchangeCode(
  config: oidc.Configuration,
  pending: PendingAuthorization,
  callback: URL,
): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
  return oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: pending.codeVerifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
    idTokenExpected: true,
  });
}
