/**
 * A plain OAuth 2.0 provider without discovery, shaped like Discord's documented OAuth2 API: the client
 * has to be configured with explicit endpoints and a mapping of the profile JSON, since there is no
 * `/.well-known/*` document (404) and no ID token.
 *
 * What it reproduces:
 * - endpoints `/oauth2/authorize`, `/api/oauth2/token`, `/api/oauth2/token/revoke` (RFC 7009) and the
 *   profile at `/api/users/@me`;
 * - redirect URIs compared EXACTLY, port included, against the registered list (option `redirectUris`):
 *   a loopback client has to pin its port; a mismatch is an error page, never a redirect;
 * - RFC 6749 JSON errors; PKCE S256 (plain refused); a refresh token with every code exchange; refresh
 *   tokens rotate unless `rotateRefreshTokens: false`; the secret is required when the client has one;
 * - `email` and `verified` only with the `email` scope.
 */
import type { ServerResponse } from 'node:http';
import {
  bearerToken,
  clientCredentials,
  createClock,
  formParams,
  pkceMatches,
  safeEqual,
  sendEmpty,
  sendJson,
  splitScope,
  startEmulatorServer,
  type ClientAuthMethod,
  type EmulatorRequest,
  type EmulatorServer,
} from './common';
import { serveAuthorization, type AuthorizationCheck } from './authorize';
import { CodeStore, TokenLedger, type AuthorizationGrant, type IssuedToken } from './grants';

export const PLAIN_USER = {
  login: 'nelly',
  profile: {
    id: '80351110224678912',
    username: 'nelly',
    global_name: 'Nelly',
    email: 'nelly@example.com',
    verified: true,
    avatar: '8342729096ea3675442027381ff50dfe',
  },
} as const;

export const PLAIN_SCOPES = ['identify', 'email', 'guilds', 'connections'];

export interface PlainOAuthEmulatorOptions {
  clientId: string;
  /** When set the client is confidential: the token and revocation endpoints require it (basic or post). */
  clientSecret?: string;
  /** Default true: each refresh returns a new refresh token and the old one stops working. */
  rotateRefreshTokens?: boolean;
  /** Registered redirect URIs, compared exactly. Default ['http://127.0.0.1:53134/callback']. */
  redirectUris?: string[];
  /** Default 604800 (7 days), as Discord. */
  accessTokenTtlSeconds?: number;
  port?: number;
}

export interface PlainOAuthEmulator extends EmulatorServer {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint: string;
  userinfoEndpoint: string;
  tokens: TokenLedger;
  authorizationRequests: Record<string, string>[];
  readonly lastAuthorizationRequest: Record<string, string> | undefined;
  clientAuthMethods: ClientAuthMethod[];
  revocations: Array<{ token: string; tokenTypeHint: string | undefined; clientAuthMethod: ClientAuthMethod }>;
  advanceTime(seconds: number): void;
}

interface PlainRequest {
  redirectUri: string;
  state: string | undefined;
  scope: string[];
  codeChallenge: string | undefined;
}

export async function startPlainOAuthEmulator(options: PlainOAuthEmulatorOptions): Promise<PlainOAuthEmulator> {
  const rotate = options.rotateRefreshTokens ?? true;
  const redirectUris = options.redirectUris ?? ['http://127.0.0.1:53134/callback'];
  const accessTtl = options.accessTokenTtlSeconds ?? 604800;
  const clock = createClock();
  const codes = new CodeStore(clock);
  const tokens = new TokenLedger(clock);
  const authorizationRequests: Record<string, string>[] = [];
  const clientAuthMethods: ClientAuthMethod[] = [];
  const revocations: PlainOAuthEmulator['revocations'] = [];

  function validate(request: URLSearchParams): AuthorizationCheck<PlainRequest> {
    if (request.get('client_id') !== options.clientId) {
      return { kind: 'page', status: 400, title: 'Unknown Application', detail: 'client_id is not a known application.' };
    }
    const redirectUri = request.get('redirect_uri') ?? '';
    if (!redirectUris.includes(redirectUri)) {
      return { kind: 'page', status: 400, title: 'Invalid OAuth2 redirect_uri', detail: `Not a registered redirect URI: ${redirectUri}` };
    }
    const state = request.get('state') ?? undefined;
    const fail = (error: string, description: string): AuthorizationCheck<PlainRequest> => ({
      kind: 'redirect',
      redirectUri,
      params: { error, error_description: description, state },
    });
    if (request.get('response_type') !== 'code') return fail('unsupported_response_type', 'The authorization server does not support obtaining an authorization code using this method');
    const scope = splitScope(request.get('scope'));
    if (scope.length === 0 || scope.some((s) => !PLAIN_SCOPES.includes(s))) {
      return fail('invalid_scope', 'The requested scope is invalid, unknown, or malformed.');
    }
    const codeChallenge = request.get('code_challenge') ?? undefined;
    if (codeChallenge && request.get('code_challenge_method') !== 'S256') {
      return fail('invalid_request', 'code_challenge_method must be S256.');
    }
    return { kind: 'ok', redirectUri, value: { redirectUri, state, scope, codeChallenge } };
  }

  /** Client authentication at the token and revocation endpoints; answers 401 itself on failure. */
  function authenticate(req: EmulatorRequest, res: ServerResponse, params: URLSearchParams): ClientAuthMethod | undefined {
    const client = clientCredentials(req, params);
    const secretOk = options.clientSecret === undefined || safeEqual(client.clientSecret ?? '', options.clientSecret);
    if (client.clientId !== options.clientId || client.conflicting || !secretOk) {
      sendJson(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="oauth2"' });
      return undefined;
    }
    return client.method;
  }

  function tokenAnswer(access: IssuedToken, refresh: IssuedToken | undefined) {
    return {
      token_type: 'Bearer',
      access_token: access.token,
      expires_in: accessTtl,
      ...(refresh ? { refresh_token: refresh.token } : {}),
      scope: access.scope.join(' '),
    };
  }

  function tokenEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const params = formParams(req);
    clientAuthMethods.push(clientCredentials(req, params).method);
    if (!authenticate(req, res, params)) return;
    const grantType = params.get('grant_type');
    if (grantType === 'authorization_code') {
      const redeemed = codes.redeem(params.get('code'));
      if (!redeemed.ok) return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid "code" in request.' });
      const grant = redeemed.grant;
      if (params.get('redirect_uri') !== grant.redirectUri) {
        return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid "redirect_uri" in request.' });
      }
      if (grant.codeChallenge && !pkceMatches(grant.codeChallenge, 'S256', params.get('code_verifier'))) {
        return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid "code_verifier" in request.' });
      }
      const grantId = tokens.newGrantId();
      const common = { user: grant.user, clientId: options.clientId, scope: grant.scope, grantId };
      const access = tokens.issue('access', { ...common, ttlSeconds: accessTtl });
      const refresh = tokens.issue('refresh', common);
      return sendJson(res, 200, tokenAnswer(access, refresh));
    }
    if (grantType === 'refresh_token') {
      const refresh = tokens.active(params.get('refresh_token'), 'refresh');
      if (!refresh) return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid "refresh_token" in request.' });
      const common = { user: refresh.user, clientId: options.clientId, scope: refresh.scope, grantId: refresh.grantId };
      const access = tokens.issue('access', { ...common, ttlSeconds: accessTtl });
      let next: IssuedToken | undefined;
      if (rotate) {
        tokens.revoke(refresh, 'rotated');
        next = tokens.issue('refresh', common);
      }
      return sendJson(res, 200, tokenAnswer(access, next));
    }
    sendJson(res, 400, { error: 'unsupported_grant_type' });
  }

  function revokeEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const params = formParams(req);
    const method = authenticate(req, res, params);
    if (!method) return;
    const value = params.get('token');
    if (!value) return sendJson(res, 400, { error: 'invalid_request', error_description: 'Missing "token" in request.' });
    revocations.push({ token: value, tokenTypeHint: params.get('token_type_hint') ?? undefined, clientAuthMethod: method });
    const token = tokens.find(value);
    // RFC 7009 §2.2: an unknown or already invalid token is answered 200 as well.
    if (token && token.clientId === options.clientId) tokens.revokeGrant(token.grantId);
    sendEmpty(res, 200);
  }

  function meEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const token = tokens.active(bearerToken(req), 'access');
    if (!token) return sendJson(res, 401, { message: '401: Unauthorized', code: 0 });
    const { email, verified, ...profile } = PLAIN_USER.profile;
    sendJson(res, 200, {
      ...profile,
      discriminator: '0',
      ...(token.scope.includes('email') ? { email, verified } : {}),
    });
  }

  const server = await startEmulatorServer((req, res) => {
    const path = req.url.pathname;
    if (path === '/oauth2/authorize' && (req.method === 'GET' || req.method === 'POST')) {
      return serveAuthorization(req, res, {
        provider: 'Plain OAuth',
        users: [{ login: PLAIN_USER.login, label: PLAIN_USER.profile.global_name }],
        record: (params) => authorizationRequests.push(params),
        validate,
        deny: (r) => ({ error: 'access_denied', error_description: 'The resource owner or authorization server denied the request', state: r.state }),
        approve(login, r) {
          const grant: AuthorizationGrant = {
            clientId: options.clientId,
            redirectUri: r.redirectUri,
            codeChallenge: r.codeChallenge,
            codeChallengeMethod: r.codeChallenge ? 'S256' : undefined,
            nonce: undefined,
            scope: r.scope,
            user: login,
            extra: {},
          };
          return { code: codes.issue(grant), state: r.state };
        },
      });
    }
    if (path === '/api/oauth2/token' && req.method === 'POST') return tokenEndpoint(req, res);
    if (path === '/api/oauth2/token/revoke' && req.method === 'POST') return revokeEndpoint(req, res);
    if (path === '/api/users/@me' && req.method === 'GET') return meEndpoint(req, res);
    sendJson(res, 404, { message: '404: Not Found', code: 0 });
  }, options.port);

  return {
    ...server,
    authorizationEndpoint: `${server.url}/oauth2/authorize`,
    tokenEndpoint: `${server.url}/api/oauth2/token`,
    revocationEndpoint: `${server.url}/api/oauth2/token/revoke`,
    userinfoEndpoint: `${server.url}/api/users/@me`,
    tokens,
    authorizationRequests,
    get lastAuthorizationRequest() {
      return authorizationRequests.at(-1);
    },
    clientAuthMethods,
    revocations,
    advanceTime: (seconds) => clock.advance(seconds),
  };
}
