/**
 * The sign-in engine end to end: the real demo provider, Chromium as the system browser, the real keychain
 * (private session), real config files.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../src/main/app';
import { startDemoProvider, type DemoProvider } from '../src/main/idp';
import { SecretVault } from '../src/main/store/secrets';
import { isAuthError } from '../src/shared/errors';
import type { SessionState } from '../src/shared/session';
import { bundleForChild, runNodeChild } from './helpers/bundle-for-child';
import { freePort, recordingFetch, tempHome, writeGenericProviderConfig, type TempHome } from './helpers/engine-fixture';
import { createBrowserOpener } from './helpers/system-browser';
import { useCleanups, useSystemBrowser } from './helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

function vaultFor(home: TempHome): SecretVault {
  return new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed YAML document, inspected field by field
async function readYaml(home: TempHome): Promise<{ text: string; doc: any }> {
  const text = await readFile(home.configPath, 'utf8');
  return { text, doc: parse(text) };
}

/** A provider on a fixed port in the home's folder, that tests can stop and start like a real server. */
async function startLocalProvider(home: TempHome, port: number, accessTokenTtlSeconds = 3600): Promise<DemoProvider> {
  const provider = await startDemoProvider({ dataDir: join(home.dir, 'provider'), port, accessTokenTtlSeconds });
  return provider;
}

async function engine(home: TempHome, options: Partial<Parameters<typeof createLatchkey>[0]> = {}): Promise<Latchkey> {
  const opener = createBrowserOpener(systemBrowser(), { user: 'alice', consent: 'allow' });
  const latchkey = await createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    openBrowser: opener.openBrowser,
    role: 'cli',
    ...options,
  });
  defer(() => latchkey.close());
  return latchkey;
}

describe('sign-in with the embedded demo provider', () => {
  it('persists the record to YAML (no token text) and the tokens to the keychain before reporting success', async () => {
    const home = await tempHome();
    defer(home.cleanup);
    const latchkey = await engine(home, { embeddedProvider: { port: 0 } });
    await latchkey.restore();
    expect(latchkey.engine.listProviders().map((p) => p.name)).toEqual(['demo']);

    const states: string[] = [];
    latchkey.engine.onStateChange((state) => states.push(state.signIn ? 'waiting' : state.activeAccountKey ?? 'none'));
    const account = await latchkey.engine.signIn('demo');
    expect(account).toMatchObject({ name: 'Alice Anders', email: 'alice@latchkey.example', provider: 'demo', signedIn: true });
    expect(states[0]).toBe('waiting');
    expect(states.at(-1)).toBe(account.key);

    const { text, doc } = await readYaml(home);
    const record = doc.credentials.usernames[account.key];
    expect(record).toMatchObject({
      name: 'Alice Anders',
      email: 'alice@latchkey.example',
      first_name: 'Alice',
      last_name: 'Anders',
      provider: 'demo',
      logged_in: true,
    });
    expect(record.subject).toBe(account.subject);
    expect(Array.isArray(record.roles)).toBe(true);
    expect(typeof record.picture).toBe('string');
    expect(Number.isNaN(Date.parse(record.last_login))).toBe(false);

    const tokens = await vaultFor(home).get(account.key);
    expect(tokens?.accessToken).toBeTruthy();
    expect(tokens?.refreshToken).toBeTruthy();
    expect(tokens?.idToken).toBeTruthy();
    for (const secret of [tokens?.accessToken, tokens?.refreshToken, tokens?.idToken]) {
      expect(text).not.toContain(secret as string);
    }
    expect(text).not.toMatch(/token:/i);
  });
});

describe('sessions across processes and provider restarts (generic OIDC provider)', () => {
  let home: TempHome;
  let port: number;
  let provider: DemoProvider | null;
  let accountKey: string;

  beforeAll(async () => {
    home = await tempHome();
    port = await freePort();
    provider = await startLocalProvider(home, port);
    await writeGenericProviderConfig(home.configPath, `http://127.0.0.1:${port}`);
    const latchkey = await engine(home);
    await latchkey.restore();
    accountKey = (await latchkey.engine.signIn('local')).key;
    await latchkey.close();
  });
  afterAll(async () => {
    await provider?.close();
    await home?.cleanup();
  });

  it('a fresh engine restores the session with no browser and no network call while the token is valid', async () => {
    const recorder = recordingFetch();
    const opener = createBrowserOpener(systemBrowser());
    const latchkey = await createLatchkey({ configPath: home.configPath, keychainService: home.keychainService, openBrowser: opener.openBrowser, fetch: recorder.fetch, role: 'cli' });
    defer(() => latchkey.close());
    const state = await latchkey.restore();
    expect(state.activeAccountKey).toBe(accountKey);
    expect(state.accounts.find((a) => a.key === accountKey)).toMatchObject({ signedIn: true, stale: false, connectivity: 'online' });
    expect(await latchkey.getAccessToken()).toBeTruthy();
    expect(recorder.requests).toEqual([]);
    expect(opener.opened).toEqual([]);
  });

  it('refreshes an expired token on restore, across a provider restart, and stores the rotated refresh token', async () => {
    const before = await vaultFor(home).get(accountKey);
    await provider?.close();
    provider = await startLocalProvider(home, port);
    const recorder = recordingFetch();
    const later = () => Date.now() + 2 * 3600_000; // the stored access token has expired by then
    const latchkey = await engine(home, { fetch: recorder.fetch, now: later });
    const state = await latchkey.restore();
    expect(state.accounts.find((a) => a.key === accountKey)).toMatchObject({ signedIn: true, connectivity: 'online' });
    expect(recorder.refreshRequests()).toBe(1);
    const after = await vaultFor(home).get(accountKey);
    expect(after?.refreshToken).toBeTruthy();
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    expect(after?.accessToken).not.toBe(before?.accessToken);
    const { doc } = await readYaml(home);
    expect(Number.isNaN(Date.parse(doc.credentials.usernames[accountKey].last_refresh))).toBe(false);
    // (Reusing the spent refresh token here would make the provider revoke the whole grant: reuse detection.)
  });

  it('50 concurrent getAccessToken() calls on an expired token make exactly one refresh request', async () => {
    const recorder = recordingFetch();
    let clock = Date.now();
    const latchkey = await engine(home, { fetch: recorder.fetch, now: () => clock });
    await latchkey.restore();
    clock += 5 * 3600_000;
    const tokens = await Promise.all(Array.from({ length: 50 }, () => latchkey.getAccessToken()));
    expect(recorder.refreshRequests()).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect((await vaultFor(home).get(accountKey))?.accessToken).toBe(tokens[0]);
  });

  it('provider unreachable at start: still signed in (offline), nothing deleted; back again: recovers', async () => {
    await provider?.close();
    provider = null;
    const before = await vaultFor(home).get(accountKey);
    const clock = () => Date.now() + 8 * 3600_000;
    const latchkey = await engine(home, { now: clock });
    const state = await latchkey.restore();
    expect(state.activeAccountKey).toBe(accountKey);
    expect(state.accounts.find((a) => a.key === accountKey)).toMatchObject({ signedIn: true, connectivity: 'offline', stale: true });
    await expect(latchkey.getAccessToken()).rejects.toMatchObject({ code: 'network' });
    expect(await vaultFor(home).get(accountKey)).toEqual(before);
    const { doc } = await readYaml(home);
    expect(doc.credentials.usernames[accountKey].logged_in).toBe(true);

    provider = await startLocalProvider(home, port);
    const token = await latchkey.getAccessToken();
    expect(token).not.toBe(before?.accessToken);
    expect(latchkey.engine.getState().accounts.find((a) => a.key === accountKey)).toMatchObject({ connectivity: 'online', stale: false });
  });

  it('keychain unavailable at start: the account shows why, and nothing is deleted or rewritten', async () => {
    const child = await bundleForChild(join(__dirname, 'helpers', 'restore-child.ts'));
    const yamlBefore = await readFile(home.configPath, 'utf8');
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/latchkey-bus' };
    delete env.DISPLAY;
    const result = await runNodeChild(child, [home.configPath, home.keychainService], { env });
    expect(result.code, result.stderr).toBe(0);
    const state = JSON.parse(result.stdout) as SessionState;
    expect(state.lastSignInError?.code).toBe('keychain_unavailable');
    expect(state.activeAccountKey).toBeNull();
    const account = state.accounts.find((a) => a.key === accountKey);
    expect(account?.signedIn).toBe(false);
    expect(account?.signedOutReason).toMatch(/keychain/i);
    expect(await readFile(home.configPath, 'utf8')).toBe(yamlBefore);
    expect(await vaultFor(home).get(accountKey)).not.toBeNull();
  });

  it('a grant revoked at the provider signs the account out with a reason', async () => {
    const stored = await vaultFor(home).get(accountKey);
    const configuration = await oidc.discovery(new URL(`http://127.0.0.1:${port}`), 'latchkey-desktop', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    await oidc.tokenRevocation(configuration, stored?.refreshToken as string, { token_type_hint: 'refresh_token' });
    const latchkey = await engine(home, { now: () => Date.now() + 11 * 3600_000 });
    const state = await latchkey.restore();
    const account = state.accounts.find((a) => a.key === accountKey);
    expect(account?.signedIn).toBe(false);
    expect(account?.signedOutReason).toMatch(/ended this session/);
    expect(state.activeAccountKey).toBeNull();
    expect(await vaultFor(home).get(accountKey)).toBeNull();
    const { doc } = await readYaml(home);
    expect(doc.credentials.usernames[accountKey]).toMatchObject({ logged_in: false });
    expect(doc.credentials.usernames[accountKey].signed_out_reason).toMatch(/ended this session/);
    const error = await latchkey.getAccessToken().catch((e: unknown) => e);
    expect(isAuthError(error, 'not_signed_in')).toBe(true);
  });
});

describe('sign-out', () => {
  it('revokes at the provider, deletes the keychain entry, updates YAML and offers the end-session URL', async () => {
    const home = await tempHome();
    defer(home.cleanup);
    const port = await freePort();
    const provider = await startLocalProvider(home, port);
    defer(() => provider.close());
    await writeGenericProviderConfig(home.configPath, `http://127.0.0.1:${port}`);
    const latchkey = await engine(home);
    await latchkey.restore();
    const account = await latchkey.engine.signIn('local');
    const tokens = await vaultFor(home).get(account.key);

    const result = await latchkey.engine.signOut();
    expect(result).toMatchObject({ accountKey: account.key, revoked: true, revocation: 'revoked', endSessionAvailable: true });
    // The sign-out page's URL carries the ID token as id_token_hint: it is not part of the answer.
    expect(JSON.stringify(result)).not.toContain(tokens?.idToken as string);
    expect(await vaultFor(home).get(account.key)).toBeNull();
    const { doc } = await readYaml(home);
    expect(doc.credentials.usernames[account.key].logged_in).toBe(false);
    expect(latchkey.engine.getState().activeAccountKey).toBeNull();

    const configuration = await oidc.discovery(new URL(`http://127.0.0.1:${port}`), 'latchkey-desktop', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    await expect(oidc.refreshTokenGrant(configuration, tokens?.refreshToken as string)).rejects.toMatchObject({ error: 'invalid_grant' });

    // Forget removes the record entirely.
    await latchkey.engine.signIn('local');
    await latchkey.engine.signOut({ accountKey: account.key, forget: true });
    expect((await readYaml(home)).doc.credentials.usernames?.[account.key]).toBeUndefined();
  });

  it('denied consent fails the sign-in with access_denied and writes nothing', async () => {
    const home = await tempHome();
    defer(home.cleanup);
    const opener = createBrowserOpener(systemBrowser(), { user: 'bob', consent: 'deny' });
    const latchkey = await engine(home, { embeddedProvider: { port: 0 }, openBrowser: opener.openBrowser });
    await latchkey.restore();
    const before = await readFile(home.configPath, 'utf8');
    const error = await latchkey.engine.signIn('demo').catch((e: unknown) => e);
    expect(isAuthError(error, 'access_denied')).toBe(true);
    expect(latchkey.engine.getState().lastSignInError?.code).toBe('access_denied');
    expect(await readFile(home.configPath, 'utf8')).toBe(before);
  });

  it('a cancelled sign-in rejects with cancelled and leaves no sign-in in progress', async () => {
    const home = await tempHome();
    defer(home.cleanup);
    const latchkey = await engine(home, { embeddedProvider: { port: 0 }, openBrowser: async () => undefined });
    await latchkey.restore();
    const pending = latchkey.engine.signIn('demo').catch((e: unknown) => e);
    // A second click while the first sign-in is starting or waiting is refused, not run twice.
    const second = await latchkey.engine.signIn('demo').catch((e: unknown) => e);
    expect(isAuthError(second, 'busy')).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(latchkey.engine.getState().signIn?.provider).toBe('demo');
    latchkey.engine.cancelSignIn();
    expect(isAuthError(await pending, 'cancelled')).toBe(true);
    expect(latchkey.engine.getState().signIn).toBeNull();
  });
});

describe('session.expiry_days', () => {
  async function signedInHome(expiryDays: number): Promise<{ home: TempHome; port: number; key: string; tokens: Awaited<ReturnType<SecretVault['get']>> }> {
    const home = await tempHome();
    defer(home.cleanup);
    const port = await freePort();
    const provider = await startLocalProvider(home, port);
    defer(() => provider.close());
    await writeGenericProviderConfig(home.configPath, `http://127.0.0.1:${port}`);
    const text = await readFile(home.configPath, 'utf8');
    await writeFile(home.configPath, text.replace('expiry_days: 30', `expiry_days: ${expiryDays}`));
    const latchkey = await engine(home);
    await latchkey.restore();
    const key = (await latchkey.engine.signIn('local')).key;
    await latchkey.close();
    return { home, port, key, tokens: await vaultFor(home).get(key) };
  }

  it('a session unused for longer than expiry_days is ended at restore: revoked, deleted, recorded', async () => {
    const { home, port, key, tokens } = await signedInHome(1);
    const latchkey = await engine(home, { now: () => Date.now() + 2 * 24 * 3600_000 });
    const state = await latchkey.restore();
    const account = state.accounts.find((a) => a.key === key);
    expect(account?.signedIn).toBe(false);
    expect(account?.signedOutReason).toMatch(/not used for 1 days/);
    expect(await vaultFor(home).get(key)).toBeNull();
    expect((await readYaml(home)).doc.credentials.usernames[key].logged_in).toBe(false);
    const configuration = await oidc.discovery(new URL(`http://127.0.0.1:${port}`), 'latchkey-desktop', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    await expect(oidc.refreshTokenGrant(configuration, tokens?.refreshToken as string)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a session used within expiry_days is kept', async () => {
    const { home, key } = await signedInHome(3);
    const latchkey = await engine(home, { now: () => Date.now() + 2 * 24 * 3600_000 });
    const state = await latchkey.restore();
    expect(state.accounts.find((a) => a.key === key)?.signedIn).toBe(true);
  });

  it('expiry_days: 0 forgets the session when the desktop app quits (but not when a CLI command ends)', async () => {
    const { home, key } = await signedInHome(0);
    // The signed-in engine above ran as the CLI: its close() kept the session.
    const app = await engine(home, { role: 'app' });
    expect((await app.restore()).accounts.find((a) => a.key === key)?.signedIn).toBe(true);
    await app.close();
    expect(await vaultFor(home).get(key)).toBeNull();
    expect((await readYaml(home)).doc.credentials.usernames[key].logged_in).toBe(false);
  });
});
