/**
 * GitHub's OAuth web application flow (OAuth apps, and GitHub Apps with expiring user tokens), laid out
 * like GitHub Enterprise Server on one host: `/login/oauth/*` and the REST API under `/api/v3`. OAuth 2.0
 * only: no discovery, no ID token; the profile comes from the API. As documented in "Authorizing OAuth
 * apps", "Troubleshooting OAuth app access token request errors", "Refreshing user access tokens" and the
 * REST reference ("Users", "Emails", "OAuth authorizations").
 *
 * What clients trip over, reproduced here:
 * - the token endpoint answers `application/x-www-form-urlencoded` unless `Accept: application/json`
 *   (or application/xml) is sent, and refuses with HTTP 200 and an `error` field;
 * - client_id and client_secret are read from the request parameters only (not from Basic auth);
 * - the granted scope comes back comma-separated (`read:user,user:email`);
 * - redirect_uri: host and port must equal the registered callback URL's, except that a loopback
 *   callback (127.0.0.1/localhost) allows any port; the path may be a subdirectory (OAuth apps) or must
 *   be equal (GitHub Apps); a mismatch redirects to the REGISTERED callback with `redirect_uri_mismatch`;
 * - `github-app-expiring` mode: `expires_in` + `refresh_token` + `refresh_token_expires_in`; a refresh
 *   returns a new pair and both old tokens stop working (`bad_refresh_token` for the old refresh token);
 * - GET /user may have `email: null` and `name: null`; /user/emails needs the `user:email` (or `user`)
 *   scope (404 otherwise) and lists unverified and noreply addresses beside the primary one;
 * - API calls without a User-Agent are refused (403); bad tokens get 401 "Bad credentials";
 * - revocation is the REST call DELETE /applications/{client_id}/token with Basic client credentials;
 * - GET /user/repos lists the user's repositories: `sort` (created, updated, pushed, full_name; default
 *   full_name), `direction` (default asc for full_name, else desc), `per_page` (default 30, at most 100) and
 *   `page`, with a `Link` header for the next and last pages;
 * - the device flow (github-device.ts): /login/device/code, the /login/device page, and polling answered
 *   with 200 + `error` (authorization_pending, slow_down with a new interval, expired_token, access_denied,
 *   incorrect_device_code, device_flow_disabled).
 */
import type { ServerResponse } from 'node:http';
import {
  bearerToken,
  createClock,
  escapeHtml,
  formParams,
  isLoopbackHost,
  parseUrl,
  pkceMatches,
  safeEqual,
  sendEmpty,
  sendJson,
  sendText,
  splitScope,
  startEmulatorServer,
  type ClientAuthMethod,
  type EmulatorRequest,
  type EmulatorServer,
} from './common';
import { serveAuthorization, type AuthorizationCheck } from './authorize';
import { DEVICE_CODE_GRANT, GitHubDeviceFlow, type GitHubDeviceFlowOptions } from './github-device';
import { CodeStore, TokenLedger, type AuthorizationGrant, type IssuedToken } from './grants';

export interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
  visibility: 'public' | 'private' | null;
}

export interface GitHubUser {
  login: string;
  id: number;
  name: string | null;
  /** The public e-mail shown by GET /user (null when the user keeps it private). */
  email: string | null;
  emails: GitHubEmail[];
}

export const GITHUB_USERS: GitHubUser[] = [
  {
    login: 'octo',
    id: 1001,
    name: 'Octo Cat',
    email: 'octo@github.example',
    emails: [
      { email: 'octo@github.example', primary: true, verified: true, visibility: 'public' },
      { email: 'octo-old@mail.example', primary: false, verified: false, visibility: null },
    ],
  },
  {
    login: 'hidden',
    id: 1002,
    name: null,
    email: null,
    // Not primary-first on purpose: clients must look for `primary && verified`, not take the first verified.
    emails: [
      { email: '1002+hidden@users.noreply.github.example', primary: false, verified: true, visibility: null },
      { email: 'hidden-unverified@mail.example', primary: false, verified: false, visibility: null },
      { email: 'hidden@private.example', primary: true, verified: true, visibility: 'private' },
    ],
  },
];

export interface GitHubRepo {
  id: number;
  name: string;
  private: boolean;
  description: string | null;
  language: string | null;
  stargazers_count: number;
  open_issues_count: number;
  created_at: string;
  updated_at: string;
  pushed_at: string;
}

/** Each user's repositories (the hidden user has none). */
export const GITHUB_REPOS: Readonly<Record<string, readonly GitHubRepo[]>> = {
  octo: [
    { id: 5001, name: 'hello-world', private: false, description: 'My first repository', language: 'Ruby', stargazers_count: 1820, open_issues_count: 12, created_at: '2011-01-26T19:01:12Z', updated_at: '2026-06-02T09:00:00Z', pushed_at: '2026-06-01T18:00:00Z' },
    { id: 5002, name: 'spoon-knife', private: false, description: 'Fork me', language: 'HTML', stargazers_count: 12400, open_issues_count: 3, created_at: '2014-02-03T10:00:00Z', updated_at: '2026-11-20T12:30:00Z', pushed_at: '2026-11-20T12:29:00Z' },
    { id: 5003, name: 'linguist', private: false, description: 'Language detection', language: 'Ruby', stargazers_count: 640, open_issues_count: 48, created_at: '2016-05-10T08:00:00Z', updated_at: '2026-10-11T16:45:00Z', pushed_at: '2026-10-11T16:44:00Z' },
    { id: 5004, name: 'dotfiles', private: true, description: null, language: 'Shell', stargazers_count: 0, open_issues_count: 0, created_at: '2019-09-09T09:09:09Z', updated_at: '2026-11-27T07:15:00Z', pushed_at: '2026-11-27T07:14:00Z' },
    { id: 5005, name: 'octo-notes', private: false, description: 'Notes <b>in</b> "markdown"', language: null, stargazers_count: 42, open_issues_count: 1, created_at: '2020-01-01T00:00:00Z', updated_at: '2025-12-24T20:00:00Z', pushed_at: '2025-12-24T19:59:00Z' },
  ],
  hidden: [],
};

export interface GitHubEmulatorOptions {
  clientId: string;
  clientSecret: string;
  mode: 'oauth-app' | 'github-app-expiring';
  /** The app's registered callback URL. Default 'http://127.0.0.1/callback'. */
  callbackUrl?: string;
  /** github-app-expiring only. Default 28800 (8 hours), as GitHub. */
  accessTokenTtlSeconds?: number;
  /** github-app-expiring only. Default 15897600 (6 months), as GitHub. */
  refreshTokenTtlSeconds?: number;
  /** github-app-expiring only: whether the app has the "Email addresses" user permission. Default true. */
  emailPermission?: boolean;
  /** The device flow ("Enable Device Flow" in the app's settings: on by default here). */
  deviceFlow?: GitHubDeviceFlowOptions;
  port?: number;
}

export interface GitHubEmulator extends EmulatorServer {
  /** `${url}/api/v3`. */
  apiUrl: string;
  users: GitHubUser[];
  tokens: TokenLedger;
  authorizationRequests: Record<string, string>[];
  readonly lastAuthorizationRequest: Record<string, string> | undefined;
  /** How the client sent its credentials to /login/oauth/access_token, one entry per request. */
  clientAuthMethods: ClientAuthMethod[];
  /** Calls of DELETE /applications/{client_id}/token and /grant. */
  revocations: Array<{ path: string; token: string | undefined; status: number }>;
  /** The device flow's state: its polls' answers in order. */
  device: GitHubDeviceFlow;
  advanceTime(seconds: number): void;
}

const DOCS = 'https://docs.github.com';

interface GitHubRequest {
  clientId: string;
  redirectUri: string;
  /** Whether redirect_uri was sent (the token request must then repeat it). */
  redirectUriSent: boolean;
  state: string | undefined;
  scope: string[];
  codeChallenge: string | undefined;
}

export async function startGitHubEmulator(options: GitHubEmulatorOptions): Promise<GitHubEmulator> {
  const expiring = options.mode === 'github-app-expiring';
  const callback = new URL(options.callbackUrl ?? 'http://127.0.0.1/callback');
  const accessTtl = options.accessTokenTtlSeconds ?? 28800;
  const refreshTtl = options.refreshTokenTtlSeconds ?? 15897600;
  const clock = createClock();
  const codes = new CodeStore(clock);
  const tokens = new TokenLedger(clock);
  const authorizationRequests: Record<string, string>[] = [];
  const clientAuthMethods: ClientAuthMethod[] = [];
  const revocations: Array<{ path: string; token: string | undefined; status: number }> = [];
  const device = new GitHubDeviceFlow(options.deviceFlow ?? {}, clock);
  let base = '';

  const userOf = (login: string) => GITHUB_USERS.find((u) => u.login === login);

  function redirectMatches(text: string): boolean {
    const target = parseUrl(text);
    if (!target || target.protocol !== callback.protocol || target.hostname !== callback.hostname) return false;
    if (target.port !== callback.port && !isLoopbackHost(callback.hostname)) return false;
    if (expiring) return target.pathname === callback.pathname;
    const root = callback.pathname.endsWith('/') ? callback.pathname : `${callback.pathname}/`;
    return target.pathname === callback.pathname || target.pathname.startsWith(root);
  }

  function validate(request: URLSearchParams): AuthorizationCheck<GitHubRequest> {
    const clientId = request.get('client_id');
    if (clientId !== options.clientId) return { kind: 'page', status: 404, title: '404', detail: 'This is not the web page you are looking for.' };
    const state = request.get('state') ?? undefined;
    const sent = request.get('redirect_uri');
    if (sent !== null && !redirectMatches(sent)) {
      return {
        kind: 'redirect',
        redirectUri: callback.toString(),
        params: {
          error: 'redirect_uri_mismatch',
          error_description: 'The redirect_uri MUST match the registered callback URL for this application.',
          error_uri: `${DOCS}/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#redirect-uri-mismatch`,
          state,
        },
      };
    }
    const redirectUri = sent ?? callback.toString();
    const codeChallenge = request.get('code_challenge') ?? undefined;
    if (codeChallenge && (request.get('code_challenge_method') ?? 'plain') !== 'S256') {
      return {
        kind: 'redirect',
        redirectUri,
        params: { error: 'invalid_request', error_description: 'code_challenge_method must be S256.', state },
      };
    }
    // GitHub Apps have permissions, not scopes: a scope parameter is ignored.
    const scope = expiring ? [] : splitScope(request.get('scope'), /[\s,]+/);
    return { kind: 'ok', redirectUri, value: { clientId, redirectUri, redirectUriSent: sent !== null, state, scope, codeChallenge } };
  }

  /** The three answer formats of /login/oauth/access_token, chosen by the Accept header. */
  function answer(req: EmulatorRequest, res: ServerResponse, fields: Record<string, string | number>): void {
    const accept = req.headers['accept'] ?? '';
    if (accept.includes('application/json')) return sendJson(res, 200, fields);
    if (accept.includes('application/xml')) {
      const xml = Object.entries(fields).map(([k, v]) => `<${k}>${escapeHtml(String(v))}</${k}>`).join('');
      return sendText(res, 200, 'application/xml; charset=utf-8', `<OAuth>${xml}</OAuth>`);
    }
    const form = new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)]));
    sendText(res, 200, 'application/x-www-form-urlencoded; charset=utf-8', form.toString());
  }

  function refuse(req: EmulatorRequest, res: ServerResponse, error: string, description: string, anchor: string): void {
    answer(req, res, {
      error,
      error_description: description,
      error_uri: `${DOCS}/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#${anchor}`,
    });
  }

  function issue(login: string, scope: string[], grantId: string): Record<string, string | number> {
    const access = tokens.issue('access', {
      prefix: expiring ? 'ghu_' : 'gho_',
      user: login,
      clientId: options.clientId,
      scope,
      grantId,
      ...(expiring ? { ttlSeconds: accessTtl } : {}),
    });
    if (!expiring) return { access_token: access.token, token_type: 'bearer', scope: scope.join(',') };
    const refresh = tokens.issue('refresh', { prefix: 'ghr_', user: login, clientId: options.clientId, scope, grantId, ttlSeconds: refreshTtl });
    return {
      access_token: access.token,
      expires_in: accessTtl,
      refresh_token: refresh.token,
      refresh_token_expires_in: refreshTtl,
      scope: '',
      token_type: 'bearer',
    };
  }

  function tokenEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const params = formParams(req);
    if ((req.headers['content-type'] ?? '').includes('application/json')) {
      try {
        for (const [k, v] of Object.entries(JSON.parse(req.body) as Record<string, unknown>)) if (typeof v === 'string') params.set(k, v);
      } catch {
        /* not JSON after all: keep the query parameters */
      }
    }
    if (params.get('grant_type') === DEVICE_CODE_GRANT) return deviceTokenEndpoint(req, res, params);
    const basic = /^basic\s/i.test(req.headers['authorization'] ?? '');
    const secret = params.get('client_secret');
    clientAuthMethods.push(secret !== null ? 'client_secret_post' : basic ? 'client_secret_basic' : 'none');
    if (params.get('client_id') !== options.clientId || secret === null || !safeEqual(secret, options.clientSecret)) {
      return refuse(req, res, 'incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.', 'incorrect-client-credentials');
    }
    const grantType = params.get('grant_type') ?? 'authorization_code';
    if (grantType === 'refresh_token') {
      const refresh = expiring ? tokens.active(params.get('refresh_token'), 'refresh') : undefined;
      if (!refresh) return refuse(req, res, 'bad_refresh_token', 'The refresh token passed is incorrect or expired.', 'bad-refresh-token');
      // "Once you use a refresh token, that refresh token and the old user access token will no longer work."
      tokens.revoke(refresh, 'rotated');
      tokens.revokeGrant(refresh.grantId, 'refreshed');
      return answer(req, res, issue(refresh.user, refresh.scope, refresh.grantId));
    }
    if (grantType !== 'authorization_code') {
      return refuse(req, res, 'unsupported_grant_type', `The grant type ${grantType} is not supported.`, 'unsupported-grant-type');
    }
    const redeemed = codes.redeem(params.get('code'));
    if (!redeemed.ok) {
      return refuse(req, res, 'bad_verification_code', 'The code passed is incorrect or expired.', 'bad-verification-code');
    }
    const grant = redeemed.grant;
    const redirectUri = params.get('redirect_uri');
    if ((grant.extra['redirectUriSent'] === 'yes' || redirectUri !== null) && redirectUri !== grant.redirectUri) {
      return refuse(req, res, 'redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.', 'redirect-uri-mismatch2');
    }
    if (grant.codeChallenge && !pkceMatches(grant.codeChallenge, 'S256', params.get('code_verifier'))) {
      return refuse(req, res, 'bad_verification_code', 'The code passed is incorrect or expired.', 'bad-verification-code');
    }
    return answer(req, res, issue(grant.user, grant.scope, tokens.newGrantId()));
  }

  /** Device flow polling: the client id is enough (the device flow needs no client secret). */
  function deviceTokenEndpoint(req: EmulatorRequest, res: ServerResponse, params: URLSearchParams): void {
    clientAuthMethods.push(params.get('client_secret') !== null ? 'client_secret_post' : 'none');
    if (params.get('client_id') !== options.clientId) {
      return refuse(req, res, 'incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.', 'incorrect-client-credentials');
    }
    const polled = device.poll(params.get('device_code'));
    if (polled.kind === 'error') {
      return answer(req, res, {
        error: polled.error,
        error_description: polled.description,
        error_uri: `${DOCS}/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#error-codes-for-the-device-flow`,
        ...(polled.interval !== undefined ? { interval: polled.interval } : {}),
      });
    }
    return answer(req, res, issue(polled.user, expiring ? [] : polled.scope, tokens.newGrantId()));
  }

  /** POST /login/device/code. */
  function deviceCodeEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const params = formParams(req);
    if (params.get('client_id') !== options.clientId) {
      return refuse(req, res, 'incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.', 'incorrect-client-credentials');
    }
    answer(req, res, device.start(base, expiring ? [] : splitScope(params.get('scope'), /[\s,]+/)));
  }

  /** Common checks of the REST API: User-Agent, then the token (Authorization: Bearer or token). */
  function apiCaller(req: EmulatorRequest, res: ServerResponse, docs: string): { token: IssuedToken; user: GitHubUser } | undefined {
    if (!(req.headers['user-agent'] ?? '').trim()) {
      sendText(
        res,
        403,
        'text/plain; charset=utf-8',
        `Request forbidden by administrative rules. Please make sure your request has a User-Agent header (${DOCS}/rest/overview/resources-in-the-rest-api#user-agent-required). Check ${DOCS} for other possible causes.\n`,
      );
      return undefined;
    }
    if (!req.headers['authorization']) {
      sendJson(res, 401, { message: 'Requires authentication', documentation_url: docs, status: '401' });
      return undefined;
    }
    const token = tokens.active(bearerToken(req, ['bearer', 'token']), 'access');
    const user = token ? userOf(token.user) : undefined;
    if (!token || !user) {
      sendJson(res, 401, { message: 'Bad credentials', documentation_url: `${DOCS}/rest`, status: '401' });
      return undefined;
    }
    return { token, user };
  }

  function scopeHeaders(token: IssuedToken, accepted: string): Record<string, string> {
    return expiring ? {} : { 'x-oauth-scopes': token.scope.join(', '), 'x-accepted-oauth-scopes': accepted };
  }

  function userEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const caller = apiCaller(req, res, `${DOCS}/rest/users/users#get-the-authenticated-user`);
    if (!caller) return;
    const { user, token } = caller;
    sendJson(
      res,
      200,
      {
        login: user.login,
        id: user.id,
        node_id: Buffer.from(`04:User${user.id}`).toString('base64'),
        avatar_url: `https://avatars.githubusercontent.example/u/${user.id}?v=4`,
        gravatar_id: '',
        url: `${base}/api/v3/users/${user.login}`,
        html_url: `${base}/${user.login}`,
        type: 'User',
        site_admin: false,
        name: user.name,
        company: null,
        blog: '',
        location: null,
        email: user.email,
        hireable: null,
        bio: null,
        public_repos: 8,
        followers: 20,
        following: 0,
        created_at: '2011-01-25T18:44:36Z',
        updated_at: '2024-05-01T10:00:00Z',
      },
      scopeHeaders(token, ''),
    );
  }

  function emailsEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const docs = `${DOCS}/rest/users/emails#list-email-addresses-for-the-authenticated-user`;
    const caller = apiCaller(req, res, docs);
    if (!caller) return;
    const { user, token } = caller;
    if (expiring) {
      if (options.emailPermission === false) {
        return sendJson(res, 403, { message: 'Resource not accessible by integration', documentation_url: docs, status: '403' });
      }
    } else if (!token.scope.includes('user:email') && !token.scope.includes('user')) {
      return sendJson(res, 404, { message: 'Not Found', documentation_url: docs, status: '404' }, scopeHeaders(token, 'user, user:email'));
    }
    sendJson(res, 200, user.emails, scopeHeaders(token, 'user, user:email'));
  }

  /** GET /user/repos: the caller's repositories, sorted and paged as GitHub documents it. */
  function reposEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const docs = `${DOCS}/rest/repos/repos#list-repositories-for-the-authenticated-user`;
    const caller = apiCaller(req, res, docs);
    if (!caller) return;
    const { user, token } = caller;
    const params = req.url.searchParams;
    const sort = params.get('sort') ?? 'full_name';
    if (!['created', 'updated', 'pushed', 'full_name'].includes(sort)) {
      return sendJson(res, 422, { message: 'Validation Failed', documentation_url: docs, status: '422' });
    }
    const direction = params.get('direction') ?? (sort === 'full_name' ? 'asc' : 'desc');
    const perPage = Math.min(100, Math.max(1, Number(params.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
    const key = (repo: GitHubRepo): string => (sort === 'full_name' ? repo.name : sort === 'created' ? repo.created_at : sort === 'pushed' ? repo.pushed_at : repo.updated_at);
    const sorted = [...(GITHUB_REPOS[user.login] ?? [])].sort((a, b) => key(a).localeCompare(key(b)) * (direction === 'asc' ? 1 : -1));
    const last = Math.max(1, Math.ceil(sorted.length / perPage));
    const link = (p: number): string => {
      const url = new URL(`${base}${req.url.pathname}`);
      for (const [name, value] of params) url.searchParams.set(name, value);
      url.searchParams.set('page', String(p));
      return url.href;
    };
    const headers: Record<string, string> = { ...scopeHeaders(token, 'repo') };
    if (page < last) headers['link'] = `<${link(page + 1)}>; rel="next", <${link(last)}>; rel="last"`;
    sendJson(
      res,
      200,
      sorted.slice((page - 1) * perPage, page * perPage).map((repo) => ({
        ...repo,
        full_name: `${user.login}/${repo.name}`,
        owner: { login: user.login, id: user.id, type: 'User' },
        html_url: `${base}/${user.login}/${repo.name}`,
        url: `${base}/api/v3/repos/${user.login}/${repo.name}`,
        fork: false,
        visibility: repo.private ? 'private' : 'public',
      })),
      headers,
    );
  }

  /** DELETE /applications/{client_id}/token (one token) or /grant (every token of the user for the app). */
  function deleteAuthorization(req: EmulatorRequest, res: ServerResponse, clientId: string, what: 'token' | 'grant'): void {
    const path = req.url.pathname;
    let token: string | undefined;
    const done = (status: number, body?: unknown) => {
      revocations.push({ path, token, status });
      if (body === undefined) sendEmpty(res, status);
      else sendJson(res, status, body);
    };
    const basic = /^basic\s+(.+)$/i.exec(req.headers['authorization'] ?? '');
    const [id, ...rest] = basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8').split(':') : [];
    if (clientId !== options.clientId || id !== options.clientId || !safeEqual(rest.join(':'), options.clientSecret)) {
      return done(404, { message: 'Not Found', documentation_url: `${DOCS}/rest/apps/oauth-applications`, status: '404' });
    }
    try {
      const body = JSON.parse(req.body || '{}') as { access_token?: unknown };
      token = typeof body.access_token === 'string' ? body.access_token : undefined;
    } catch {
      token = undefined;
    }
    if (!token) return done(422, { message: 'Validation Failed', documentation_url: `${DOCS}/rest/apps/oauth-applications`, status: '422' });
    const found = tokens.active(token, 'access');
    if (!found) return done(404, { message: 'Not Found', documentation_url: `${DOCS}/rest/apps/oauth-applications`, status: '404' });
    if (what === 'token') {
      // The token goes, and so does the refresh token issued with it.
      tokens.revoke(found, 'revoked');
      for (const r of tokens.refreshTokens) if (r.grantId === found.grantId && r.issuedAt >= found.issuedAt) tokens.revoke(r, 'revoked');
    } else {
      for (const t of [...tokens.accessTokens, ...tokens.refreshTokens]) if (t.user === found.user) tokens.revoke(t, 'revoked');
    }
    done(204);
  }

  const server = await startEmulatorServer((req, res) => {
    const path = req.url.pathname;
    if (path === '/login/oauth/authorize' && (req.method === 'GET' || req.method === 'POST')) {
      return serveAuthorization(req, res, {
        provider: 'GitHub',
        users: GITHUB_USERS.map((u) => ({ login: u.login, label: u.name ?? u.login })),
        record: (params) => authorizationRequests.push(params),
        validate,
        deny: (r) => ({
          error: 'access_denied',
          error_description: 'The user has denied your application access.',
          error_uri: `${DOCS}/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied`,
          state: r.state,
        }),
        approve(login, r) {
          const grant: AuthorizationGrant = {
            clientId: r.clientId,
            redirectUri: r.redirectUri,
            codeChallenge: r.codeChallenge,
            codeChallengeMethod: r.codeChallenge ? 'S256' : undefined,
            nonce: undefined,
            scope: r.scope,
            user: login,
            extra: { redirectUriSent: r.redirectUriSent ? 'yes' : 'no' },
          };
          return { code: codes.issue(grant), state: r.state };
        },
      });
    }
    if (path === '/login/oauth/access_token' && req.method === 'POST') return tokenEndpoint(req, res);
    if (path === '/login/device/code' && req.method === 'POST') return deviceCodeEndpoint(req, res);
    if (path === '/login/device' && (req.method === 'GET' || req.method === 'POST')) return device.page(req, res, GITHUB_USERS.map((u) => ({ login: u.login, label: u.name ?? u.login })));
    if (path === '/api/v3/user' && req.method === 'GET') return userEndpoint(req, res);
    if (path === '/api/v3/user/emails' && req.method === 'GET') return emailsEndpoint(req, res);
    if (path === '/api/v3/user/repos' && req.method === 'GET') return reposEndpoint(req, res);
    const app = /^\/api\/v3\/applications\/([^/]+)\/(token|grant)$/.exec(path);
    if (app?.[1] && app[2] && req.method === 'DELETE') return deleteAuthorization(req, res, decodeURIComponent(app[1]), app[2] as 'token' | 'grant');
    if (path.startsWith('/api/v3/')) return sendJson(res, 404, { message: 'Not Found', documentation_url: `${DOCS}/rest`, status: '404' });
    sendText(res, 404, 'text/html; charset=utf-8', '<!doctype html><title>Page not found</title><h1>404</h1>');
  }, options.port);
  base = server.url;

  return {
    ...server,
    apiUrl: `${base}/api/v3`,
    users: GITHUB_USERS,
    tokens,
    authorizationRequests,
    get lastAuthorizationRequest() {
      return authorizationRequests.at(-1);
    },
    clientAuthMethods,
    revocations,
    device,
    advanceTime: (seconds) => clock.advance(seconds),
  };
}
