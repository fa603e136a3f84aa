/**
 * The Microsoft identity platform (v2.0 endpoints) for a public desktop client, as documented
 * ("OpenID Connect on the Microsoft identity platform", "OAuth 2.0 authorization code flow",
 * "Redirect URI (reply URL) restrictions", "Refresh tokens"), with the emulator's url as the authority.
 *
 * What clients trip over, reproduced here:
 * - the discovery document of `common` and `organizations` has the TEMPLATE issuer
 *   `{authority}/{tenantid}/v2.0`, while every ID token carries the user's tenant filled in (`iss`, `tid`);
 *   `consumers` has the personal-accounts tenant's GUID;
 * - which accounts a path accepts: `common` all, `organizations` work accounts, `consumers` personal
 *   accounts, a tenant (GUID or domain) only its own users (AADSTS50020 otherwise);
 * - public client: no secret (sending one is refused with AADSTS700025), PKCE supported;
 * - loopback redirect URIs: `http://localhost` or `http://127.0.0.1`, the port is ignored, the path must
 *   match a registered one (option `registeredRedirectPaths`, default ['/callback']);
 * - `offline_access` gives a refresh token; each refresh returns a new one, and the old one is refused
 *   afterwards (invalid_grant, AADSTS70000) — the strict reading of "always replace the refresh token";
 * - errors carry `error_codes`, `trace_id`, `correlation_id` and AADSTS texts;
 * - no revocation endpoint; sign-out is the front-channel end_session_endpoint (`.../oauth2/v2.0/logout`);
 * - userinfo lives on another host for real (Graph); here at `{url}/oidc/userinfo`;
 * - the device code flow ("OAuth 2.0 device authorization grant"): `/{tenant}/oauth2/v2.0/devicecode` answers
 *   user_code, device_code, verification_uri (`/devicelogin`), expires_in (900), interval and a message, no
 *   verification_uri_complete; polls are refused with authorization_pending, authorization_declined (not
 *   access_denied), bad_verification_code or expired_token, and the ID token carries the user's tenant.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  bearerToken,
  clientCredentials,
  createClock,
  escapeHtml,
  formParams,
  paramsObject,
  parseUrl,
  pkceMatches,
  redirect,
  sendHtml,
  sendJson,
  splitScope,
  startEmulatorServer,
  withQuery,
  type ClientAuthMethod,
  type EmulatorRequest,
  type EmulatorServer,
} from './common';
import { renderErrorPage } from './authorization-page';
import { serveAuthorization, type AuthorizationCheck, type QueryParams } from './authorize';
import { CodeStore, TokenLedger, type AuthorizationGrant, type IssuedToken } from './grants';
import { atHash, createSigner } from './jwt';

/** The tenant of personal Microsoft accounts (MSA), as published by Microsoft. */
export const MSA_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';
export const CONTOSO_TENANT_ID = 'c0a7f5e2-4b1d-4e8a-9f3c-2d6b8e1a7c45';
export const FABRIKAM_TENANT_ID = 'f4b1e9d3-7a2c-4c6e-8d5f-1b3a9e7c2d60';

export interface MicrosoftTenant {
  id: string;
  domains: string[];
  kind: 'organization' | 'consumers';
}

export const MICROSOFT_TENANTS: MicrosoftTenant[] = [
  { id: CONTOSO_TENANT_ID, domains: ['contoso.example'], kind: 'organization' },
  { id: FABRIKAM_TENANT_ID, domains: ['fabrikam.example'], kind: 'organization' },
  { id: MSA_TENANT_ID, domains: [], kind: 'consumers' },
];

export interface MicrosoftUser {
  /** Button value on the sign-in page. */
  login: string;
  tenantId: string;
  oid: string;
  preferredUsername: string;
  name: string;
  givenName: string;
  familyName: string;
  /** The optional `email` claim: only some accounts have one. */
  email: string | undefined;
}

export const MICROSOFT_USERS: MicrosoftUser[] = [
  {
    login: 'ada',
    tenantId: CONTOSO_TENANT_ID,
    oid: '5e0a6c1b-2f3d-4a8e-9b7c-1d2e3f4a5b6c',
    preferredUsername: 'ada@contoso.example',
    name: 'Ada Lovelace',
    givenName: 'Ada',
    familyName: 'Lovelace',
    email: 'ada@contoso.example',
  },
  {
    login: 'bert',
    tenantId: FABRIKAM_TENANT_ID,
    oid: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    preferredUsername: 'bert@fabrikam.example',
    name: 'Bert Fabrikam',
    givenName: 'Bert',
    familyName: 'Fabrikam',
    email: undefined,
  },
  {
    login: 'carol',
    tenantId: MSA_TENANT_ID,
    oid: '00000000-0000-0000-66f3-3332eca7ea81',
    preferredUsername: 'carol@outlook.example',
    name: 'Carol Outlook',
    givenName: 'Carol',
    familyName: 'Outlook',
    email: 'carol@outlook.example',
  },
];

export interface MicrosoftEmulatorOptions {
  clientId: string;
  /** Paths of the registered loopback redirect URIs (host localhost or 127.0.0.1, any port). Default ['/callback']. */
  registeredRedirectPaths?: string[];
  /** Default 3600. */
  accessTokenTtlSeconds?: number;
  /** The device code flow's polling interval. Default 5, as Microsoft. */
  deviceIntervalSeconds?: number;
  port?: number;
}

export interface MicrosoftLogoutCall {
  tenant: string;
  params: Record<string, string>;
  /** Whether id_token_hint was a valid ID token from this emulator. */
  validIdTokenHint: boolean;
  redirectedTo: string | undefined;
}

export interface MicrosoftEmulator extends EmulatorServer {
  /** `${url}/{tenant}/v2.0` issuer for a tenant path segment (template for common/organizations). */
  issuerFor(tenant: string): string;
  users: MicrosoftUser[];
  tenants: MicrosoftTenant[];
  tokens: TokenLedger;
  authorizationRequests: Array<Record<string, string> & { tenant: string }>;
  readonly lastAuthorizationRequest: (Record<string, string> & { tenant: string }) | undefined;
  clientAuthMethods: ClientAuthMethod[];
  logouts: MicrosoftLogoutCall[];
  /** The device code flow's polls, answered in order (error name or `tokens`). */
  devicePolls: string[];
  advanceTime(seconds: number): void;
}

type Audience = { kind: 'common' } | { kind: 'organizations' } | { kind: 'consumers' } | { kind: 'tenant'; tenant: MicrosoftTenant };

function resolveTenant(segment: string): Audience | undefined {
  const lower = segment.toLowerCase();
  if (lower === 'common' || lower === 'organizations' || lower === 'consumers') return { kind: lower };
  const tenant = MICROSOFT_TENANTS.find((t) => t.id === lower || t.domains.includes(lower));
  return tenant ? { kind: 'tenant', tenant } : undefined;
}

function accepts(audience: Audience, user: MicrosoftUser): boolean {
  const tenant = MICROSOFT_TENANTS.find((t) => t.id === user.tenantId);
  switch (audience.kind) {
    case 'common':
      return true;
    case 'organizations':
      return tenant?.kind === 'organization';
    case 'consumers':
      return user.tenantId === MSA_TENANT_ID;
    case 'tenant':
      return audience.tenant.id === user.tenantId;
  }
}

interface MicrosoftRequest {
  tenant: string;
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  scope: string[];
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
  nonce: string | undefined;
}

export async function startMicrosoftEmulator(options: MicrosoftEmulatorOptions): Promise<MicrosoftEmulator> {
  const registeredPaths = options.registeredRedirectPaths ?? ['/callback'];
  const accessTtl = options.accessTokenTtlSeconds ?? 3600;
  const clock = createClock();
  const signer = createSigner();
  const codes = new CodeStore(clock, '1.A');
  const tokens = new TokenLedger(clock);
  const authorizationRequests: Array<Record<string, string> & { tenant: string }> = [];
  const clientAuthMethods: ClientAuthMethod[] = [];
  const logouts: MicrosoftLogoutCall[] = [];
  const devicePolls: string[] = [];
  /** Device codes: the tenant path they were asked on, the scope, and what the person did. */
  const deviceGrants = new Map<string, { userCode: string; tenant: string; scope: string[]; expiresAt: number; user?: string; declined?: boolean; redeemed?: boolean }>();
  let base = '';

  const userOf = (login: string) => MICROSOFT_USERS.find((u) => u.login === login);
  const tenantIssuer = (tenantId: string) => `${base}/${tenantId}/v2.0`;
  const pairwiseSub = (user: MicrosoftUser) =>
    createHash('sha256').update(`${options.clientId}:${user.oid}`).digest().subarray(0, 32).toString('base64url').slice(0, 43);

  function issuerFor(segment: string): string {
    const audience = resolveTenant(segment);
    if (!audience || audience.kind === 'common' || audience.kind === 'organizations') return `${base}/{tenantid}/v2.0`;
    return tenantIssuer(audience.kind === 'consumers' ? MSA_TENANT_ID : audience.tenant.id);
  }

  /** The redirect URI rules for a public client's loopback URIs: host localhost/127.0.0.1, port ignored, path registered. */
  function redirectAllowed(text: string): boolean {
    const target = parseUrl(text);
    return (
      target !== undefined &&
      target.protocol === 'http:' &&
      (target.hostname === 'localhost' || target.hostname === '127.0.0.1') &&
      registeredPaths.includes(target.pathname) &&
      !target.hash
    );
  }

  function aadError(status: number, error: string, code: number, message: string, extra: Record<string, unknown> = {}) {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date(clock.now() * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return {
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `${base}/error?code=${code}`,
        ...extra,
      },
    };
  }

  function sendAad(res: ServerResponse, status: number, error: string, code: number, message: string): void {
    const answer = aadError(status, error, code, message);
    sendJson(res, answer.status, answer.body);
  }

  function validate(tenant: string, request: URLSearchParams): AuthorizationCheck<MicrosoftRequest> {
    if (!resolveTenant(tenant)) {
      return { kind: 'page', status: 400, title: 'AADSTS90002', detail: `Tenant '${tenant}' not found.` };
    }
    const clientId = request.get('client_id');
    if (clientId !== options.clientId) {
      return {
        kind: 'page',
        status: 400,
        title: 'AADSTS700016',
        detail: `Application with identifier '${clientId ?? ''}' was not found in the directory.`,
      };
    }
    const redirectUri = request.get('redirect_uri') ?? '';
    if (!redirectAllowed(redirectUri)) {
      return {
        kind: 'page',
        status: 400,
        title: 'AADSTS50011',
        detail: `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${options.clientId}'.`,
      };
    }
    const state = request.get('state') ?? undefined;
    const fail = (error: string, code: number, message: string): AuthorizationCheck<MicrosoftRequest> => ({
      kind: 'redirect',
      redirectUri,
      params: { error, error_description: `AADSTS${code}: ${message}`, error_uri: `${base}/error?code=${code}`, state },
    });
    if (request.get('response_type') !== 'code') {
      return fail('unsupported_response_type', 700054, `response_type '${request.get('response_type') ?? ''}' is not enabled for the application.`);
    }
    const mode = request.get('response_mode') ?? 'query';
    // Only the query response mode is emulated; form_post and fragment need a page that posts or scripts.
    if (mode !== 'query') return fail('invalid_request', 900144, `response_mode '${mode}' is not supported by this emulator.`);
    const scope = splitScope(request.get('scope'));
    if (scope.length === 0) return fail('invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    const codeChallenge = request.get('code_challenge') ?? undefined;
    const codeChallengeMethod = codeChallenge ? (request.get('code_challenge_method') ?? 'plain') : undefined;
    if (codeChallengeMethod && codeChallengeMethod !== 'S256' && codeChallengeMethod !== 'plain') {
      return fail('invalid_request', 501491, `Invalid code_challenge_method '${codeChallengeMethod}'.`);
    }
    if (splitScope(request.get('prompt')).includes('none')) return fail('login_required', 50058, 'A silent sign-in request was sent but no user is signed in.');
    return {
      kind: 'ok',
      redirectUri,
      value: { tenant, clientId, redirectUri, state, scope, codeChallenge, codeChallengeMethod, nonce: request.get('nonce') ?? undefined },
    };
  }

  function idToken(user: MicrosoftUser, scope: string[], accessToken: string, nonce: string | undefined): string {
    const now = clock.now();
    return signer.sign({
      ver: '2.0',
      iss: tenantIssuer(user.tenantId),
      sub: pairwiseSub(user),
      aud: options.clientId,
      exp: now + 3600,
      iat: now,
      nbf: now,
      ...(scope.includes('profile') ? { name: user.name, preferred_username: user.preferredUsername } : {}),
      ...(scope.includes('email') && user.email ? { email: user.email } : {}),
      oid: user.oid,
      tid: user.tenantId,
      ...(nonce !== undefined ? { nonce } : {}),
      at_hash: atHash(accessToken),
      uti: randomUUID().replace(/-/g, '').slice(0, 22),
    });
  }

  /** Microsoft reports the resource scopes granted; openid-only requests get Graph's User.Read. */
  function grantedScope(scope: string[]): string {
    const oidc = ['openid', 'profile', 'email', 'offline_access'];
    const resources = scope.filter((s) => !oidc.includes(s));
    return [...scope.filter((s) => s !== 'offline_access'), ...(resources.length === 0 ? ['User.Read'] : [])].join(' ');
  }

  function tokenAnswer(access: IssuedToken, refresh: IssuedToken | undefined, nonce: string | undefined) {
    const user = userOf(access.user);
    return {
      token_type: 'Bearer',
      scope: grantedScope(access.scope),
      expires_in: accessTtl,
      ext_expires_in: accessTtl,
      access_token: access.token,
      ...(refresh ? { refresh_token: refresh.token } : {}),
      ...(user && access.scope.includes('openid') ? { id_token: idToken(user, access.scope, access.token, nonce) } : {}),
    };
  }

  function issueTokens(login: string, scope: string[], grantId: string, tenant: string, nonce: string | undefined) {
    const user = userOf(login);
    const extra = { tenant };
    const access = tokens.issue('access', { prefix: 'EwB', user: login, clientId: options.clientId, scope, grantId, ttlSeconds: accessTtl, extra });
    const refresh = scope.includes('offline_access')
      ? tokens.issue('refresh', { prefix: user?.tenantId === MSA_TENANT_ID ? 'M.C5' : '0.A', user: login, clientId: options.clientId, scope, grantId, extra })
      : undefined;
    return tokenAnswer(access, refresh, nonce);
  }

  function tokenEndpoint(tenant: string, req: EmulatorRequest, res: ServerResponse): void {
    const params = formParams(req);
    const client = clientCredentials(req, params);
    clientAuthMethods.push(client.method);
    const audience = resolveTenant(tenant);
    if (!audience) return sendAad(res, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
    if (client.clientId !== options.clientId) {
      return sendAad(res, 400, 'unauthorized_client', 700016, `Application with identifier '${client.clientId ?? ''}' was not found in the directory.`);
    }
    if (client.method !== 'none') {
      return sendAad(res, 401, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
    }
    const grantType = params.get('grant_type');
    if (grantType === 'urn:ietf:params:oauth:grant-type:device_code') {
      const polled = (error: string, status: number, code: number, message: string): void => {
        devicePolls.push(error);
        sendAad(res, status, error, code, message);
      };
      const grant = deviceGrants.get(params.get('device_code') ?? '');
      if (!grant || grant.redeemed || grant.tenant !== tenant) return polled('bad_verification_code', 400, 70000, 'The provided value for the input parameter \'device_code\' is not valid.');
      if (clock.now() >= grant.expiresAt) return polled('expired_token', 400, 70019, 'Verification code expired.');
      if (grant.declined) return polled('authorization_declined', 400, 70000, 'The user declined the authorization request.');
      if (!grant.user) return polled('authorization_pending', 400, 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
      grant.redeemed = true;
      devicePolls.push('tokens');
      return sendJson(res, 200, issueTokens(grant.user, grant.scope, tokens.newGrantId(), tenant, undefined));
    }
    if (grantType === 'authorization_code') {
      const redirectUri = params.get('redirect_uri');
      if (!redirectUri) return sendAad(res, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'redirect_uri'.");
      const redeemed = codes.redeem(params.get('code'));
      if (!redeemed.ok) {
        if (redeemed.reason === 'used') return sendAad(res, 400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
        if (redeemed.reason === 'expired') return sendAad(res, 400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.');
        return sendAad(res, 400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
      }
      const grant = redeemed.grant;
      if (redirectUri !== grant.redirectUri) {
        return sendAad(res, 400, 'invalid_grant', 500112, 'The reply address does not match the reply address provided when requesting the authorization code.');
      }
      if (grant.codeChallenge && !pkceMatches(grant.codeChallenge, grant.codeChallengeMethod ?? 'plain', params.get('code_verifier'))) {
        return sendAad(res, 400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      }
      const user = userOf(grant.user);
      if (!user || !accepts(audience, user)) {
        return sendAad(res, 400, 'invalid_grant', 50020, `User account '${user?.preferredUsername ?? grant.user}' does not exist in tenant '${tenant}'.`);
      }
      return sendJson(res, 200, issueTokens(grant.user, grant.scope, tokens.newGrantId(), grant.extra['tenant'] ?? tenant, grant.nonce));
    }
    if (grantType === 'refresh_token') {
      const value = params.get('refresh_token');
      const refresh = tokens.active(value, 'refresh');
      if (!refresh) {
        const known = tokens.find(value);
        if (known?.kind === 'refresh' && known.revokedBecause === 'rotated') {
          return sendAad(res, 400, 'invalid_grant', 70000, 'The provided value for the input parameter \'refresh_token\' or \'assertion\' is not valid: the refresh token was already used.');
        }
        return sendAad(res, 400, 'invalid_grant', 70000, "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid.");
      }
      const user = userOf(refresh.user);
      if (!user || !accepts(audience, user)) {
        return sendAad(res, 400, 'invalid_grant', 50020, `User account '${user?.preferredUsername ?? refresh.user}' does not exist in tenant '${tenant}'.`);
      }
      tokens.revoke(refresh, 'rotated');
      const requested = splitScope(params.get('scope'));
      // A refresh may narrow the scopes; offline_access stays with the grant.
      const scope = requested.length > 0 ? [...new Set([...requested, 'offline_access'])] : refresh.scope;
      return sendJson(res, 200, issueTokens(refresh.user, scope, refresh.grantId, refresh.extra['tenant'] ?? tenant, undefined));
    }
    return sendAad(res, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType ?? ''}'.`);
  }

  /** POST /{tenant}/oauth2/v2.0/devicecode (public client: client_id and scope). */
  function deviceCodeEndpoint(tenant: string, req: EmulatorRequest, res: ServerResponse): void {
    const params = formParams(req);
    if (!resolveTenant(tenant)) return sendAad(res, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
    if (params.get('client_id') !== options.clientId) {
      return sendAad(res, 400, 'unauthorized_client', 700016, `Application with identifier '${params.get('client_id') ?? ''}' was not found in the directory.`);
    }
    const scope = splitScope(params.get('scope'));
    if (scope.length === 0) return sendAad(res, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    const userCode = Array.from({ length: 9 }, () => letters[Math.floor(Math.random() * letters.length)]).join('');
    const deviceCode = `DAQABAAEAAA${randomUUID().replaceAll('-', '')}`;
    deviceGrants.set(deviceCode, { userCode, tenant, scope, expiresAt: clock.now() + 900 });
    const verification = `${base}/devicelogin`;
    sendJson(res, 200, {
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: verification,
      expires_in: 900,
      interval: options.deviceIntervalSeconds ?? 5,
      message: `To sign in, use a web browser to open the page ${verification} and enter the code ${userCode} to authenticate.`,
    });
  }

  /** GET and POST /devicelogin: the code, then an account (one the tenant path accepts) or Cancel. */
  function deviceLoginPage(req: EmulatorRequest, res: ServerResponse): void {
    const page = (error?: string): string => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Enter code - Microsoft</title></head>
<body data-emulator="device">
  <h1>Enter code</h1>
  ${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
  <form method="post">
    <label>Enter the code displayed on your app or device <input name="user_code" autocomplete="off"></label>
    ${MICROSOFT_USERS.map((u) => `<p><button type="submit" name="user" value="${escapeHtml(u.login)}">Continue as ${escapeHtml(u.preferredUsername)}</button></p>`).join('\n    ')}
    <p><button type="submit" name="deny" value="1">Cancel</button></p>
  </form>
</body>
</html>`;
    if (req.method !== 'POST') return sendHtml(res, 200, page());
    const params = formParams(req);
    const typed = (params.get('user_code') ?? '').trim().toUpperCase();
    const grant = [...deviceGrants.values()].find((g) => g.userCode === typed && !g.redeemed && clock.now() < g.expiresAt);
    if (!grant || grant.user || grant.declined) return sendHtml(res, 200, page('That code didn\'t work. Check the code and try again.'));
    if (params.get('deny') === '1') {
      grant.declined = true;
      return sendHtml(res, 200, renderErrorPage('Microsoft', 'Sign-in cancelled', 'You declined to sign in to the application on your device.'));
    }
    const user = userOf(params.get('user') ?? '');
    const audience = resolveTenant(grant.tenant);
    if (!user || !audience || !accepts(audience, user)) return sendHtml(res, 400, page(`AADSTS50020: that account cannot sign in to tenant '${grant.tenant}'.`));
    grant.user = user.login;
    sendHtml(res, 200, renderErrorPage('Microsoft', 'You have signed in', 'You have signed in to the application on your device. You may now close this window.'));
  }

  function userinfoEndpoint(req: EmulatorRequest, res: ServerResponse): void {
    const token = tokens.active(bearerToken(req), 'access');
    const user = token ? userOf(token.user) : undefined;
    if (!token || !user) {
      sendJson(
        res,
        401,
        { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' } },
        { 'www-authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token"' },
      );
      return;
    }
    sendJson(res, 200, {
      sub: pairwiseSub(user),
      name: user.name,
      family_name: user.familyName,
      given_name: user.givenName,
      picture: 'https://graph.microsoft.example/v1.0/me/photo/$value',
      ...(user.email ? { email: user.email } : {}),
    });
  }

  function logoutEndpoint(tenant: string, req: EmulatorRequest, res: ServerResponse): void {
    const params = formParams(req);
    const hint = params.get('id_token_hint');
    const claims = hint ? signer.verify(hint) : undefined;
    const target = params.get('post_logout_redirect_uri') ?? undefined;
    // Sent back only to a registered redirect URI, as for sign-in.
    const redirectedTo = target && redirectAllowed(target) ? withQuery(target, { state: params.get('state') ?? undefined }) : undefined;
    logouts.push({ tenant, params: paramsObject(params), validIdTokenHint: claims?.['aud'] === options.clientId, redirectedTo });
    if (redirectedTo) return redirect(res, redirectedTo);
    sendHtml(res, 200, renderErrorPage('Microsoft', 'You signed out of your account', 'It\u2019s a good idea to close all browser windows.'));
  }

  function discovery(segment: string) {
    const audience = resolveTenant(segment);
    if (!audience) return undefined;
    const path = audience.kind === 'tenant' ? audience.tenant.id : segment.toLowerCase();
    const consumers = audience.kind === 'consumers' || (audience.kind === 'tenant' && audience.tenant.kind === 'consumers');
    return {
      token_endpoint: `${base}/${path}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/${path}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: issuerFor(segment),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${base}/oidc/userinfo`,
      authorization_endpoint: `${base}/${path}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/${path}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/${path}/oauth2/v2.0/logout`,
      claims_supported: [
        'sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat',
        'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email',
      ],
      kerberos_endpoint: `${base}/${path}/kerberos`,
      tenant_region_scope: audience.kind === 'tenant' && !consumers ? 'EU' : null,
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }

  const server = await startEmulatorServer((req, res) => {
    const path = req.url.pathname;
    if (path === '/oidc/userinfo' && (req.method === 'GET' || req.method === 'POST')) return userinfoEndpoint(req, res);
    if (path === '/devicelogin' && (req.method === 'GET' || req.method === 'POST')) return deviceLoginPage(req, res);
    const match = /^\/([^/]+)\/(.+)$/.exec(path);
    const tenant = match?.[1] ? decodeURIComponent(match[1]) : '';
    const rest = match?.[2] ?? '';
    if (rest === 'v2.0/.well-known/openid-configuration' && req.method === 'GET') {
      const document = discovery(tenant);
      if (document) return sendJson(res, 200, document);
      const answer = aadError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`);
      return sendJson(res, answer.status, answer.body);
    }
    if (rest === 'discovery/v2.0/keys' && req.method === 'GET') return sendJson(res, 200, signer.jwks);
    if (rest === 'oauth2/v2.0/authorize' && (req.method === 'GET' || req.method === 'POST')) {
      return serveAuthorization<MicrosoftRequest>(req, res, {
        provider: 'Microsoft',
        users: MICROSOFT_USERS.map((u) => ({ login: u.login, label: u.preferredUsername })),
        record: (params) => authorizationRequests.push({ ...params, tenant }),
        validate: (request) => validate(tenant, request),
        deny: (r): QueryParams => ({
          error: 'access_denied',
          error_description: 'AADSTS65004: User declined to consent to access the app.',
          error_uri: `${base}/error?code=65004`,
          state: r.state,
        }),
        approve(login, r): QueryParams {
          const user = userOf(login);
          const audience = resolveTenant(r.tenant);
          if (!user || !audience || !accepts(audience, user)) {
            return {
              error: 'access_denied',
              error_description: `AADSTS50020: User account '${user?.preferredUsername ?? login}' from identity provider does not exist in tenant '${r.tenant}' and cannot access the application '${options.clientId}' in that tenant.`,
              error_uri: `${base}/error?code=50020`,
              state: r.state,
            };
          }
          const grant: AuthorizationGrant = {
            clientId: r.clientId,
            redirectUri: r.redirectUri,
            codeChallenge: r.codeChallenge,
            codeChallengeMethod: r.codeChallengeMethod,
            nonce: r.nonce,
            scope: r.scope,
            user: login,
            extra: { tenant: r.tenant },
          };
          return { code: codes.issue(grant), state: r.state, session_state: randomUUID() };
        },
      });
    }
    if (rest === 'oauth2/v2.0/token' && req.method === 'POST') return tokenEndpoint(tenant, req, res);
    if (rest === 'oauth2/v2.0/devicecode' && req.method === 'POST') return deviceCodeEndpoint(tenant, req, res);
    if (rest === 'oauth2/v2.0/logout' && (req.method === 'GET' || req.method === 'POST')) return logoutEndpoint(tenant, req, res);
    sendJson(res, 404, { error: 'not_found' });
  }, options.port);
  base = server.url;

  return {
    ...server,
    issuerFor,
    users: MICROSOFT_USERS,
    tenants: MICROSOFT_TENANTS,
    tokens,
    authorizationRequests,
    get lastAuthorizationRequest() {
      return authorizationRequests.at(-1);
    },
    clientAuthMethods,
    logouts,
    devicePolls,
    advanceTime: (seconds) => clock.advance(seconds),
  };
}
