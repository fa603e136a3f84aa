/**
 * Google's OAuth 2.0 for desktop apps and its OpenID Connect endpoints, as documented
 * ("OAuth 2.0 for Mobile & Desktop Apps", "OpenID Connect", "Revoke a token"), at a local URL.
 *
 * What clients trip over, reproduced here:
 * - only `openid email profile` (and their userinfo.* URL forms) are accepted: `offline_access` or any
 *   other scope is refused with `invalid_scope`; offline access is asked for with `access_type=offline`;
 * - a refresh token comes only with `access_type=offline`, and only when the user has no live offline
 *   grant for the client yet, unless `prompt` contains `consent`;
 * - refresh answers carry no new refresh token (Google does not rotate them) but a new ID token;
 * - the token endpoint wants the desktop client's secret (client_secret_post or client_secret_basic);
 * - the granted `scope` comes back in URL form (`https://www.googleapis.com/auth/userinfo.email`);
 * - /revoke takes an access or a refresh token and ends the whole grant; there is no end_session_endpoint;
 * - loopback redirect URIs (127.0.0.1, [::1], localhost) are accepted with any port and path;
 * - the device flow (google-device.ts) for "TVs and Limited Input devices" clients: `verification_url`,
 *   polls answered 428 authorization_pending, 403 slow_down / access_denied, 400 expired_token.
 */
import type { ServerResponse } from 'node:http';
import {
  bearerToken,
  clientCredentials,
  createClock,
  formParams,
  isLoopbackHost,
  parseUrl,
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
import { DEVICE_CODE_GRANT, GoogleDeviceFlow, type GoogleDeviceFlowOptions } from './google-device';
import { CodeStore, TokenLedger, type AuthorizationGrant, type IssuedToken } from './grants';
import { atHash, createSigner } from './jwt';

export interface GoogleUser {
  /** Button value on the sign-in page. */
  login: string;
  /** Google's subject identifiers are long decimal strings. */
  sub: string;
  email: string;
  emailVerified: boolean;
  name: string;
  givenName: string;
  familyName: string;
  picture: string;
}

export const DEFAULT_GOOGLE_USERS: GoogleUser[] = [
  {
    login: 'alice',
    sub: '110169484474386276334',
    email: 'alice@gmail.example',
    emailVerified: true,
    name: 'Alice Example',
    givenName: 'Alice',
    familyName: 'Example',
    picture: 'https://lh3.googleusercontent.example/a/alice=s96-c',
  },
  {
    login: 'bob',
    sub: '104857600000000000042',
    email: 'bob@gmail.example',
    emailVerified: false,
    name: 'Bob Example',
    givenName: 'Bob',
    familyName: 'Example',
    picture: 'https://lh3.googleusercontent.example/a/bob=s96-c',
  },
];

export interface GoogleEmulatorOptions {
  clientId: string;
  clientSecret: string;
  users?: GoogleUser[];
  /** Default 3599, as Google answers. */
  accessTokenTtlSeconds?: number;
  /** The OAuth client's type in the Cloud console: only "TVs and Limited Input devices" may use the device flow. Default desktop. */
  clientType?: 'desktop' | 'limited-input';
  deviceFlow?: GoogleDeviceFlowOptions;
  port?: number;
}

export interface GoogleEmulator extends EmulatorServer {
  /** Equal to url: the `iss` of its ID tokens. */
  issuer: string;
  users: GoogleUser[];
  tokens: TokenLedger;
  /** Query parameters of every authorization request, oldest first. */
  authorizationRequests: Record<string, string>[];
  readonly lastAuthorizationRequest: Record<string, string> | undefined;
  /** The `prompt` value of each authorization request that had one. */
  prompts: string[];
  /** Client authentication seen at the token endpoint, one entry per token request. */
  clientAuthMethods: ClientAuthMethod[];
  /** Each call of /revoke: the token sent and whether it was known and live. */
  revocations: Array<{ token: string; accepted: boolean }>;
  /** The device flow's state: its polls' answers in order. */
  device: GoogleDeviceFlow;
  /** Moves the emulator's clock forward (tokens and codes expire). */
  advanceTime(seconds: number): void;
}

const USERINFO_EMAIL = 'https://www.googleapis.com/auth/userinfo.email';
const USERINFO_PROFILE = 'https://www.googleapis.com/auth/userinfo.profile';
/** Accepted scopes and the canonical form Google reports back. */
const SCOPES: Record<string, string> = {
  openid: 'openid',
  email: USERINFO_EMAIL,
  profile: USERINFO_PROFILE,
  [USERINFO_EMAIL]: USERINFO_EMAIL,
  [USERINFO_PROFILE]: USERINFO_PROFILE,
};

interface GoogleRequest {
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  scope: string[];
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
  nonce: string | undefined;
  accessType: string;
  prompt: string[];
}

export async function startGoogleEmulator(options: GoogleEmulatorOptions): Promise<GoogleEmulator> {
  const users = options.users ?? DEFAULT_GOOGLE_USERS;
  const accessTtl = options.accessTokenTtlSeconds ?? 3599;
  const clock = createClock();
  const signer = createSigner();
  const codes = new CodeStore(clock, '4/0A');
  const tokens = new TokenLedger(clock);
  const authorizationRequests: Record<string, string>[] = [];
  const prompts: string[] = [];
  const clientAuthMethods: ClientAuthMethod[] = [];
  const revocations: Array<{ token: string; accepted: boolean }> = [];
  /** user -> grant id of the live offline grant for the client (one client per emulator). */
  const offlineGrants = new Map<string, string>();
  const device = new GoogleDeviceFlow(options.deviceFlow ?? {}, clock);
  let issuer = '';

  const userOf = (login: string) => users.find((u) => u.login === login);

  function validate(request: URLSearchParams): AuthorizationCheck<GoogleRequest> {
    const clientId = request.get('client_id');
    if (clientId !== options.clientId) {
      return { kind: 'page', status: 401, title: 'Error 401: invalid_client', detail: 'The OAuth client was not found.' };
    }
    const redirectUri = request.get('redirect_uri') ?? '';
    const target = parseUrl(redirectUri);
    if (!target || target.protocol !== 'http:' || !isLoopbackHost(target.hostname) || target.hash) {
      return {
        kind: 'page',
        status: 400,
        title: 'Error 400: redirect_uri_mismatch',
        detail: `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. redirect_uri=${redirectUri}`,
      };
    }
    const state = request.get('state') ?? undefined;
    const fail = (error: string, description: string): AuthorizationCheck<GoogleRequest> => ({
      kind: 'redirect',
      redirectUri,
      params: { error, error_description: description, state },
    });
    if (request.get('response_type') !== 'code') return fail('unsupported_response_type', `Invalid response_type: ${request.get('response_type') ?? ''}`);
    const scope = splitScope(request.get('scope'));
    if (scope.length === 0) return fail('invalid_request', 'Missing required parameter: scope');
    const invalid = scope.filter((s) => !(s in SCOPES));
    if (invalid.length > 0) return fail('invalid_scope', `Some requested scopes were invalid. {invalid=[${invalid.join(', ')}]}`);
    const codeChallenge = request.get('code_challenge') ?? undefined;
    const codeChallengeMethod = codeChallenge ? (request.get('code_challenge_method') ?? 'plain') : undefined;
    if (codeChallengeMethod && codeChallengeMethod !== 'plain' && codeChallengeMethod !== 'S256') {
      return fail('invalid_request', `Invalid code_challenge_method: ${codeChallengeMethod}`);
    }
    const accessType = request.get('access_type') ?? 'online';
    if (accessType !== 'online' && accessType !== 'offline') return fail('invalid_request', `Invalid access_type: ${accessType}`);
    const prompt = splitScope(request.get('prompt'));
    if (prompt.some((p) => !['none', 'consent', 'select_account'].includes(p)) || (prompt.includes('none') && prompt.length > 1)) {
      return fail('invalid_request', `Invalid prompt: ${request.get('prompt') ?? ''}`);
    }
    // No browser session at the emulator: a silent request can never be answered without the page.
    if (prompt.includes('none')) return fail('interaction_required', 'The user must sign in.');
    return {
      kind: 'ok',
      redirectUri,
      value: { clientId, redirectUri, state, scope, codeChallenge, codeChallengeMethod, nonce: request.get('nonce') ?? undefined, accessType, prompt },
    };
  }

  function idToken(user: GoogleUser, scope: string[], accessToken: string, nonce: string | undefined): string {
    const now = clock.now();
    return signer.sign({
      iss: issuer,
      azp: options.clientId,
      aud: options.clientId,
      sub: user.sub,
      ...(scope.includes(USERINFO_EMAIL) ? { email: user.email, email_verified: user.emailVerified } : {}),
      at_hash: atHash(accessToken),
      ...(nonce !== undefined ? { nonce } : {}),
      ...(scope.includes(USERINFO_PROFILE)
        ? { name: user.name, picture: user.picture, given_name: user.givenName, family_name: user.familyName }
        : {}),
      iat: now,
      exp: now + 3600,
    });
  }

  function tokenAnswer(access: IssuedToken, refresh: IssuedToken | undefined, nonce: string | undefined) {
    const user = userOf(access.user);
    return {
      access_token: access.token,
      expires_in: accessTtl,
      ...(refresh ? { refresh_token: refresh.token } : {}),
      scope: access.scope.join(' '),
      token_type: 'Bearer',
      ...(user && access.scope.includes('openid') ? { id_token: idToken(user, access.scope, access.token, nonce) } : {}),
    };
  }

  function tokenEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const params = formParams(req);
    const client = clientCredentials(req, params);
    clientAuthMethods.push(client.method);
    if (client.clientId !== options.clientId) {
      sendJson(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
      return;
    }
    if (client.method === 'none' || client.conflicting || !safeEqual(client.clientSecret ?? '', options.clientSecret)) {
      sendJson(res, 401, { error: 'invalid_client', error_description: 'Unauthorized' });
      return;
    }
    const grantType = params.get('grant_type');
    if (grantType === DEVICE_CODE_GRANT) {
      if (options.clientType !== 'limited-input') {
        sendJson(res, 401, { error: 'invalid_client', error_description: 'Invalid client type.' });
        return;
      }
      const polled = device.poll(params.get('device_code'));
      if (polled.kind === 'error') {
        sendJson(res, polled.status, { error: polled.error, error_description: polled.description });
        return;
      }
      // The device flow always answers with a refresh token.
      const grantId = tokens.newGrantId();
      const refresh = tokens.issue('refresh', { prefix: '1//0g', user: polled.user, clientId: options.clientId, scope: polled.scope, grantId });
      const access = tokens.issue('access', { prefix: 'ya29.', user: polled.user, clientId: options.clientId, scope: polled.scope, grantId, ttlSeconds: accessTtl });
      sendJson(res, 200, tokenAnswer(access, refresh, undefined));
      return;
    }
    if (grantType === 'authorization_code') {
      const redeemed = codes.redeem(params.get('code'));
      if (!redeemed.ok) {
        sendJson(res, 400, { error: 'invalid_grant', error_description: redeemed.reason === 'unknown' ? 'Malformed auth code.' : 'Bad Request' });
        return;
      }
      const grant = redeemed.grant;
      if (params.get('redirect_uri') !== grant.redirectUri) {
        sendJson(res, 400, { error: 'redirect_uri_mismatch', error_description: 'Bad Request' });
        return;
      }
      if (grant.codeChallenge) {
        const verifier = params.get('code_verifier');
        if (!verifier) {
          sendJson(res, 400, { error: 'invalid_grant', error_description: 'Missing code verifier.' });
          return;
        }
        if (!pkceMatches(grant.codeChallenge, grant.codeChallengeMethod ?? 'plain', verifier)) {
          sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid code verifier.' });
          return;
        }
      }
      const grantId = tokens.newGrantId();
      let refresh: IssuedToken | undefined;
      if (grant.extra['issueRefreshToken'] === 'yes') {
        const previous = offlineGrants.get(grant.user);
        // A new consent replaces the user's earlier offline grant for this client.
        if (previous) tokens.revokeGrant(previous);
        offlineGrants.set(grant.user, grantId);
        refresh = tokens.issue('refresh', { prefix: '1//0g', user: grant.user, clientId: grant.clientId, scope: grant.scope, grantId });
      }
      const access = tokens.issue('access', { prefix: 'ya29.', user: grant.user, clientId: grant.clientId, scope: grant.scope, grantId, ttlSeconds: accessTtl });
      sendJson(res, 200, tokenAnswer(access, refresh, grant.nonce));
      return;
    }
    if (grantType === 'refresh_token') {
      const refresh = tokens.active(params.get('refresh_token'), 'refresh');
      if (!refresh) {
        sendJson(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
        return;
      }
      if (refresh.clientId !== client.clientId) {
        sendJson(res, 400, { error: 'unauthorized_client', error_description: 'Unauthorized' });
        return;
      }
      const access = tokens.issue('access', {
        prefix: 'ya29.',
        user: refresh.user,
        clientId: refresh.clientId,
        scope: refresh.scope,
        grantId: refresh.grantId,
        ttlSeconds: accessTtl,
      });
      sendJson(res, 200, tokenAnswer(access, undefined, undefined));
      return;
    }
    sendJson(res, 400, { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${grantType ?? ''}` });
  }

  /** POST /device/code: only for "TVs and Limited Input devices" clients and the sign-in scopes. */
  function deviceCodeEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const params = formParams(req);
    if (params.get('client_id') !== options.clientId) {
      sendJson(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
      return;
    }
    if (options.clientType !== 'limited-input') {
      sendJson(res, 401, { error: 'invalid_client', error_description: 'Invalid client type.' });
      return;
    }
    const scope = splitScope(params.get('scope'));
    const invalid = scope.filter((s) => !(s in SCOPES));
    if (scope.length === 0 || invalid.length > 0) {
      sendJson(res, 400, { error: 'invalid_scope', error_description: `Invalid device flow scope: ${invalid.join(' ') || '(none)'}` });
      return;
    }
    sendJson(res, 200, device.start(issuer, [...new Set(scope.map((s) => SCOPES[s] ?? s))]));
  }

  function revokeEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const value = formParams(req).get('token') ?? '';
    const token = tokens.active(value, 'access') ?? tokens.active(value, 'refresh');
    revocations.push({ token: value, accepted: token !== undefined });
    if (!token) {
      sendJson(res, 400, { error: 'invalid_token', error_description: 'Token expired or revoked' });
      return;
    }
    // Google: revoking an access token also revokes its refresh token, and the other way round.
    tokens.revokeGrant(token.grantId);
    if (offlineGrants.get(token.user) === token.grantId) offlineGrants.delete(token.user);
    sendEmpty(res, 200);
  }

  function userinfoEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const token = tokens.active(bearerToken(req), 'access');
    const user = token ? userOf(token.user) : undefined;
    if (!token || !user) {
      sendJson(res, 401, { error: 'invalid_request', error_description: 'Invalid Credentials' }, { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' });
      return;
    }
    sendJson(res, 200, {
      sub: user.sub,
      ...(token.scope.includes(USERINFO_PROFILE)
        ? { name: user.name, given_name: user.givenName, family_name: user.familyName, picture: user.picture }
        : {}),
      ...(token.scope.includes(USERINFO_EMAIL) ? { email: user.email, email_verified: user.emailVerified } : {}),
    });
  }

  function discovery() {
    return {
      issuer,
      authorization_endpoint: `${issuer}/o/oauth2/v2/auth`,
      device_authorization_endpoint: `${issuer}/device/code`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/v1/userinfo`,
      revocation_endpoint: `${issuer}/revoke`,
      jwks_uri: `${issuer}/oauth2/v3/certs`,
      response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'token id_token', 'code token id_token', 'none'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      claims_supported: ['aud', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'name', 'picture', 'sub'],
      code_challenge_methods_supported: ['plain', 'S256'],
      grant_types_supported: [
        'authorization_code',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
      ],
    };
  }

  const server = await startEmulatorServer((req, res) => {
    const path = req.url.pathname;
    if (path === '/.well-known/openid-configuration' && req.method === 'GET') return sendJson(res, 200, discovery());
    if (path === '/oauth2/v3/certs' && req.method === 'GET') return sendJson(res, 200, signer.jwks);
    if (path === '/o/oauth2/v2/auth' && (req.method === 'GET' || req.method === 'POST')) {
      return serveAuthorization(req, res, {
        provider: 'Google',
        users: users.map((u) => ({ login: u.login, label: `${u.name} <${u.email}>` })),
        record(params) {
          authorizationRequests.push(params);
          if (params['prompt'] !== undefined) prompts.push(params['prompt']);
        },
        validate,
        deny: (r) => ({ error: 'access_denied', state: r.state }),
        approve(login, r) {
          const offline = r.accessType === 'offline';
          const issueRefreshToken = offline && (r.prompt.includes('consent') || !offlineGrants.has(login));
          const grant: AuthorizationGrant = {
            clientId: r.clientId,
            redirectUri: r.redirectUri,
            codeChallenge: r.codeChallenge,
            codeChallengeMethod: r.codeChallengeMethod,
            nonce: r.nonce,
            scope: [...new Set(r.scope.map((s) => SCOPES[s] ?? s))],
            user: login,
            extra: { issueRefreshToken: issueRefreshToken ? 'yes' : 'no' },
          };
          return {
            state: r.state,
            code: codes.issue(grant),
            scope: grant.scope.join(' '),
            authuser: '0',
            prompt: issueRefreshToken || r.prompt.includes('consent') ? 'consent' : 'none',
          };
        },
      });
    }
    if (path === '/token' && req.method === 'POST') return tokenEndpoint(req, res);
    if (path === '/device/code' && req.method === 'POST') return deviceCodeEndpoint(req, res);
    if (path === '/device' && (req.method === 'GET' || req.method === 'POST')) return device.page(req, res, users.map((u) => ({ login: u.login, label: `${u.name} <${u.email}>` })));
    if (path === '/revoke' && req.method === 'POST') return revokeEndpoint(req, res);
    if (path === '/v1/userinfo' && (req.method === 'GET' || req.method === 'POST')) return userinfoEndpoint(req, res);
    sendJson(res, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
  }, options.port);
  issuer = server.url;

  return {
    ...server,
    issuer,
    users,
    tokens,
    authorizationRequests,
    get lastAuthorizationRequest() {
      return authorizationRequests.at(-1);
    },
    prompts,
    clientAuthMethods,
    revocations,
    device,
    advanceTime: (seconds) => clock.advance(seconds),
  };
}
