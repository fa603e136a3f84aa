/**
 * Checks that each emulator reproduces the documented provider behaviours that clients trip over, using
 * plain fetch (the sign-in form is posted directly), plus one run of the browser driver in Chromium.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../helpers/demo-browser.mjs';
import {
  CONTOSO_TENANT_ID,
  MSA_TENANT_ID,
  driveEmulatorSignIn,
  startGitHubEmulator,
  startGoogleEmulator,
  startMicrosoftEmulator,
  startPlainOAuthEmulator,
  startStrictOidcEmulator,
} from './index';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});
async function started<T extends { close(): Promise<void> }>(emulator: Promise<T>): Promise<T> {
  const value = await emulator;
  cleanups.push(() => value.close());
  return value;
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(endpoint: string, params: Record<string, string>): string {
  const url = new URL(endpoint);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

const unescapeHtml = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));

/** Loads the sign-in page, then posts its form back with the chosen button, as a browser would. */
async function signIn(url: string, user: string | 'deny'): Promise<URL> {
  const page = await fetch(url, { redirect: 'manual' });
  const html = await page.text();
  expect(page.status, html).toBe(200);
  expect(html).toContain('<form method="post">');
  expect(html).toContain('<button type="submit" name="deny" value="1">Deny</button>');
  const form = new URLSearchParams(
    [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m): [string, string] => [unescapeHtml(m[1] ?? ''), unescapeHtml(m[2] ?? '')]),
  );
  if (user === 'deny') form.set('deny', '1');
  else form.set('user', user);
  const answer = await fetch(url, { method: 'POST', body: form, redirect: 'manual' });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get('location') ?? '');
}

function postForm(url: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', body: new URLSearchParams(params), headers });
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

const LOOPBACK = 'http://127.0.0.1:49152/callback';

describe('Google emulator', () => {
  const clientId = 'desktop-client.apps.googleusercontent.example';
  const clientSecret = 'GOCSPX-secret';

  it('publishes a Google-shaped discovery document without end_session_endpoint', async () => {
    const google = await started(startGoogleEmulator({ clientId, clientSecret }));
    const doc = (await (await fetch(`${google.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc['issuer']).toBe(google.url);
    expect(doc['authorization_endpoint']).toBe(`${google.url}/o/oauth2/v2/auth`);
    expect(doc['revocation_endpoint']).toBe(`${google.url}/revoke`);
    expect(doc['end_session_endpoint']).toBeUndefined();
    expect(doc['code_challenge_methods_supported']).toEqual(['plain', 'S256']);
    expect(doc['scopes_supported']).toEqual(['openid', 'email', 'profile']);
    const jwks = (await (await fetch(String(doc['jwks_uri']))).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
  });

  it('refuses offline_access with invalid_scope, and a non-loopback redirect with an error page', async () => {
    const google = await started(startGoogleEmulator({ clientId, clientSecret }));
    const endpoint = `${google.url}/o/oauth2/v2/auth`;
    const refused = await fetch(
      authorizeUrl(endpoint, { client_id: clientId, redirect_uri: LOOPBACK, response_type: 'code', scope: 'openid offline_access', state: 's1' }),
      { redirect: 'manual' },
    );
    expect(refused.status).toBe(302);
    const location = new URL(refused.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(LOOPBACK);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(location.searchParams.get('state')).toBe('s1');

    const page = await fetch(
      authorizeUrl(endpoint, { client_id: clientId, redirect_uri: 'https://app.example/cb', response_type: 'code', scope: 'openid' }),
      { redirect: 'manual' },
    );
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('redirect_uri_mismatch');
  });

  it('gives a refresh token only with access_type=offline, once, or again with prompt=consent', async () => {
    const google = await started(startGoogleEmulator({ clientId, clientSecret }));
    const endpoint = `${google.url}/o/oauth2/v2/auth`;
    async function run(extra: Record<string, string>, redirectUri: string) {
      const { verifier, challenge } = pkce();
      const params = { client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid email profile', state: 'st', nonce: 'n-1' };
      const back = await signIn(authorizeUrl(endpoint, { ...params, code_challenge: challenge, code_challenge_method: 'S256', ...extra }), 'alice');
      expect(back.searchParams.get('state')).toBe('st');
      const code = back.searchParams.get('code') ?? '';
      const answer = await postForm(`${google.url}/token`, {
        grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId, client_secret: clientSecret,
      });
      expect(answer.status).toBe(200);
      return { code, verifier, body: (await answer.json()) as Record<string, string> };
    }
    const online = await run({}, 'http://127.0.0.1:50001/any/path');
    expect(online.body['refresh_token']).toBeUndefined();
    const first = await run({ access_type: 'offline' }, 'http://[::1]:50002/cb');
    expect(first.body['refresh_token']).toMatch(/^1\/\//);
    expect(first.body['scope']).toBe('openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile');
    const idToken = claims(first.body['id_token'] ?? '');
    expect(idToken).toMatchObject({ iss: google.url, aud: clientId, azp: clientId, nonce: 'n-1', email: 'alice@gmail.example', email_verified: true });
    expect(String(idToken['sub'])).toMatch(/^\d+$/);
    expect(String(idToken['picture'])).toMatch(/^https:\/\//);
    const again = await run({ access_type: 'offline' }, LOOPBACK);
    expect(again.body['refresh_token']).toBeUndefined();
    const consent = await run({ access_type: 'offline', prompt: 'select_account consent' }, LOOPBACK);
    expect(consent.body['refresh_token']).toBeDefined();
    expect(google.prompts).toEqual(['select_account consent']);
    expect(google.lastAuthorizationRequest?.['access_type']).toBe('offline');

    // A code is single use.
    const reuse = await postForm(`${google.url}/token`, {
      grant_type: 'authorization_code', code: consent.code, redirect_uri: LOOPBACK, code_verifier: consent.verifier, client_id: clientId, client_secret: clientSecret,
    });
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('requires the client secret, verifies PKCE, refreshes without rotation and revokes the grant', async () => {
    const google = await started(startGoogleEmulator({ clientId, clientSecret, accessTokenTtlSeconds: 2 }));
    const { verifier, challenge } = pkce();
    const back = await signIn(
      authorizeUrl(`${google.url}/o/oauth2/v2/auth`, {
        client_id: clientId, redirect_uri: LOOPBACK, response_type: 'code', scope: 'openid email', access_type: 'offline', code_challenge: challenge, code_challenge_method: 'S256',
      }),
      'bob',
    );
    const code = back.searchParams.get('code') ?? '';
    const exchange = { grant_type: 'authorization_code', code, redirect_uri: LOOPBACK, code_verifier: verifier, client_id: clientId };
    const noSecret = await postForm(`${google.url}/token`, exchange);
    expect(noSecret.status).toBe(401);
    expect(await noSecret.json()).toMatchObject({ error: 'invalid_client' });
    const wrongVerifier = await postForm(`${google.url}/token`, { ...exchange, code_verifier: pkce().verifier }, { authorization: basic(clientId, clientSecret) });
    expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant' });
    expect(google.clientAuthMethods).toEqual(['none', 'client_secret_basic']);

    // The failed attempt used the code up: sign in again.
    const second = pkce();
    const back2 = await signIn(
      authorizeUrl(`${google.url}/o/oauth2/v2/auth`, {
        client_id: clientId, redirect_uri: LOOPBACK, response_type: 'code', scope: 'openid email', access_type: 'offline', prompt: 'consent', code_challenge: second.challenge, code_challenge_method: 'S256',
      }),
      'bob',
    );
    const tokens = (await (
      await postForm(`${google.url}/token`, { ...exchange, code: back2.searchParams.get('code') ?? '', code_verifier: second.verifier }, { authorization: basic(clientId, clientSecret) })
    ).json()) as Record<string, string>;
    const userinfo = await fetch(`${google.url}/v1/userinfo`, { headers: { authorization: `Bearer ${tokens['access_token']}` } });
    expect(await userinfo.json()).toMatchObject({ email: 'bob@gmail.example', email_verified: false });

    google.advanceTime(3);
    expect((await fetch(`${google.url}/v1/userinfo`, { headers: { authorization: `Bearer ${tokens['access_token']}` } })).status).toBe(401);
    const refreshed = (await (
      await postForm(`${google.url}/token`, { grant_type: 'refresh_token', refresh_token: tokens['refresh_token'] ?? '', client_id: clientId, client_secret: clientSecret })
    ).json()) as Record<string, string>;
    expect(refreshed['refresh_token']).toBeUndefined();
    expect(refreshed['id_token']).toBeDefined();
    expect(claims(refreshed['id_token'] ?? '')['iss']).toBe(google.url);

    expect((await postForm(`${google.url}/revoke`, { token: refreshed['access_token'] ?? '' })).status).toBe(200);
    const afterRevoke = await postForm(`${google.url}/token`, { grant_type: 'refresh_token', refresh_token: tokens['refresh_token'] ?? '', client_id: clientId, client_secret: clientSecret });
    expect(afterRevoke.status).toBe(400);
    expect(await afterRevoke.json()).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    const unknown = await postForm(`${google.url}/revoke`, { token: 'nonsense' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'invalid_token' });
    expect(google.tokens.isRevoked(tokens['refresh_token'] ?? '')).toBe(true);
  });
});

describe('Microsoft emulator', () => {
  const clientId = '11111111-2222-3333-4444-555555555555';

  it('publishes templated issuers for common/organizations and tenant GUIDs otherwise', async () => {
    const ms = await started(startMicrosoftEmulator({ clientId }));
    const doc = async (tenant: string) => (await (await fetch(`${ms.url}/${tenant}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const organizations = await doc('organizations');
    expect(organizations['issuer']).toBe(`${ms.url}/{tenantid}/v2.0`);
    expect(organizations['authorization_endpoint']).toBe(`${ms.url}/organizations/oauth2/v2.0/authorize`);
    expect(organizations['end_session_endpoint']).toBe(`${ms.url}/organizations/oauth2/v2.0/logout`);
    expect(organizations['revocation_endpoint']).toBeUndefined();
    expect(organizations['code_challenge_methods_supported']).toBeUndefined();
    expect(organizations).toHaveProperty('tenant_region_scope');
    expect((await doc('common'))['issuer']).toBe(`${ms.url}/{tenantid}/v2.0`);
    expect((await doc('consumers'))['issuer']).toBe(`${ms.url}/${MSA_TENANT_ID}/v2.0`);
    const contoso = await doc('contoso.example');
    expect(contoso['issuer']).toBe(`${ms.url}/${CONTOSO_TENANT_ID}/v2.0`);
    expect(contoso['token_endpoint']).toBe(`${ms.url}/${CONTOSO_TENANT_ID}/oauth2/v2.0/token`);
    expect((await fetch(`${ms.url}/nowhere.example/v2.0/.well-known/openid-configuration`)).status).toBe(400);
  });

  it('fills iss and tid in ID tokens, rotates refresh tokens and refuses a reused one', async () => {
    const ms = await started(startMicrosoftEmulator({ clientId }));
    const { verifier, challenge } = pkce();
    const redirectUri = 'http://127.0.0.1:61234/callback';
    const back = await signIn(
      authorizeUrl(`${ms.url}/organizations/oauth2/v2.0/authorize`, {
        client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid profile email offline_access', state: 'x', nonce: 'nn', code_challenge: challenge, code_challenge_method: 'S256',
      }),
      'ada',
    );
    const token = `${ms.url}/organizations/oauth2/v2.0/token`;
    const first = (await (await postForm(token, { client_id: clientId, grant_type: 'authorization_code', code: back.searchParams.get('code') ?? '', redirect_uri: redirectUri, code_verifier: verifier })).json()) as Record<string, string>;
    const id = claims(first['id_token'] ?? '');
    expect(id).toMatchObject({ iss: `${ms.url}/${CONTOSO_TENANT_ID}/v2.0`, tid: CONTOSO_TENANT_ID, aud: clientId, nonce: 'nn', ver: '2.0', email: 'ada@contoso.example', preferred_username: 'ada@contoso.example' });
    expect(first['refresh_token']).toBeDefined();

    const second = (await (await postForm(token, { client_id: clientId, grant_type: 'refresh_token', refresh_token: first['refresh_token'] ?? '' })).json()) as Record<string, string>;
    expect(second['refresh_token']).toBeDefined();
    expect(second['refresh_token']).not.toBe(first['refresh_token']);
    expect(claims(second['id_token'] ?? '')['iss']).toBe(`${ms.url}/${CONTOSO_TENANT_ID}/v2.0`);
    const reuse = await postForm(token, { client_id: clientId, grant_type: 'refresh_token', refresh_token: first['refresh_token'] ?? '' });
    expect(reuse.status).toBe(400);
    const refusal = (await reuse.json()) as { error: string; error_description: string; error_codes: number[] };
    expect(refusal.error).toBe('invalid_grant');
    expect(refusal.error_codes).toEqual([70000]);
    expect(refusal.error_description).toMatch(/^AADSTS70000:/);

    const userinfo = (await (await fetch(`${ms.url}/oidc/userinfo`, { headers: { authorization: `Bearer ${second['access_token']}` } })).json()) as Record<string, string>;
    expect(userinfo).toMatchObject({ sub: id['sub'], name: 'Ada Lovelace', email: 'ada@contoso.example' });
    expect(userinfo['picture']).toMatch(/^https:\/\//);

    const withSecret = await postForm(token, { client_id: clientId, client_secret: 'x', grant_type: 'refresh_token', refresh_token: second['refresh_token'] ?? '' });
    expect(withSecret.status).toBe(401);
    expect(((await withSecret.json()) as { error_codes: number[] }).error_codes).toEqual([700025]);
  });

  it('keeps accounts to their audience, ignores the loopback port but not the path, and logs out', async () => {
    const ms = await started(startMicrosoftEmulator({ clientId }));
    const request = (tenant: string, redirectUri: string) =>
      authorizeUrl(`${ms.url}/${tenant}/oauth2/v2.0/authorize`, { client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid profile', state: 's' });
    const wrongTenant = await signIn(request('consumers', 'http://localhost:7000/callback'), 'ada');
    expect(wrongTenant.searchParams.get('error')).toBe('access_denied');
    expect(wrongTenant.searchParams.get('error_description')).toMatch(/^AADSTS50020/);
    expect((await signIn(request('fabrikam.example', LOOPBACK), 'ada')).searchParams.get('error')).toBe('access_denied');
    const carol = await signIn(request('common', 'http://127.0.0.1:1/callback'), 'carol');
    const answer = (await (await postForm(`${ms.url}/common/oauth2/v2.0/token`, { client_id: clientId, grant_type: 'authorization_code', code: carol.searchParams.get('code') ?? '', redirect_uri: 'http://127.0.0.1:1/callback' })).json()) as Record<string, string>;
    expect(claims(answer['id_token'] ?? '')).toMatchObject({ iss: `${ms.url}/${MSA_TENANT_ID}/v2.0`, tid: MSA_TENANT_ID });
    expect(answer['refresh_token']).toBeUndefined();

    const badPath = await fetch(request('common', 'http://127.0.0.1:7000/other'), { redirect: 'manual' });
    expect(badPath.status).toBe(400);
    expect(badPath.headers.get('location')).toBeNull();
    expect(await badPath.text()).toContain('AADSTS50011');

    const logout = await fetch(
      `${ms.url}/common/oauth2/v2.0/logout?${new URLSearchParams({ id_token_hint: answer['id_token'] ?? '', post_logout_redirect_uri: 'http://127.0.0.1:5555/callback', state: 'bye' })}`,
      { redirect: 'manual' },
    );
    expect(logout.status).toBe(302);
    expect(logout.headers.get('location')).toBe('http://127.0.0.1:5555/callback?state=bye');
    expect(ms.logouts[0]).toMatchObject({ tenant: 'common', validIdTokenHint: true });
  });
});

describe('GitHub emulator', () => {
  const clientId = 'Iv1.0123456789abcdef';
  const clientSecret = 'gh-secret';

  async function githubSignIn(gh: { url: string }, user: string, scope: string, redirectUri = 'http://127.0.0.1:40000/callback') {
    const { verifier, challenge } = pkce();
    const back = await signIn(
      authorizeUrl(`${gh.url}/login/oauth/authorize`, { client_id: clientId, redirect_uri: redirectUri, scope, state: 'g', code_challenge: challenge, code_challenge_method: 'S256' }),
      user,
    );
    expect(back.searchParams.get('state')).toBe('g');
    return { code: back.searchParams.get('code') ?? '', verifier, redirectUri };
  }

  it('answers form-encoded by default, JSON on request, and refuses with HTTP 200', async () => {
    const gh = await started(startGitHubEmulator({ clientId, clientSecret, mode: 'oauth-app' }));
    expect((await fetch(`${gh.url}/.well-known/openid-configuration`)).status).toBe(404);
    const one = await githubSignIn(gh, 'octo', 'read:user user:email', 'http://127.0.0.1:40000/callback/deeper');
    const form = await postForm(`${gh.url}/login/oauth/access_token`, { client_id: clientId, client_secret: clientSecret, code: one.code, redirect_uri: one.redirectUri, code_verifier: one.verifier });
    expect(form.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    const fields = new URLSearchParams(await form.text());
    expect(fields.get('access_token')).toMatch(/^gho_/);
    expect(fields.get('token_type')).toBe('bearer');
    expect(fields.get('scope')).toBe('read:user,user:email');

    const reused = await postForm(
      `${gh.url}/login/oauth/access_token`,
      { client_id: clientId, client_secret: clientSecret, code: one.code, redirect_uri: one.redirectUri, code_verifier: one.verifier },
      { accept: 'application/json' },
    );
    expect(reused.status).toBe(200);
    expect(await reused.json()).toMatchObject({ error: 'bad_verification_code' });
    const two = await githubSignIn(gh, 'octo', 'read:user');
    const wrongSecret = await postForm(`${gh.url}/login/oauth/access_token`, { client_id: clientId, client_secret: 'nope', code: two.code }, { accept: 'application/json' });
    expect(wrongSecret.status).toBe(200);
    expect(await wrongSecret.json()).toMatchObject({ error: 'incorrect_client_credentials' });

    // Another path: GitHub redirects to the registered callback (port 80 here), not to the URI asked for.
    const mismatch = await fetch(authorizeUrl(`${gh.url}/login/oauth/authorize`, { client_id: clientId, redirect_uri: 'http://127.0.0.1:40000/elsewhere', state: 'm' }), { redirect: 'manual' });
    expect(mismatch.status).toBe(302);
    const location = new URL(mismatch.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1/callback');
    expect(location.searchParams.get('error')).toBe('redirect_uri_mismatch');
  });

  it('lists /user/repos sorted and paged as documented, to the token owner only', async () => {
    const gh = await started(startGitHubEmulator({ clientId, clientSecret, mode: 'oauth-app' }));
    const s = await githubSignIn(gh, 'octo', 'read:user');
    const answer = await postForm(`${gh.url}/login/oauth/access_token`, { client_id: clientId, client_secret: clientSecret, code: s.code, redirect_uri: s.redirectUri, code_verifier: s.verifier }, { accept: 'application/json' });
    const token = ((await answer.json()) as { access_token: string }).access_token;
    const repos = (query: string) => fetch(`${gh.apiUrl}/user/repos${query}`, { headers: { authorization: `Bearer ${token}`, 'user-agent': 'latchkey-test' } });
    const byName = (await (await repos('')).json()) as Array<{ name: string; full_name: string; owner: { login: string } }>;
    expect(byName.map((r) => r.name)).toEqual(['dotfiles', 'hello-world', 'linguist', 'octo-notes', 'spoon-knife']);
    expect(byName.every((r) => r.full_name === `octo/${r.name}` && r.owner.login === 'octo')).toBe(true);
    const updated = (await (await repos('?sort=updated')).json()) as Array<{ name: string; updated_at: string }>;
    expect(updated.map((r) => r.name)).toEqual(['dotfiles', 'spoon-knife', 'linguist', 'hello-world', 'octo-notes']);
    const paged = await repos('?sort=updated&per_page=2&page=2');
    expect(((await paged.json()) as Array<{ name: string }>).map((r) => r.name)).toEqual(['linguist', 'hello-world']);
    expect(paged.headers.get('link')).toMatch(/page=3>; rel="next", <.*page=3>; rel="last"/);
    expect((await repos('?sort=stars')).status).toBe(422);
    expect((await fetch(`${gh.apiUrl}/user/repos`, { headers: { authorization: 'Bearer gho_nonsense', 'user-agent': 'x' } })).status).toBe(401);
  });

  it('serves /user without e-mail, /user/emails only with user:email, and deletes tokens through the API', async () => {
    const gh = await started(startGitHubEmulator({ clientId, clientSecret, mode: 'oauth-app' }));
    async function token(scope: string) {
      const s = await githubSignIn(gh, 'hidden', scope);
      const answer = await postForm(
        `${gh.url}/login/oauth/access_token`,
        { client_id: clientId, client_secret: clientSecret, code: s.code, redirect_uri: s.redirectUri, code_verifier: s.verifier },
        { accept: 'application/json' },
      );
      return ((await answer.json()) as { access_token: string }).access_token;
    }
    const api = (path: string, headers: Record<string, string>) => fetch(`${gh.apiUrl}${path}`, { headers: { 'user-agent': 'latchkey-test', ...headers } });
    const narrow = await token('read:user');
    const user = (await (await api('/user', { authorization: `Bearer ${narrow}` })).json()) as Record<string, unknown>;
    expect(user).toMatchObject({ id: 1002, login: 'hidden', name: null, email: null });
    expect((await api('/user', { authorization: `token ${narrow}` })).status).toBe(200);
    expect((await api('/user/emails', { authorization: `Bearer ${narrow}` })).status).toBe(404);
    expect((await fetch(`${gh.apiUrl}/user`, { headers: { authorization: `Bearer ${narrow}`, 'user-agent': '' } })).status).toBe(403);
    const bad = await api('/user', { authorization: 'Bearer gho_nonsense' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: 'Bad credentials' });

    const wide = await token('user:email');
    const emails = (await (await api('/user/emails', { authorization: `Bearer ${wide}` })).json()) as Array<{ email: string; primary: boolean; verified: boolean }>;
    expect(emails.find((e) => e.primary && e.verified)?.email).toBe('hidden@private.example');
    expect(emails.some((e) => !e.verified && !e.primary)).toBe(true);

    const remove = (auth: string) =>
      fetch(`${gh.apiUrl}/applications/${clientId}/token`, {
        method: 'DELETE',
        headers: { authorization: auth, 'content-type': 'application/json', 'user-agent': 'latchkey-test' },
        body: JSON.stringify({ access_token: wide }),
      });
    expect((await remove(basic(clientId, 'wrong'))).status).toBe(404);
    expect((await remove(basic(clientId, clientSecret))).status).toBe(204);
    expect((await api('/user', { authorization: `Bearer ${wide}` })).status).toBe(401);
    expect((await api('/user', { authorization: `Bearer ${narrow}` })).status).toBe(200);
  });

  it('issues expiring tokens with rotating refresh tokens in github-app-expiring mode', async () => {
    const gh = await started(startGitHubEmulator({ clientId, clientSecret, mode: 'github-app-expiring' }));
    const s = await githubSignIn(gh, 'octo', '');
    const url = `${gh.url}/login/oauth/access_token`;
    const json = { accept: 'application/json' };
    const first = (await (await postForm(url, { client_id: clientId, client_secret: clientSecret, code: s.code, redirect_uri: s.redirectUri, code_verifier: s.verifier }, json)).json()) as Record<string, string | number>;
    expect(first).toMatchObject({ expires_in: 28800, refresh_token_expires_in: 15897600, token_type: 'bearer', scope: '' });
    expect(String(first['access_token'])).toMatch(/^ghu_/);
    expect(String(first['refresh_token'])).toMatch(/^ghr_/);
    const refresh = (token: string) => postForm(url, { client_id: clientId, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: token }, json);
    const second = (await (await refresh(String(first['refresh_token']))).json()) as Record<string, string>;
    expect(second['refresh_token']).not.toBe(first['refresh_token']);
    expect(await (await refresh(String(first['refresh_token']))).json()).toMatchObject({ error: 'bad_refresh_token' });
    const me = (token: unknown) => fetch(`${gh.apiUrl}/user`, { headers: { authorization: `Bearer ${String(token)}`, 'user-agent': 't' } });
    expect((await me(first['access_token'])).status).toBe(401);
    expect((await me(second['access_token'])).status).toBe(200);
    gh.advanceTime(28800);
    expect((await me(second['access_token'])).status).toBe(401);
  });
});

describe('plain OAuth 2.0 emulator', () => {
  it('has no discovery, compares redirect URIs exactly, rotates refresh tokens and revokes', async () => {
    const redirectUri = 'http://127.0.0.1:53682/callback';
    const plain = await started(startPlainOAuthEmulator({ clientId: 'plain-client', clientSecret: 'plain-secret', redirectUris: [redirectUri] }));
    expect((await fetch(`${plain.url}/.well-known/openid-configuration`)).status).toBe(404);
    expect((await fetch(`${plain.url}/.well-known/oauth-authorization-server`)).status).toBe(404);
    const params = { client_id: 'plain-client', response_type: 'code', scope: 'identify email', state: 'p' };
    const otherPort = await fetch(authorizeUrl(plain.authorizationEndpoint, { ...params, redirect_uri: 'http://127.0.0.1:53683/callback' }), { redirect: 'manual' });
    expect(otherPort.status).toBe(400);
    expect(otherPort.headers.get('location')).toBeNull();

    const { verifier, challenge } = pkce();
    const back = await signIn(authorizeUrl(plain.authorizationEndpoint, { ...params, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256' }), 'nelly');
    const auth = { authorization: basic('plain-client', 'plain-secret') };
    const first = (await (await postForm(plain.tokenEndpoint, { grant_type: 'authorization_code', code: back.searchParams.get('code') ?? '', redirect_uri: redirectUri, code_verifier: verifier }, auth)).json()) as Record<string, string>;
    expect(first['token_type']).toBe('Bearer');
    const me = (await (await fetch(plain.userinfoEndpoint, { headers: { authorization: `Bearer ${first['access_token']}` } })).json()) as Record<string, unknown>;
    expect(me).toMatchObject({ id: '80351110224678912', username: 'nelly', global_name: 'Nelly', email: 'nelly@example.com', verified: true });

    const second = (await (await postForm(plain.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: first['refresh_token'] ?? '' }, auth)).json()) as Record<string, string>;
    expect(second['refresh_token']).not.toBe(first['refresh_token']);
    const reuse = await postForm(plain.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: first['refresh_token'] ?? '' }, auth);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await postForm(plain.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: second['refresh_token'] ?? '' })).status).toBe(401);

    expect((await postForm(plain.revocationEndpoint, { token: second['refresh_token'] ?? '', token_type_hint: 'refresh_token', client_id: 'plain-client', client_secret: 'plain-secret' })).status).toBe(200);
    expect((await fetch(plain.userinfoEndpoint, { headers: { authorization: `Bearer ${second['access_token']}` } })).status).toBe(401);
    expect(plain.revocations[0]?.clientAuthMethod).toBe('client_secret_post');
  });
});

describe('strict OpenID Connect emulator', () => {
  const clientId = 'strict-client';
  const redirectUri = 'http://127.0.0.1:45678/callback';

  it('shows an error page for an unregistered redirect URI and enforces its PKCE and client auth methods', async () => {
    const strict = await started(
      startStrictOidcEmulator({ clientId, clientSecret: 'strict-secret', exactRedirectUris: [redirectUri], codeChallengeMethods: ['plain'], issInAuthorizationResponse: true }),
    );
    const doc = (await (await fetch(`${strict.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({ code_challenge_methods_supported: ['plain'], token_endpoint_auth_methods_supported: ['client_secret_basic'], authorization_response_iss_parameter_supported: true });
    const base = { client_id: clientId, response_type: 'code', scope: 'openid offline_access', state: 'q' };
    const page = await fetch(authorizeUrl(`${strict.url}/authorize`, { ...base, redirect_uri: 'http://127.0.0.1:45679/callback' }), { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const { challenge } = pkce();
    const s256 = await fetch(authorizeUrl(`${strict.url}/authorize`, { ...base, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256' }), { redirect: 'manual' });
    const refused = new URL(s256.headers.get('location') ?? '');
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('iss')).toBe(strict.url);

    const back = await signIn(authorizeUrl(`${strict.url}/authorize`, { ...base, redirect_uri: redirectUri }), 'alice');
    expect(back.searchParams.get('iss')).toBe(strict.url);
    const exchange = { grant_type: 'authorization_code', code: back.searchParams.get('code') ?? '', redirect_uri: redirectUri, client_id: clientId, client_secret: 'strict-secret' };
    const post = await postForm(`${strict.url}/token`, exchange);
    expect(post.status).toBe(401);
    expect(strict.clientAuthMethods).toEqual(['client_secret_post']);
  });

  it('refuses with empty 400 bodies, needs id_token_hint to log out and client auth to revoke', async () => {
    const strict = await started(
      startStrictOidcEmulator({
        clientId,
        clientSecret: 'strict-secret',
        exactRedirectUris: [redirectUri],
        emptyBodyRefusals: true,
        requireIdTokenHint: true,
        postLogoutRedirectUris: ['http://127.0.0.1:45678/signed-out'],
        revocationRequiresClientAuth: true,
        rotateRefreshTokens: true,
      }),
    );
    const auth = { authorization: basic(clientId, 'strict-secret') };
    const { verifier, challenge } = pkce();
    const back = await signIn(
      authorizeUrl(`${strict.url}/authorize`, { client_id: clientId, response_type: 'code', scope: 'openid email offline_access', redirect_uri: redirectUri, nonce: 'z', code_challenge: challenge, code_challenge_method: 'S256' }),
      'alice',
    );
    const exchange = { grant_type: 'authorization_code', code: back.searchParams.get('code') ?? '', redirect_uri: redirectUri, code_verifier: verifier };
    const tokens = (await (await postForm(`${strict.url}/token`, exchange, auth)).json()) as Record<string, string>;
    expect(claims(tokens['id_token'] ?? '')).toMatchObject({ iss: strict.url, aud: clientId, nonce: 'z', email: 'alice@strict.example' });
    const reused = await postForm(`${strict.url}/token`, exchange, auth);
    expect(reused.status).toBe(400);
    expect(await reused.text()).toBe('');
    const rotated = (await (await postForm(`${strict.url}/token`, { grant_type: 'refresh_token', refresh_token: tokens['refresh_token'] ?? '' }, auth)).json()) as Record<string, string>;
    const stale = await postForm(`${strict.url}/token`, { grant_type: 'refresh_token', refresh_token: tokens['refresh_token'] ?? '' }, auth);
    expect(stale.status).toBe(400);
    expect(await stale.text()).toBe('');

    const noAuth = await postForm(`${strict.url}/revoke`, { token: rotated['refresh_token'] ?? '', client_id: clientId });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ error: 'invalid_client' });
    expect((await postForm(`${strict.url}/revoke`, { token: rotated['refresh_token'] ?? '' }, auth)).status).toBe(200);
    expect(strict.tokens.isRevoked(rotated['refresh_token'] ?? '')).toBe(true);

    expect(strict.sessions.has('alice')).toBe(true);
    const bare = await fetch(`${strict.url}/end_session?post_logout_redirect_uri=${encodeURIComponent('http://127.0.0.1:45678/signed-out')}`, { redirect: 'manual' });
    expect(bare.status).toBe(200);
    expect(await bare.text()).toBe('');
    expect(strict.sessions.has('alice')).toBe(true);
    const hinted = await fetch(
      `${strict.url}/end_session?${new URLSearchParams({ id_token_hint: tokens['id_token'] ?? '', post_logout_redirect_uri: 'http://127.0.0.1:45678/signed-out', state: 'o' })}`,
      { redirect: 'manual' },
    );
    expect(hinted.status).toBe(302);
    expect(hinted.headers.get('location')).toBe('http://127.0.0.1:45678/signed-out?state=o');
    expect(strict.sessions.has('alice')).toBe(false);
    expect(strict.logouts.map((l) => l.ended)).toEqual([false, true]);
  });
});

const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

describe('browser driver', () => {
  it.skipIf(!existsSync(chromiumPath))('signs in and denies through the page in Chromium', async () => {
    const loopback = createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
      res.end(`<!doctype html><body>${query.get('code') ? 'Signed in' : `Refused: ${query.get('error') ?? ''}`}</body>`);
    });
    await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => loopback.close(resolve)));
    loopback.unref();
    const redirectUri = `http://127.0.0.1:${(loopback.address() as AddressInfo).port}/callback`;
    const ms = await started(startMicrosoftEmulator({ clientId: 'driver-client' }));
    const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    const url = authorizeUrl(`${ms.url}/common/oauth2/v2.0/authorize`, { client_id: 'driver-client', redirect_uri: redirectUri, response_type: 'code', scope: 'openid', state: 'b' });
    await page.goto(url);
    expect(await driveEmulatorSignIn(page, 'carol@outlook.example')).toContain('Signed in');
    await page.goto(url);
    expect(await driveEmulatorSignIn(page, 'deny')).toContain('Refused: access_denied');
  });
});
