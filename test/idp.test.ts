/**
 * The embedded demo identity provider, tested as a relying party sees it: openid-client v6 against the
 * real provider on 127.0.0.1, with Chromium playing the system browser and a real loopback redirect.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CLIENT_ID, DEMO_USERS, startDemoProvider, type DemoProvider } from '../src/main/idp';
import { FileStore, STORE_FILE } from '../src/main/idp/file-store';
import { runDemoProviderForeground } from '../src/main/idp/standalone';
import {
  completeDemoSignIn,
  createBrowserOpener,
  launchSystemBrowser,
  type DemoSignInScript,
} from './helpers/system-browser';

type Browser = Awaited<ReturnType<typeof launchSystemBrowser>>;

const ACCESS_TTL = 5;
const SCOPE = 'openid profile email offline_access';
const BROWSER_CLI = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'browser-cli.mjs');
const CALLBACK_PAGE_TEXT = 'Latchkey test callback received';

/** A one-shot loopback redirect receiver, as Latchkey's own would be (127.0.0.1, ephemeral port). */
async function startCallbackServer(): Promise<{ redirectUri: string; received: Promise<URL>; close(): Promise<void> }> {
  let deliver!: (url: URL) => void;
  const received = new Promise<URL>((resolve) => (deliver = resolve));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    if (url.pathname !== '/callback') {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!DOCTYPE html><title>done</title><p>${CALLBACK_PAGE_TEXT}</p>`);
    deliver(url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function discover(issuer: string): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), DEMO_CLIENT_ID, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
}

/** Runs the $BROWSER stand-in as the CLI would, collecting its exit code and output. */
function runBrowserCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BROWSER_CLI, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

interface Authorization {
  callbackUrl: URL;
  finalPageText: string;
  verifier: string;
  state: string;
  nonce: string;
}

/** Runs the browser part of a sign-in; `drive` gets the page at the authorization URL. */
async function authorize(
  config: client.Configuration,
  drive: (authorizationUrl: string) => Promise<string>,
  extra: Record<string, string> = {},
): Promise<Authorization> {
  const callback = await startCallbackServer();
  try {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: callback.redirectUri,
      scope: SCOPE,
      prompt: 'consent',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    const finalPageText = await drive(url.href);
    const callbackUrl = await callback.received;
    return { callbackUrl, finalPageText, verifier, state, nonce };
  } finally {
    await callback.close();
  }
}

function inPage(browser: Browser, script: DemoSignInScript = {}): (url: string) => Promise<string> {
  return async (url) => {
    const page = await browser.newPage();
    try {
      await page.goto(url);
      return await completeDemoSignIn(page, script);
    } finally {
      await page.close();
    }
  };
}

function redeem(config: client.Configuration, auth: Authorization) {
  return client.authorizationCodeGrant(config, auth.callbackUrl, {
    pkceCodeVerifier: auth.verifier,
    expectedState: auth.state,
    expectedNonce: auth.nonce,
  });
}

async function signIn(config: client.Configuration, browser: Browser, script: DemoSignInScript = {}) {
  return redeem(config, await authorize(config, inPage(browser, script)));
}

async function expectInvalidGrant(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(client.ResponseBodyError);
  expect((error as client.ResponseBodyError).error).toBe('invalid_grant');
}

describe('demo identity provider', () => {
  let dataDir: string;
  let provider: DemoProvider;
  let config: client.Configuration;
  let browser: Browser;
  const logLines: string[] = [];

  beforeAll(async () => {
    dataDir = join(await mkdtemp(join(tmpdir(), 'latchkey-idp-test-')), 'provider');
    provider = await startDemoProvider({ dataDir, port: 0, accessTokenTtlSeconds: ACCESS_TTL, log: (line) => logLines.push(line) });
    config = await discover(provider.issuer);
    browser = await launchSystemBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await provider?.close();
    if (dataDir !== undefined) await rm(join(dataDir, '..'), { recursive: true, force: true });
  });

  it('advertises RFC 9207 iss, end-session, revocation, PKCE S256 and the demo scopes', () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(provider.issuer);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.end_session_endpoint).toBe(`${provider.issuer}/session/end`);
    expect(metadata.revocation_endpoint).toBeTruthy();
    expect(metadata.userinfo_endpoint).toBeTruthy();
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
  });

  it('signs alice in through the login and consent pages, with profile claims, userinfo and a refresh token', async () => {
    const auth = await authorize(config, inPage(browser, { user: 'alice' }));
    expect(auth.finalPageText).toContain(CALLBACK_PAGE_TEXT);
    expect(auth.callbackUrl.searchParams.get('iss')).toBe(provider.issuer);
    const tokens = await redeem(config, auth);

    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
    expect(tokens.expires_in).toBe(ACCESS_TTL);

    const alice = DEMO_USERS.find((user) => user.username === 'alice')!;
    const picture = `${provider.issuer}/avatars/alice.svg`;
    const expected = {
      sub: 'alice',
      name: alice.name,
      given_name: alice.givenName,
      family_name: alice.familyName,
      email: alice.email,
      email_verified: true,
      picture,
      roles: alice.roles,
    };
    expect(tokens.claims()).toMatchObject(expected);
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, 'alice');
    expect(userinfo).toMatchObject(expected);

    const avatar = await fetch(picture);
    expect(avatar.status).toBe(200);
    expect(avatar.headers.get('content-type')).toContain('image/svg+xml');
    expect(await avatar.text()).toContain('>AA</text>');
    // The password went through the login form; it must not reach the log.
    expect(logLines.join('\n')).not.toContain(alice.password);
  });

  it('skips the login page when the browser already has a provider session (consent is still asked)', async () => {
    const opener = createBrowserOpener(browser, { user: 'bob' });
    const auth = await authorize(config, async (url) => {
      await opener.openBrowser(url);
      await opener.settled();
      expect(opener.failures).toEqual([]);
      return opener.results[0] ?? '';
    });
    expect(opener.opened).toHaveLength(1);
    expect(auth.finalPageText).toContain(CALLBACK_PAGE_TEXT);
    const tokens = await redeem(config, auth);
    // Still alice: the provider session from the previous sign-in answered, no login page was shown.
    expect(tokens.claims()?.sub).toBe('alice');
  });

  it('rotates refresh tokens; reusing a rotated one fails with invalid_grant and revokes the grant', async () => {
    const first = await signIn(config, browser);
    const rt1 = first.refresh_token!;
    const second = await client.refreshTokenGrant(config, rt1);
    const rt2 = second.refresh_token!;
    expect(rt2).toEqual(expect.any(String));
    expect(rt2).not.toBe(rt1);
    expect(second.expires_in).toBe(ACCESS_TTL);

    await expectInvalidGrant(client.refreshTokenGrant(config, rt1));
    // The double spend revoked the whole grant: the newest token is dead too.
    await expectInvalidGrant(client.refreshTokenGrant(config, rt2));
  });

  it('revocation (RFC 7009) makes a later refresh fail', async () => {
    const tokens = await signIn(config, browser);
    await client.tokenRevocation(config, tokens.refresh_token!);
    await expectInvalidGrant(client.refreshTokenGrant(config, tokens.refresh_token!));
  });

  it('keeps refresh tokens (and their consumed state) and keys across a restart with the same data folder', async () => {
    const tokens = await signIn(config, browser);
    const rotated = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const latest = rotated.refresh_token!;
    const jwksBefore = await (await fetch(`${provider.issuer}/jwks`)).json();

    const port = provider.port;
    await provider.close();
    const storeText = await readFile(join(dataDir, STORE_FILE), 'utf8');
    expect(storeText).toContain('RefreshToken:');
    provider = await startDemoProvider({ dataDir, port, accessTokenTtlSeconds: ACCESS_TTL + 2 });
    expect(provider.issuer).toBe(config.serverMetadata().issuer);
    config = await discover(provider.issuer);

    expect(await (await fetch(`${provider.issuer}/jwks`)).json()).toEqual(jwksBefore);
    const afterRestart = await client.refreshTokenGrant(config, latest);
    expect(afterRestart.refresh_token).not.toBe(latest);
    // The access-token lifetime follows the option of the running provider.
    expect(afterRestart.expires_in).toBe(ACCESS_TTL + 2);
    const userinfo = await client.fetchUserInfo(config, afterRestart.access_token, 'alice');
    expect(userinfo.name).toBe('Alice Anders');
    // The consumption before the restart was persisted: the first token still counts as used.
    await expectInvalidGrant(client.refreshTokenGrant(config, tokens.refresh_token!));
  });

  it('keeps no working token in its store: tokens and codes are stored under a digest, and entries of an earlier version move there', async () => {
    const tokens = await signIn(config, browser);
    const rotated = await client.refreshTokenGrant(config, tokens.refresh_token!);
    await provider.close();
    const storePath = join(dataDir, STORE_FILE);
    const text = await readFile(storePath, 'utf8');
    expect(text).toMatch(/"RefreshToken:sha256:[\w-]{43}"/);
    expect(text).toMatch(/"AccessToken:sha256:[\w-]{43}"/);
    for (const value of [tokens.access_token, tokens.refresh_token!, rotated.access_token, rotated.refresh_token!]) expect(text).not.toContain(value);

    // The file as an earlier version wrote it: the current refresh token under its plain value, with its jti.
    const content = JSON.parse(text) as { entries: Record<string, { payload: Record<string, unknown> }> };
    const digestKey = Object.keys(content.entries).find((key) => key.startsWith('RefreshToken:') && content.entries[key]?.payload.consumed === undefined);
    if (!digestKey) throw new Error('no current refresh token in the store');
    const entry = content.entries[digestKey] as { payload: Record<string, unknown> };
    delete content.entries[digestKey];
    content.entries[`RefreshToken:${rotated.refresh_token!}`] = { ...entry, payload: { ...entry.payload, jti: rotated.refresh_token! } };
    await writeFile(storePath, JSON.stringify(content), { mode: 0o600 });

    provider = await startDemoProvider({ dataDir, port: provider.port, accessTokenTtlSeconds: ACCESS_TTL });
    config = await discover(provider.issuer);
    const again = await client.refreshTokenGrant(config, rotated.refresh_token!);
    expect(again.access_token).toBeTruthy();
    // Used once, found under the digest from then on: the rotated-away token still counts as consumed.
    await expectInvalidGrant(client.refreshTokenGrant(config, rotated.refresh_token!));
    await provider.close();
    const after = await readFile(storePath, 'utf8');
    for (const value of [rotated.refresh_token!, again.refresh_token!, again.access_token]) expect(after).not.toContain(value);
    provider = await startDemoProvider({ dataDir, port: provider.port, accessTokenTtlSeconds: ACCESS_TTL });
    config = await discover(provider.issuer);
  });

  it('deny at consent sends error=access_denied to the redirect', async () => {
    const auth = await authorize(config, inPage(browser, { consent: 'deny' }));
    expect(auth.callbackUrl.searchParams.get('error')).toBe('access_denied');
    expect(auth.callbackUrl.searchParams.get('code')).toBeNull();
    expect(auth.callbackUrl.searchParams.get('state')).toBe(auth.state);
    expect(auth.callbackUrl.searchParams.get('iss')).toBe(provider.issuer);
    const error = await redeem(config, auth).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(client.AuthorizationResponseError);
    expect((error as client.AuthorizationResponseError).error).toBe('access_denied');
  });

  it('end-session signs the browser out and says so', async () => {
    const tokens = await signIn(config, browser);
    const url = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! });
    const page = await browser.newPage();
    try {
      await page.goto(url.href);
      expect(await page.getAttribute('body', 'data-latchkey-idp')).toBe('logout');
      await Promise.all([page.waitForNavigation(), page.click('button[name="logout"]')]);
      expect(await page.innerText('body')).toContain('You are signed out of the Latchkey demo provider');
    } finally {
      await page.close();
    }
    // Signed out at the provider: the next sign-in shows the login page again, and bob can sign in.
    const bob = await signIn(config, browser, { user: 'bob' });
    expect(bob.claims()?.sub).toBe('bob');
    expect(bob.claims()?.roles).toEqual(['user']);
  });

  it('a wrong password shows the login page again with an error, and escapes what was typed', async () => {
    const fresh = await launchSystemBrowser();
    const callback = await startCallbackServer();
    try {
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: callback.redirectUri,
        scope: SCOPE,
        prompt: 'consent',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state: client.randomState(),
      });
      const page = await fresh.newPage();
      await page.goto(url.href);
      expect(await page.getAttribute('body', 'data-latchkey-idp')).toBe('login');
      expect(await page.innerText('body')).toMatch(/alice \/ alice-pass, bob \/ bob-pass/);

      const typed = '<b id="injected">alice</b>';
      await page.fill('input[name="username"]', typed);
      await page.fill('input[name="password"]', 'not-the-password');
      await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
      expect(await page.getAttribute('body', 'data-latchkey-idp')).toBe('login');
      expect(await page.innerText('.error')).toContain('Wrong username or password');
      expect(await page.inputValue('input[name="username"]')).toBe(typed);
      expect(await page.$('#injected')).toBeNull();
      expect(await page.inputValue('input[name="password"]')).toBe('');

      // The helper reports a refused sign-in instead of looping.
      await expect(completeDemoSignIn(page, { user: 'bob', password: 'wrong' })).rejects.toThrow(/refused/);
      // And the right password still works on the same interaction.
      const text = await completeDemoSignIn(page, { user: 'bob' });
      expect(text).toContain(CALLBACK_PAGE_TEXT);
      expect((await callback.received).searchParams.get('code')).toEqual(expect.any(String));
    } finally {
      await callback.close();
      await fresh.close();
    }
  });

  it('browser-cli.mjs (the $BROWSER stand-in) completes a sign-in silently', async () => {
    let run: { code: number; stdout: string; stderr: string } | undefined;
    const auth = await authorize(config, async (url) => {
      run = await runBrowserCli([url], { LATCHKEY_TEST_USER: 'bob', LATCHKEY_TEST_CONSENT: 'deny' });
      return '';
    });
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(auth.callbackUrl.searchParams.get('error')).toBe('access_denied');

    const usage = await runBrowserCli(['not a url'], {});
    expect(usage.code).not.toBe(0);
    expect(usage.stdout).toBe('');
    expect(usage.stderr).toContain('usage');
  });

  it('keeps its folder private (0700) and its files 0600', async () => {
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    for (const file of ['keys.json', STORE_FILE]) {
      expect((await stat(join(dataDir, file))).mode & 0o777).toBe(0o600);
    }
  });

  it('rejects with code EADDRINUSE when the port is taken', async () => {
    const other = join(dataDir, '..', 'other');
    const error = await startDemoProvider({ dataDir: other, port: provider.port }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: unknown }).code).toBe('EADDRINUSE');
    // It did not touch (or create) a data folder it could not serve.
    await expect(stat(other)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('renders provider errors as a readable, escaped page', async () => {
    const response = await fetch(`${provider.issuer}/auth?client_id=${encodeURIComponent('<script>x</script>')}&response_type=code`);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('data-latchkey-idp="error"');
    expect(html).not.toContain('<script>');
  });
});

describe('demo provider store', () => {
  it('honours expiry and persists consumption across reopening', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-idp-store-'));
    try {
      let now = 1_000_000;
      const clock = () => now;
      const store = await FileStore.open(dir, () => undefined, clock);
      await store.set('RefreshToken:a', { grantId: 'g1' }, 10);
      await store.set('RefreshToken:b', { grantId: 'g2' }, undefined);
      await store.update('RefreshToken:b', (payload) => {
        payload.consumed = 42;
      });
      expect(store.get('RefreshToken:a')).toEqual({ grantId: 'g1' });

      const reopened = await FileStore.open(dir, () => undefined, clock);
      expect(reopened.get('RefreshToken:b')).toEqual({ grantId: 'g2', consumed: 42 });
      now += 10_000;
      expect(reopened.get('RefreshToken:a')).toBeUndefined();
      await reopened.flush();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('moves a damaged store file aside instead of refusing to start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-idp-store-'));
    try {
      await writeFile(join(dir, STORE_FILE), '{ not json');
      const lines: string[] = [];
      const store = await FileStore.open(dir, (line) => lines.push(line));
      expect(store.get('Session:x')).toBeUndefined();
      expect(lines.join('\n')).toContain('moved to');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('runDemoProviderForeground', () => {
  it('prints the issuer and the demo users and stops when asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-idp-fg-'));
    const printed: string[] = [];
    const stop = new AbortController();
    try {
      const running = runDemoProviderForeground({ dataDir: dir, port: 0, print: (line) => printed.push(line), signal: stop.signal });
      await expect.poll(() => printed.length).toBeGreaterThan(0);
      const issuer = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(printed[0] ?? '')?.[1];
      expect(issuer).toBeDefined();
      const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      expect(printed.join('\n')).toContain('alice / alice-pass, bob / bob-pass');
      stop.abort();
      await running;
      expect(printed.at(-1)).toContain('stopped');
      await expect(fetch(`${issuer}/.well-known/openid-configuration`)).rejects.toThrow();
    } finally {
      stop.abort();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
