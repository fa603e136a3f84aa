/**
 * One browser sign-in (RFC 8252): authorization code + PKCE (S256), state, nonce and RFC 9207 `iss`, with a
 * one-shot loopback redirect server on 127.0.0.1. This module obtains and validates tokens and the profile;
 * persisting them is the session manager's job, and only after that does the browser hear "signed in".
 */
import * as oidc from 'openid-client';
import { AuthError, toAuthError, type ErrorInfo } from '../../shared/errors';
import type { TokenSet } from '../store/secrets';
import { startLoopbackServer } from './loopback-server';
import { translateOidcError } from './oidc-errors';
import type { ResolvedProvider } from './providers';

export const SIGN_IN_TIMEOUT_MS = 5 * 60_000;

/** The person as the provider describes them (ID token claims, completed by userinfo). */
export interface ProfileClaims {
  subject: string;
  name?: string;
  email?: string;
  givenName?: string;
  familyName?: string;
  picture?: string;
  roles?: string[];
}

export interface SignInResult {
  tokens: TokenSet;
  profile: ProfileClaims;
  /** Tells the browser how it ended; call after persisting (or failing to). */
  finish(outcome: { ok: true; detail: string } | { ok: false; error: ErrorInfo }): void;
}

export interface SignInRun {
  authorizationUrl: string;
  startedAt: number;
  expiresAt: number;
  /** Resolves once tokens are obtained and validated; rejects with AuthError. */
  result: Promise<SignInResult>;
  cancel(): void;
}

export interface BeginSignInOptions {
  provider: ResolvedProvider;
  configuration: oidc.Configuration;
  openBrowser: (url: string) => Promise<void>;
  timeoutMs?: number;
  now?: () => number;
  /** Called when the browser could not be opened; the flow keeps waiting (the link can be opened by hand). */
  onBrowserError?: (error: AuthError) => void;
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Reads the profile from ID token claims and userinfo (userinfo wins: it is the fresher source). */
export function profileFromClaims(subject: string, ...sources: Array<Record<string, unknown> | undefined>): ProfileClaims {
  const merged: Record<string, unknown> = {};
  for (const source of sources) if (source) Object.assign(merged, source);
  const roles = Array.isArray(merged.roles) ? merged.roles.filter((r): r is string => typeof r === 'string') : undefined;
  const profile: ProfileClaims = { subject };
  const name = stringClaim(merged.name);
  const email = stringClaim(merged.email);
  const givenName = stringClaim(merged.given_name);
  const familyName = stringClaim(merged.family_name);
  const picture = stringClaim(merged.picture);
  if (name) profile.name = name;
  if (email) profile.email = email;
  if (givenName) profile.givenName = givenName;
  if (familyName) profile.familyName = familyName;
  if (picture) profile.picture = picture;
  if (roles) profile.roles = roles;
  return profile;
}

/** Converts a token endpoint response into what the vault stores. */
export function tokenSetFrom(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, now: number, previous?: TokenSet): TokenSet {
  const expiresIn = response.expiresIn();
  const tokens: TokenSet = { accessToken: response.access_token, obtainedAt: now };
  // A refresh response may omit the refresh token (no rotation) or the ID token: keep the previous ones.
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  const idToken = response.id_token ?? previous?.idToken;
  if (refreshToken) tokens.refreshToken = refreshToken;
  if (idToken) tokens.idToken = idToken;
  if (response.token_type) tokens.tokenType = response.token_type;
  if (response.scope) tokens.scope = response.scope;
  if (expiresIn !== undefined) tokens.expiresAt = now + expiresIn * 1000;
  return tokens;
}

/**
 * Starts a sign-in: loopback server up, browser opened. The returned run's `result` settles when the browser
 * comes back (or on timeout / cancel).
 */
export async function beginSignIn(options: BeginSignInOptions): Promise<SignInRun> {
  const now = options.now ?? Date.now;
  const { provider, configuration } = options;
  const timeoutMs = options.timeoutMs ?? SIGN_IN_TIMEOUT_MS;
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const codeChallenge = await oidc.calculatePKCECodeChallenge(codeVerifier);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const server = await startLoopbackServer({ expectedState: state, timeoutMs, appName: 'Latchkey' });

  const params: Record<string, string> = {
    ...provider.authorizationParams,
    redirect_uri: server.redirectUri,
    scope: provider.scopes.join(' '),
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  };
  // Providers (oidc-provider among them) only grant offline_access (a refresh token) with explicit consent.
  if (provider.scopes.includes('offline_access') && !params.prompt) params.prompt = 'consent';
  const authorizationUrl = oidc.buildAuthorizationUrl(configuration, params).href;
  const startedAt = now();

  const result = (async (): Promise<SignInResult> => {
    const callback = await server.callback;
    try {
      let response;
      try {
        response = await oidc.authorizationCodeGrant(configuration, callback.url, {
          pkceCodeVerifier: codeVerifier,
          expectedState: state,
          expectedNonce: nonce,
          idTokenExpected: true,
        });
      } catch (err) {
        throw translateOidcError(err, 'sign-in');
      }
      const claims = response.claims();
      if (!claims) throw new AuthError('invalid_callback', 'The provider returned no ID token.');
      const tokens = tokenSetFrom(response, now());
      let userinfo: Record<string, unknown> | undefined;
      if (configuration.serverMetadata().userinfo_endpoint) {
        try {
          userinfo = await oidc.fetchUserInfo(configuration, tokens.accessToken, claims.sub);
        } catch (err) {
          const translated = translateOidcError(err, 'userinfo');
          // Without the network we cannot finish anyway; any other userinfo problem leaves the ID token's claims.
          if (translated.code === 'network') throw translated;
        }
      }
      return {
        tokens,
        profile: profileFromClaims(claims.sub, claims as Record<string, unknown>, userinfo),
        finish: (outcome) =>
          callback.finish(outcome.ok ? { ok: true, title: 'You are signed in', detail: outcome.detail } : outcome),
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
    startedAt,
    expiresAt: startedAt + timeoutMs,
    result,
    cancel: () => server.cancel(),
  };
}
