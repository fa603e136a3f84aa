/**
 * Edge cases of the engine, each against real parts (provider, Chromium, keychain, files):
 * tokens of 64 KB; unicode in account records; a provider that sends no e-mail, and one that issues no refresh
 * token; clocks five minutes off (Latchkey's and the provider's); the provider going away while a refresh is
 * due, and coming back.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { startDemoProvider, type DemoProvider } from '../../src/main/idp';
import { ConfigStore } from '../../src/main/store/config';
import { SecretVault, type TokenSet } from '../../src/main/store/secrets';
import { isAuthError } from '../../src/shared/errors';
import type { AccountSummary, AuthEvent } from '../../src/shared/session';
import { bundleForChild, startNodeChild } from '../helpers/bundle-for-child';
import { proofOptions } from '../helpers/dpop-proof';
import { freePort, recordingFetch, tempHome, writeGenericProviderConfig, type TempHome } from '../helpers/engine-fixture';
import { createBrowserOpener, type DemoSignInScript } from '../helpers/system-browser';
import { useCleanups, useSystemBrowser } from '../helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

async function newHome(): Promise<TempHome> {
  const home = await tempHome();
  defer(home.cleanup);
  return home;
}

function vaultFor(home: TempHome): SecretVault {
  return new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') });
}

async function engine(
  home: TempHome,
  options: Partial<Parameters<typeof createLatchkey>[0]> & { script?: DemoSignInScript } = {},
): Promise<Latchkey> {
  const { script, ...rest } = options;
  const latchkey = await createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    openBrowser: createBrowserOpener(systemBrowser(), script ?? { user: 'alice' }).openBrowser,
    role: 'cli',
    embeddedProvider: false,
    ...rest,
  });
  defer(() => latchkey.close());
  return latchkey;
}

async function yamlRecord(home: TempHome, key: string): Promise<Record<string, unknown> | undefined> {
  const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials: { usernames: Record<string, Record<string, unknown>> } };
  return doc.credentials.usernames[key];
}

async function events(home: TempHome): Promise<AuthEvent[]> {
  const text = await readFile(join(home.dir, 'auth-events.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuthEvent);
}

function account(latchkey: Latchkey, key: string): AccountSummary | undefined {
  return latchkey.engine.getState().accounts.find((a) => a.key === key);
}

/** Polls the engine's state until `predicate` holds (for work the engine does by itself, on its timers). */
async function waitUntil(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A provider in this process, at a port that stays the same across restarts (its issuer). */
async function localProvider(dataDir: string, port: number, accessTokenTtlSeconds = 3600): Promise<DemoProvider> {
  return startDemoProvider({ dataDir, port, accessTokenTtlSeconds });
}

describe('64 KB tokens', () => {
  it('go through the vault and come back whole from getAccessToken, with no network call', async () => {
    const home = await newHome();
    // Nothing listens at this issuer: a request to it would fail the test.
    await writeGenericProviderConfig(home.configPath, `http://127.0.0.1:${await freePort()}`);
    const big = (tag: string) => `${tag}.${randomBytes(48 * 1024).toString('base64url')}`;
    const now = Date.now();
    const tokens: TokenSet = {
      accessToken: big('access'),
      refreshToken: big('refresh'),
      idToken: big('id'),
      tokenType: 'Bearer',
      scope: 'openid profile email offline_access',
      obtainedAt: now,
      expiresAt: now + 3600_000,
    };
    expect(tokens.accessToken.length).toBeGreaterThan(64 * 1024);
    const key = 'local-bigtokens';
    const vault = vaultFor(home);
    await vault.set(key, tokens);
    expect(await vault.get(key)).toEqual(tokens);
    // Sealed: the blob holds all three tokens, none of them readable.
    const blob = await readFile(vault.blobPath(key));
    expect(blob.length).toBeGreaterThan(3 * 64 * 1024);
    for (const token of [tokens.accessToken, tokens.refreshToken, tokens.idToken]) expect(blob.includes((token as string).slice(-64))).toBe(false);

    await new ConfigStore({ path: home.configPath }).update((draft) => {
      draft.setAccount(key, { name: 'Big Tokens', provider: 'local', subject: 'bigtokens', logged_in: true, last_login: new Date(now).toISOString() });
      draft.setActiveAccount(key);
    });
    const recorder = recordingFetch();
    const latchkey = await engine(home, { fetch: recorder.fetch });
    const state = await latchkey.restore();
    expect(state.accounts.find((a) => a.key === key)).toMatchObject({ signedIn: true, stale: false });
    expect(await latchkey.getAccessToken()).toBe(tokens.accessToken);
    expect(await latchkey.getAccessToken(key)).toBe(tokens.accessToken);
    expect(recorder.requests).toEqual([]);
    expect(JSON.stringify(latchkey.engine.getState())).not.toContain(tokens.accessToken.slice(-64));
  });
});

describe('unicode in account records', () => {
  it('round-trips names, e-mails, roles and reasons through config.yaml, written as readable text', async () => {
    const home = await newHome();
    await writeGenericProviderConfig(home.configPath, `http://127.0.0.1:${await freePort()}`);
    // A comment the person wrote, in their language: kept through Latchkey's writes.
    await writeFile(home.configPath, `# Konten von Zoë — bitte nicht löschen\n${await readFile(home.configPath, 'utf8')}`);
    const record = {
      name: 'Zoë Ångström-Łukasiewicz 李小龍 🚀',
      email: 'zoë.ångström@bücher.example',
      first_name: 'Zoë',
      last_name: 'Ångström-Łukasiewicz',
      provider: 'local',
      subject: 'ユーザー-42',
      roles: ['редактор', 'admin', 'مدير'],
      logged_in: false,
      last_login: '2026-01-02T03:04:05.000Z',
      signed_out_reason: 'Déconnecté par le fournisseur — à bientôt ✌',
    };
    const store = new ConfigStore({ path: home.configPath });
    await store.upsertAccount('local-zoe', record);
    await store.upsertAccount('local-plain', { ...record, name: 'Plain', email: 'plain@example.com', subject: 'plain', roles: [] });
    await store.patchAccount('local-plain', { name: 'Плейн' });

    const text = await readFile(home.configPath, 'utf8');
    for (const value of [record.name, record.email, record.last_name, record.subject, ...record.roles, record.signed_out_reason, 'Плейн']) {
      expect(text).toContain(value);
    }
    expect(text).toContain('# Konten von Zoë — bitte nicht löschen');
    // Human-readable: no escape sequences in place of the characters.
    expect(text).not.toMatch(/\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\U[0-9a-fA-F]{8}/);

    const loaded = await new ConfigStore({ path: home.configPath }).load();
    expect(loaded.credentials.usernames['local-zoe']).toEqual(record);
    expect(loaded.credentials.usernames['local-plain']?.name).toBe('Плейн');

    const latchkey = await engine(home);
    const summary = (await latchkey.restore()).accounts.find((a) => a.key === 'local-zoe');
    expect(summary).toMatchObject({
      name: record.name,
      email: record.email,
      firstName: record.first_name,
      lastName: record.last_name,
      subject: record.subject,
      roles: record.roles,
      signedIn: false,
      signedOutReason: record.signed_out_reason,
    });
  });
});

describe('providers that give less', () => {
  let providerHome: TempHome;
  let provider: DemoProvider;
  let issuer: string;

  beforeAll(async () => {
    providerHome = await tempHome();
    const port = await freePort();
    provider = await localProvider(join(providerHome.dir, 'provider'), port);
    issuer = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await provider?.close();
    await providerHome?.cleanup();
  });

  async function writeConfig(home: TempHome): Promise<void> {
    const entry = (name: string, label: string, scopes: string) =>
      `  ${name}:\n    label: ${label}\n    issuer: ${issuer}\n    client_id: latchkey-desktop\n    scopes: ${scopes}\n`;
    await writeFile(
      home.configPath,
      'session:\n  expiry_days: 30\nproviders:\n' +
        entry('noemail', 'No E-mail SSO', '[openid, profile, offline_access]') +
        entry('norefresh', 'Short SSO', '[openid, profile]') +
        'credentials:\n  usernames: {}\n',
      { mode: 0o600 },
    );
  }

  it('no e-mail claim: sign-in and refresh work, and no e-mail appears anywhere', async () => {
    const home = await newHome();
    await writeConfig(home);
    const latchkey = await engine(home, { script: { user: 'bob' } });
    await latchkey.restore();
    const signedIn = await latchkey.engine.signIn('noemail');
    expect(signedIn).toMatchObject({ name: 'Bob Berger', firstName: 'Bob', lastName: 'Berger', signedIn: true });
    expect(signedIn.email).toBeUndefined();
    expect((await vaultFor(home).get(signedIn.key))?.refreshToken).toBeTruthy();

    const refreshed = await latchkey.engine.refreshNow(signedIn.key);
    expect(refreshed).toMatchObject({ name: 'Bob Berger', signedIn: true });
    expect(refreshed.email).toBeUndefined();
    const record = await yamlRecord(home, signedIn.key);
    expect(record).toMatchObject({ name: 'Bob Berger', logged_in: true });
    expect(record).not.toHaveProperty('email');
    expect(await readFile(home.configPath, 'utf8')).not.toContain('bob@latchkey.example');
  });

  it('no refresh token: signed in until the access token expires, then signed out once with a reason — no refresh loop', async () => {
    const home = await newHome();
    await writeConfig(home);
    let clock = Date.now();
    const recorder = recordingFetch();
    // The app role: its background refresh must not spin on an account that cannot be refreshed.
    const latchkey = await engine(home, { role: 'app', now: () => clock, fetch: recorder.fetch });
    await latchkey.restore();
    const signedIn = await latchkey.engine.signIn('norefresh');
    const key = signedIn.key;
    const tokens = (await vaultFor(home).get(key)) as TokenSet;
    expect(tokens.refreshToken).toBeUndefined();
    expect(tokens.expiresAt).toBeGreaterThan(clock);

    // Holds until expiry.
    clock = (tokens.expiresAt as number) - 120_000;
    expect(await latchkey.getAccessToken()).toBe(tokens.accessToken);
    expect(account(latchkey, key)).toMatchObject({ signedIn: true, stale: false });

    clock = (tokens.expiresAt as number) + 1_000;
    expect(account(latchkey, key)).toMatchObject({ signedIn: true, stale: true });
    const error = await latchkey.getAccessToken().catch((e: unknown) => e);
    expect(isAuthError(error, 'invalid_grant'), String(error)).toBe(true);
    const after = account(latchkey, key);
    expect(after?.signedIn).toBe(false);
    expect(after?.signedOutReason).toMatch(/no refresh token/i);
    expect(latchkey.engine.getState().activeAccountKey).toBeNull();
    expect(await vaultFor(home).get(key)).toBeNull();
    expect(await yamlRecord(home, key)).toMatchObject({ logged_in: false, signed_out_reason: after?.signedOutReason });

    // Asked again: a plain "not signed in", still without a single refresh request.
    const again = await latchkey.getAccessToken().catch((e: unknown) => e);
    expect(isAuthError(again, 'not_signed_in')).toBe(true);
    expect(recorder.refreshRequests()).toBe(0);
    expect((await events(home)).filter((e) => e.kind === 'sign_out')).toHaveLength(1);

    // Restoring such a session after it expired signs it out the same way, at once.
    const second = await latchkey.engine.signIn('norefresh');
    await latchkey.close();
    const secondTokens = (await vaultFor(home).get(second.key)) as TokenSet;
    const restored = await engine(home, { role: 'app', now: () => (secondTokens.expiresAt as number) + 1_000, fetch: recorder.fetch });
    const state = await restored.restore();
    expect(state.accounts.find((a) => a.key === key)).toMatchObject({ signedIn: false, signedOutReason: expect.stringMatching(/no refresh token/i) });
    expect(recorder.refreshRequests()).toBe(0);
  });
});

describe('clocks five minutes off', () => {
  let providerHome: TempHome;
  let provider: DemoProvider;
  let issuer: string;
  let skewedProvider: string;

  beforeAll(async () => {
    skewedProvider = await bundleForChild('test/helpers/skewed-provider-child.ts');
    providerHome = await tempHome();
    const port = await freePort();
    provider = await localProvider(join(providerHome.dir, 'provider'), port);
    issuer = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await provider?.close();
    await providerHome?.cleanup();
  });

  /** Signs in, checks the session, refreshes, and restores it in a new engine with the same clock. */
  async function signInRefreshRestore(home: TempHome, now: () => number): Promise<string> {
    const recorder = recordingFetch();
    const latchkey = await engine(home, { now, fetch: recorder.fetch });
    await latchkey.restore();
    const signedIn = await latchkey.engine.signIn('local');
    expect(signedIn).toMatchObject({ name: 'Alice Anders', signedIn: true, stale: false, connectivity: 'online' });
    // Lifetimes are counted on Latchkey's own clock: an hour from its "now", whatever the provider's clock says.
    expect(Math.abs(Date.parse(signedIn.accessTokenExpiresAt as string) - (now() + 3600_000))).toBeLessThan(60_000);
    const token = await latchkey.getAccessToken();
    expect(recorder.refreshRequests()).toBe(0);

    const refreshed = await latchkey.engine.refreshNow();
    expect(refreshed).toMatchObject({ signedIn: true, stale: false });
    expect(recorder.refreshRequests()).toBe(1);
    expect(await latchkey.getAccessToken()).not.toBe(token);
    await latchkey.close();

    const later = await engine(home, { now, fetch: recorder.fetch });
    const state = await later.restore();
    expect(state.accounts.find((a) => a.key === signedIn.key)).toMatchObject({ signedIn: true, stale: false });
    expect(recorder.refreshRequests()).toBe(1);
    return signedIn.key;
  }

  /** The `iat` of the stored ID token, in seconds: says which clock the provider issued it by. */
  async function idTokenIssuedAt(home: TempHome, key: string): Promise<number> {
    const idToken = (await vaultFor(home).get(key))?.idToken as string;
    const payload = JSON.parse(Buffer.from(idToken.split('.')[1] as string, 'base64url').toString('utf8')) as { iat: number };
    return payload.iat;
  }

  it.each([5, -5])("Latchkey's clock %i minutes off", async (minutes) => {
    const home = await newHome();
    await writeGenericProviderConfig(home.configPath, issuer);
    await signInRefreshRestore(home, () => Date.now() + minutes * 60_000);
  });

  it.each([5, -5])("the provider's clock %i minutes off (tokens issued in Latchkey's future or past)", async (minutes) => {
    const home = await newHome();
    const running = startNodeChild(skewedProvider, ['serve', join(home.dir, 'skewed-provider'), String(minutes * 60)], { timeoutMs: 120_000 });
    defer(async () => {
      running.child.stdin.end();
      await running.result;
    });
    const port = Number((await running.waitForLine(/^listening \d+$/)).split(' ')[1]);
    await writeGenericProviderConfig(home.configPath, `http://127.0.0.1:${port}`);
    const key = await signInRefreshRestore(home, Date.now);
    // The provider really was off: its ID token is stamped about five minutes from the real time.
    expect(Math.abs((await idTokenIssuedAt(home, key)) - (Date.now() / 1000 + minutes * 60))).toBeLessThan(60);
  });
});

describe('the provider goes away while a refresh is due', () => {
  it('keeps the session (offline), then recovers by itself once the provider is back', async () => {
    const home = await newHome();
    const port = await freePort();
    const dataDir = join(home.dir, 'provider');
    // Access tokens of 4 s: the app refreshes about 3 s after sign-in (a fifth of the lifetime before expiry).
    let provider: DemoProvider | null = await localProvider(dataDir, port, 4);
    defer(async () => provider?.close());
    await writeGenericProviderConfig(home.configPath, `http://127.0.0.1:${port}`);
    const latchkey = await engine(home, { role: 'app' });
    await latchkey.restore();
    const key = (await latchkey.engine.signIn('local')).key;
    const first = (await vaultFor(home).get(key)) as TokenSet;

    await provider.close();
    provider = null;
    await waitUntil('the scheduled refresh has failed for lack of network', () => account(latchkey, key)?.connectivity === 'offline', 15_000);
    expect(account(latchkey, key)).toMatchObject({ signedIn: true });
    expect(await vaultFor(home).get(key)).toEqual(first);
    expect(await yamlRecord(home, key)).toMatchObject({ logged_in: true });

    provider = await localProvider(dataDir, port, 4);
    // The first retry comes 5 s after the failure.
    await waitUntil('the retried refresh has succeeded', () => account(latchkey, key)?.connectivity === 'online', 20_000);
    const recovered = account(latchkey, key) as AccountSummary;
    expect(recovered).toMatchObject({ signedIn: true, stale: false });
    const stored = (await vaultFor(home).get(key)) as TokenSet;
    expect(stored.accessToken).not.toBe(first.accessToken);
    expect(stored.refreshToken).toBeTruthy();
    expect(stored.refreshToken).not.toBe(first.refreshToken);
    const token = await latchkey.getAccessToken();
    expect(token).toBe(stored.accessToken);
    // The provider accepts the new access token (DPoP-bound: with a proof by the session's key).
    const configuration = await oidc.discovery(new URL(`http://127.0.0.1:${port}`), 'latchkey-desktop', undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    await expect(oidc.fetchUserInfo(configuration, token, recovered.subject, await proofOptions(configuration, stored))).resolves.toMatchObject({ sub: recovered.subject });

    // And it goes on refreshing on schedule.
    const lastRefresh = recovered.lastRefreshAt;
    await waitUntil('the next scheduled refresh', () => account(latchkey, key)?.lastRefreshAt !== lastRefresh, 10_000);
    const log = await events(home);
    expect(log.some((e) => e.kind === 'refresh' && e.outcome === 'error' && e.code === 'network')).toBe(true);
    expect(log.filter((e) => e.kind === 'sign_out')).toEqual([]);
  }, 90_000);
});
