/**
 * A generic OpenID Connect provider whose strictness is chosen per test, to reproduce how independent
 * real servers differ from lenient ones (every option defaults to the lenient behaviour):
 * - `exactRedirectUris`: redirect_uri must equal a registered one, port included; otherwise an error page
 *   (400) and no redirect, as RFC 6749 §4.1.2.1 requires;
 * - `emptyBodyRefusals`: token endpoint refusals are HTTP 400 with an empty body (no JSON to read);
 * - `requireIdTokenHint`: the end_session_endpoint ignores a logout without a valid id_token_hint (an
 *   empty 200 page, the provider session stays), and redirects only to `postLogoutRedirectUris`;
 * - `revocationRequiresClientAuth`: RFC 7009 revocation answers 401 invalid_client without client auth;
 * - `issInAuthorizationResponse`: RFC 9207 `iss` in the authorization response, advertised in discovery;
 * - `codeChallengeMethods` advertised and enforced (['plain'] only = a provider without S256);
 * - `tokenEndpointAuthMethods` advertised and enforced for a confidential client (`clientSecret`);
 * - `rotateRefreshTokens`, `accessTokenTtlSeconds`;
 * - `refreshExpiresInSeconds`: Keycloak's `refresh_expires_in` beside every refresh token it issues.
 * Endpoints: /.well-known/openid-configuration, /authorize, /token, /userinfo, /jwks, /revoke, /end_session.
 */
import type { ServerResponse } from 'node:http';
import {
  bearerToken,
  clientCredentials,
  createClock,
  formParams,
  isLoopbackHost,
  paramsObject,
  parseUrl,
  pkceMatches,
  redirect,
  safeEqual,
  sendEmpty,
  sendHtml,
  sendJson,
  splitScope,
  startEmulatorServer,
  withQuery,
  type ClientAuthMethod,
  type EmulatorRequest,
  type EmulatorServer,
  type EmulatorTls,
} from './common';
import { renderErrorPage } from './authorization-page';
import { serveAuthorization, type AuthorizationCheck, type QueryParams } from './authorize';
import { CodeStore, TokenLedger, type AuthorizationGrant, type IssuedToken } from './grants';
import { atHash, createSigner } from './jwt';

export interface StrictUser {
  login: string;
  sub: string;
  email: string;
  emailVerified: boolean;
  name: string;
}

export const STRICT_USERS: StrictUser[] = [
  { login: 'alice', sub: 'alice-7f3c', email: 'alice@strict.example', emailVerified: true, name: 'Alice Strict' },
  { login: 'bob', sub: 'bob-91d2', email: 'bob@strict.example', emailVerified: true, name: 'Bob Strict' },
];

export interface StrictOidcOptions {
  clientId: string;
  /** Set for a confidential client; then `tokenEndpointAuthMethods` is enforced at the token endpoint. */
  clientSecret?: string;
  /** Registered redirect URIs, compared exactly. Unset: any http loopback URI (127.0.0.1, [::1], localhost). */
  exactRedirectUris?: string[];
  emptyBodyRefusals?: boolean;
  requireIdTokenHint?: boolean;
  postLogoutRedirectUris?: string[];
  revocationRequiresClientAuth?: boolean;
  /** RFC 9207. Default false. */
  issInAuthorizationResponse?: boolean;
  /** Default ['S256']. */
  codeChallengeMethods?: string[];
  /** Refuse authorization requests without a code_challenge. Default false. */
  requirePkce?: boolean;
  /** Default ['client_secret_basic']. */
  tokenEndpointAuthMethods?: string[];
  /** Default false. */
  rotateRefreshTokens?: boolean;
  /** Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Sends `refresh_expires_in` (as Keycloak does) with each refresh token issued. Default: not sent. */
  refreshExpiresInSeconds?: number;
  port?: number;
  /** Serve https under this certificate and public URL (the issuer), e.g. `https://idp.test` behind a test proxy. */
  tls?: EmulatorTls;
}

export interface StrictLogoutCall {
  params: Record<string, string>;
  validIdTokenHint: boolean;
  /** Whether the provider session was ended. */
  ended: boolean;
  redirectedTo: string | undefined;
}

export interface StrictOidcEmulator extends EmulatorServer {
  issuer: string;
  users: StrictUser[];
  tokens: TokenLedger;
  authorizationRequests: Record<string, string>[];
  readonly lastAuthorizationRequest: Record<string, string> | undefined;
  clientAuthMethods: ClientAuthMethod[];
  /** Each refusal made by the token endpoint (what it would have said, even when sending an empty body). */
  tokenRefusals: Array<{ error: string; description: string }>;
  revocations: Array<{ token: string | undefined; status: number; clientAuthMethod: ClientAuthMethod }>;
  logouts: StrictLogoutCall[];
  /** Users whose provider session is open (signed in at the authorization page, not logged out). */
  sessions: Set<string>;
  advanceTime(seconds: number): void;
}

interface StrictRequest {
  redirectUri: string;
  state: string | undefined;
  scope: string[];
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
  nonce: string | undefined;
}

export async function startStrictOidcEmulator(options: StrictOidcOptions): Promise<StrictOidcEmulator> {
  const challengeMethods = options.codeChallengeMethods ?? ['S256'];
  const authMethods = options.tokenEndpointAuthMethods ?? ['client_secret_basic'];
  const accessTtl = options.accessTokenTtlSeconds ?? 3600;
  const clock = createClock();
  const signer = createSigner();
  const codes = new CodeStore(clock);
  const tokens = new TokenLedger(clock);
  const authorizationRequests: Record<string, string>[] = [];
  const clientAuthMethods: ClientAuthMethod[] = [];
  const tokenRefusals: StrictOidcEmulator['tokenRefusals'] = [];
  const revocations: StrictOidcEmulator['revocations'] = [];
  const logouts: StrictLogoutCall[] = [];
  const sessions = new Set<string>();
  let issuer = '';

  const userOf = (login: string) => STRICT_USERS.find((u) => u.login === login);

  function redirectAllowed(text: string): boolean {
    if (options.exactRedirectUris) return options.exactRedirectUris.includes(text);
    const target = parseUrl(text);
    return target !== undefined && target.protocol === 'http:' && isLoopbackHost(target.hostname) && !target.hash;
  }

  function validate(request: URLSearchParams): AuthorizationCheck<StrictRequest> {
    if (request.get('client_id') !== options.clientId) {
      return { kind: 'page', status: 400, title: 'invalid_client', detail: 'Unknown client_id.' };
    }
    const redirectUri = request.get('redirect_uri') ?? '';
    if (!redirectAllowed(redirectUri)) {
      return { kind: 'page', status: 400, title: 'invalid_request', detail: `redirect_uri is not registered for this client: ${redirectUri}` };
    }
    const state = request.get('state') ?? undefined;
    const fail = (error: string, description: string): AuthorizationCheck<StrictRequest> => ({
      kind: 'redirect',
      redirectUri,
      params: { error, error_description: description, state, ...(options.issInAuthorizationResponse ? { iss: issuer } : {}) },
    });
    if (request.get('response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be code');
    const scope = splitScope(request.get('scope'));
    if (!scope.includes('openid')) return fail('invalid_scope', 'openid scope is required');
    const unknown = scope.filter((s) => !['openid', 'email', 'profile', 'offline_access'].includes(s));
    if (unknown.length > 0) return fail('invalid_scope', `unknown scope: ${unknown.join(' ')}`);
    const codeChallenge = request.get('code_challenge') ?? undefined;
    const codeChallengeMethod = codeChallenge ? (request.get('code_challenge_method') ?? 'plain') : undefined;
    if (codeChallengeMethod && !challengeMethods.includes(codeChallengeMethod)) {
      return fail('invalid_request', `code_challenge_method ${codeChallengeMethod} is not supported`);
    }
    if (!codeChallenge && options.requirePkce) return fail('invalid_request', 'code_challenge is required');
    return {
      kind: 'ok',
      redirectUri,
      value: { redirectUri, state, scope, codeChallenge, codeChallengeMethod, nonce: request.get('nonce') ?? undefined },
    };
  }

  function refuse(res: ServerResponse, status: number, error: string, description: string): void {
    tokenRefusals.push({ error, description });
    if (options.emptyBodyRefusals && status === 400) return sendEmpty(res, 400);
    sendJson(res, status, { error, error_description: description });
  }

  /** Client authentication checked against the advertised methods (a public client needs only its client_id). */
  function authenticate(req: EmulatorRequest, params: URLSearchParams): { ok: boolean; method: ClientAuthMethod } {
    const client = clientCredentials(req, params);
    if (client.clientId !== options.clientId || client.conflicting) return { ok: false, method: client.method };
    if (options.clientSecret === undefined) return { ok: true, method: client.method };
    const secretOk = client.method !== 'none' && safeEqual(client.clientSecret ?? '', options.clientSecret);
    return { ok: secretOk && authMethods.includes(client.method), method: client.method };
  }

  function idToken(user: StrictUser, scope: string[], accessToken: string, nonce: string | undefined): string {
    const now = clock.now();
    return signer.sign({
      iss: issuer,
      sub: user.sub,
      aud: options.clientId,
      iat: now,
      exp: now + 600,
      auth_time: now,
      at_hash: atHash(accessToken),
      ...(nonce !== undefined ? { nonce } : {}),
      ...(scope.includes('email') ? { email: user.email, email_verified: user.emailVerified } : {}),
      ...(scope.includes('profile') ? { name: user.name } : {}),
    });
  }

  function issue(user: StrictUser, scope: string[], grantId: string, nonce: string | undefined, withRefresh: boolean) {
    const common = { user: user.login, clientId: options.clientId, scope, grantId };
    const access: IssuedToken = tokens.issue('access', { ...common, ttlSeconds: accessTtl });
    const refresh = withRefresh ? tokens.issue('refresh', common) : undefined;
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: accessTtl,
      scope: scope.join(' '),
      id_token: idToken(user, scope, access.token, nonce),
      ...(refresh ? { refresh_token: refresh.token } : {}),
      ...(refresh && options.refreshExpiresInSeconds !== undefined ? { refresh_expires_in: options.refreshExpiresInSeconds } : {}),
    };
  }

  function tokenEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const params = formParams(req);
    const auth = authenticate(req, params);
    clientAuthMethods.push(auth.method);
    if (!auth.ok) {
      tokenRefusals.push({ error: 'invalid_client', description: 'client authentication failed' });
      return sendJson(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' }, { 'www-authenticate': 'Basic realm="strict"' });
    }
    const grantType = params.get('grant_type');
    if (grantType === 'authorization_code') {
      const redeemed = codes.redeem(params.get('code'));
      if (!redeemed.ok) return refuse(res, 400, 'invalid_grant', `authorization code ${redeemed.reason}`);
      const grant = redeemed.grant;
      if (params.get('redirect_uri') !== grant.redirectUri) return refuse(res, 400, 'invalid_grant', 'redirect_uri mismatch');
      if (grant.codeChallenge && !pkceMatches(grant.codeChallenge, grant.codeChallengeMethod ?? 'plain', params.get('code_verifier'))) {
        return refuse(res, 400, 'invalid_grant', 'PKCE verification failed');
      }
      const user = userOf(grant.user);
      if (!user) return refuse(res, 400, 'invalid_grant', 'unknown user');
      return sendJson(res, 200, issue(user, grant.scope, tokens.newGrantId(), grant.nonce, grant.scope.includes('offline_access')));
    }
    if (grantType === 'refresh_token') {
      const refresh = tokens.active(params.get('refresh_token'), 'refresh');
      const user = refresh ? userOf(refresh.user) : undefined;
      if (!refresh || !user) return refuse(res, 400, 'invalid_grant', 'refresh token is invalid, expired or revoked');
      if (options.rotateRefreshTokens) tokens.revoke(refresh, 'rotated');
      const answer = issue(user, refresh.scope, refresh.grantId, undefined, options.rotateRefreshTokens ?? false);
      return sendJson(res, 200, answer);
    }
    refuse(res, 400, 'unsupported_grant_type', `grant_type ${grantType ?? ''} is not supported`);
  }

  function revokeEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const params = formParams(req);
    const value = params.get('token') ?? undefined;
    const auth = authenticate(req, params);
    const authenticated = auth.ok && auth.method !== 'none';
    if (options.revocationRequiresClientAuth && !authenticated) {
      revocations.push({ token: value, status: 401, clientAuthMethod: auth.method });
      return sendJson(res, 401, { error: 'invalid_client', error_description: 'client authentication is required' }, { 'www-authenticate': 'Basic realm="strict"' });
    }
    if (!value) {
      revocations.push({ token: value, status: 400, clientAuthMethod: auth.method });
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'token is required' });
    }
    const token = tokens.find(value);
    if (token?.clientId === options.clientId) {
      // RFC 7009 §2.1: revoking a refresh token invalidates its access tokens; an access token goes alone.
      if (token.kind === 'refresh') tokens.revokeGrant(token.grantId);
      else tokens.revoke(token, 'revoked');
    }
    revocations.push({ token: value, status: 200, clientAuthMethod: auth.method });
    sendEmpty(res, 200);
  }

  function userinfoEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const token = tokens.active(bearerToken(req), 'access');
    const user = token ? userOf(token.user) : undefined;
    if (!token || !user) return sendEmpty(res, 401, { 'www-authenticate': 'Bearer error="invalid_token"' });
    sendJson(res, 200, {
      sub: user.sub,
      ...(token.scope.includes('email') ? { email: user.email, email_verified: user.emailVerified } : {}),
      ...(token.scope.includes('profile') ? { name: user.name } : {}),
    });
  }

  function endSession(req: EmulatorRequest, res: ServerResponse): void {
    const params = formParams(req);
    const hint = params.get('id_token_hint');
    const claims = hint ? signer.verify(hint) : undefined;
    const valid = claims !== undefined && claims['iss'] === issuer && claims['aud'] === options.clientId;
    const target = params.get('post_logout_redirect_uri') ?? undefined;
    const call: StrictLogoutCall = { params: paramsObject(params), validIdTokenHint: valid, ended: false, redirectedTo: undefined };
    logouts.push(call);
    if (options.requireIdTokenHint && !valid) return sendEmpty(res, 200);
    call.ended = true;
    const user = valid ? STRICT_USERS.find((u) => u.sub === claims['sub']) : undefined;
    if (user) sessions.delete(user.login);
    else sessions.clear();
    if (target && (options.postLogoutRedirectUris ?? []).includes(target)) {
      call.redirectedTo = withQuery(target, { state: params.get('state') ?? undefined });
      return redirect(res, call.redirectedTo);
    }
    sendHtml(res, 200, renderErrorPage('Strict OIDC', 'Signed out', 'You have been signed out.'));
  }

  function discovery() {
    return {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      jwks_uri: `${issuer}/jwks`,
      revocation_endpoint: `${issuer}/revoke`,
      end_session_endpoint: `${issuer}/end_session`,
      scopes_supported: ['openid', 'email', 'profile', 'offline_access'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: options.clientSecret === undefined ? ['none', ...authMethods] : authMethods,
      revocation_endpoint_auth_methods_supported: options.revocationRequiresClientAuth ? authMethods : ['none', ...authMethods],
      code_challenge_methods_supported: challengeMethods,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'email', 'email_verified', 'name'],
      authorization_response_iss_parameter_supported: options.issInAuthorizationResponse ?? false,
    };
  }

  const server = await startEmulatorServer((req, res) => {
    const path = req.url.pathname;
    if (path === '/.well-known/openid-configuration' && req.method === 'GET') return sendJson(res, 200, discovery());
    if (path === '/jwks' && req.method === 'GET') return sendJson(res, 200, signer.jwks);
    if (path === '/authorize' && (req.method === 'GET' || req.method === 'POST')) {
      const iss = options.issInAuthorizationResponse ? { iss: issuer } : {};
      return serveAuthorization<StrictRequest>(req, res, {
        provider: 'Strict OIDC',
        users: STRICT_USERS.map((u) => ({ login: u.login, label: u.email })),
        record: (params) => authorizationRequests.push(params),
        validate,
        deny: (r): QueryParams => ({ error: 'access_denied', error_description: 'The user denied the request', state: r.state, ...iss }),
        approve(login, r): QueryParams {
          sessions.add(login);
          const grant: AuthorizationGrant = {
            clientId: options.clientId,
            redirectUri: r.redirectUri,
            codeChallenge: r.codeChallenge,
            codeChallengeMethod: r.codeChallengeMethod,
            nonce: r.nonce,
            scope: r.scope,
            user: login,
            extra: {},
          };
          return { code: codes.issue(grant), state: r.state, ...iss };
        },
      });
    }
    if (path === '/token' && req.method === 'POST') return tokenEndpoint(req, res);
    if (path === '/revoke' && req.method === 'POST') return revokeEndpoint(req, res);
    if (path === '/userinfo' && (req.method === 'GET' || req.method === 'POST')) return userinfoEndpoint(req, res);
    if (path === '/end_session' && (req.method === 'GET' || req.method === 'POST')) return endSession(req, res);
    sendJson(res, 404, { error: 'not_found' });
  }, options.port, options.tls);
  issuer = server.url;

  return {
    ...server,
    issuer,
    users: STRICT_USERS,
    tokens,
    authorizationRequests,
    get lastAuthorizationRequest() {
      return authorizationRequests.at(-1);
    },
    clientAuthMethods,
    tokenRefusals,
    revocations,
    logouts,
    sessions,
    advanceTime: (seconds) => clock.advance(seconds),
  };
}
