/**
 * Sleep, resume and clock jumps: the desktop app's refresh timers stop while the machine sleeps, so after a
 * resume (or when a timer fires late) every account is re-checked. An access token that expired meanwhile is
 * refreshed at once, for every account; a provider that cannot be reached right after the resume keeps the
 * session (offline) and is retried with backoff until it answers, and nobody is signed out. The clock is the
 * engine's (`now`), moved forward as a sleep would.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../src/main/app';
import { startDemoProvider } from '../src/main/idp';
import { freePort, recordingFetch, tempHome, writeGenericProviderConfig, type TempHome } from './helpers/engine-fixture';
import { createBrowserOpener, type BrowserOpener } from './helpers/system-browser';
import { useCleanups, useSystemBrowser } from './helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

/**
 * The desktop app's engine (background refresh on) on `home`, with its requests through `fetch` and its clock
 * `offset()` ms ahead of this machine's (a sleep or a jump), restored and closed after the test.
 */
async function appEngine(home: TempHome, fetch: typeof globalThis.fetch, openBrowser: (url: string) => Promise<void>, offset: () => number): Promise<Latchkey> {
  const latchkey = await createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    openBrowser,
    fetch,
    now: () => Date.now() + offset(),
    embeddedProvider: false,
    role: 'app',
  });
  defer(() => latchkey.close());
  await latchkey.restore();
  return latchkey;
}

describe('re-check after a resume or a clock jump', () => {
  it('refreshes what expired while asleep, and keeps the session when the network is not back yet', async () => {
    const home = await tempHome();
    defer(home.cleanup);
    const port = await freePort();
    let provider = await startDemoProvider({ dataDir: join(home.dir, 'provider'), port, accessTokenTtlSeconds: 3600 });
    defer(() => provider.close());
    await writeGenericProviderConfig(home.configPath, `http://127.0.0.1:${port}`);
    let offset = 0;
    const recorder = recordingFetch();
    const opener = createBrowserOpener(systemBrowser(), { user: 'alice', consent: 'allow' });
    const latchkey = await appEngine(home, recorder.fetch, opener.openBrowser, () => offset);
    const account = await latchkey.engine.signIn('local');
    await opener.settled();

    // Awake: nothing is due, a re-check sends nothing.
    await latchkey.recheck();
    expect(recorder.refreshRequests()).toBe(0);

    // Two hours asleep and the provider unreachable at wake-up: offline, still signed in.
    offset = 2 * 3600_000;
    await provider.close();
    await latchkey.recheck();
    let state = latchkey.engine.getState().accounts.find((a) => a.key === account.key);
    expect(state).toMatchObject({ signedIn: true, connectivity: 'offline' });

    // The network is back: the next re-check refreshes, and the account is online with a fresh token.
    provider = await startDemoProvider({ dataDir: join(home.dir, 'provider'), port, accessTokenTtlSeconds: 3600 });
    await latchkey.recheck();
    state = latchkey.engine.getState().accounts.find((a) => a.key === account.key);
    expect(state).toMatchObject({ signedIn: true, connectivity: 'online', stale: false });
    // One attempt while the provider was down (it failed and was kept), one that worked.
    expect(recorder.refreshRequests()).toBe(2);
  });
});

/** An opener whose every page starts without the provider's session cookie: each sign-in asks who signs in. */
function freshOpener(user: 'alice' | 'bob'): BrowserOpener {
  return createBrowserOpener(
    {
      newPage: async () => {
        const page = await systemBrowser().newPage();
        await page.context().clearCookies();
        return page;
      },
    },
    { user, consent: 'allow' },
  );
}

describe('re-check: every account, retries, late timers', () => {
  it('after a resume refreshes every signed-in account that is due', async () => {
    const home = await tempHome();
    defer(home.cleanup);
    const port = await freePort();
    const provider = await startDemoProvider({ dataDir: join(home.dir, 'provider'), port, accessTokenTtlSeconds: 3600 });
    defer(() => provider.close());
    await writeGenericProviderConfig(home.configPath, `http://127.0.0.1:${port}`);
    let offset = 0;
    let user: 'alice' | 'bob' = 'alice';
    const openers = { alice: freshOpener('alice'), bob: freshOpener('bob') };
    const recorder = recordingFetch();
    const latchkey = await appEngine(home, recorder.fetch, (url) => openers[user].openBrowser(url), () => offset);
    const alice = await latchkey.engine.signIn('local');
    user = 'bob';
    const bob = await latchkey.engine.signIn('local');
    expect(bob.key).not.toBe(alice.key);

    offset = 2 * 3600_000;
    await latchkey.recheck();
    expect(recorder.refreshRequests()).toBe(2);
    for (const key of [alice.key, bob.key]) {
      expect(latchkey.engine.getState().accounts.find((a) => a.key === key)).toMatchObject({ signedIn: true, connectivity: 'online', stale: false });
    }
  });

  it('retries with backoff while the provider is down after a resume, signs nobody out, and refreshes once it is back', async () => {
    const home = await tempHome();
    defer(home.cleanup);
    const port = await freePort();
    let provider = await startDemoProvider({ dataDir: join(home.dir, 'provider'), port, accessTokenTtlSeconds: 3600 });
    defer(() => provider.close());
    await writeGenericProviderConfig(home.configPath, `http://127.0.0.1:${port}`);
    let offset = 0;
    const recorder = recordingFetch();
    const opener = freshOpener('alice');
    const latchkey = await appEngine(home, recorder.fetch, opener.openBrowser, () => offset);
    const account = await latchkey.engine.signIn('local');
    await opener.settled();
    const seen: Array<{ signedIn: boolean; connectivity: string }> = [];
    const unsubscribe = latchkey.engine.onStateChange((state) => {
      const now = state.accounts.find((a) => a.key === account.key);
      if (now) seen.push({ signedIn: now.signedIn, connectivity: now.connectivity });
    });
    defer(async () => unsubscribe());

    // Asleep for two hours; at wake-up the provider is down.
    offset = 2 * 3600_000;
    await provider.close();
    await latchkey.recheck();
    expect(latchkey.engine.getState().accounts.find((a) => a.key === account.key)).toMatchObject({ signedIn: true, connectivity: 'offline' });
    expect(recorder.refreshRequests()).toBe(1);

    // Back a moment later: the retry (5 s after the failure) refreshes, with nobody asking.
    provider = await startDemoProvider({ dataDir: join(home.dir, 'provider'), port, accessTokenTtlSeconds: 3600 });
    await expect
      .poll(() => latchkey.engine.getState().accounts.find((a) => a.key === account.key)?.connectivity, { timeout: 20_000, interval: 200 })
      .toBe('online');
    expect(latchkey.engine.getState().accounts.find((a) => a.key === account.key)).toMatchObject({ signedIn: true, stale: false });
    expect(recorder.refreshRequests()).toBe(2);
    // Signed in throughout: in every state announced, and on disk.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.signedIn)).toBe(true);
    expect(seen.some((s) => s.connectivity === 'offline')).toBe(true);
    const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials: { usernames: Record<string, { logged_in: boolean }> } };
    expect(doc.credentials.usernames[account.key]?.logged_in).toBe(true);
  });

  it('a timer that fires late by the clock (a sleep, a jump) re-checks every account, not only its own', async () => {
    const home = await tempHome();
    defer(home.cleanup);
    const [quickPort, slowPort] = [await freePort(), await freePort()];
    // Short-lived tokens at one provider (its refresh timer fires within seconds), hour-long ones at the other.
    const quick = await startDemoProvider({ dataDir: join(home.dir, 'quick'), port: quickPort, accessTokenTtlSeconds: 10 });
    defer(() => quick.close());
    const slow = await startDemoProvider({ dataDir: join(home.dir, 'slow'), port: slowPort, accessTokenTtlSeconds: 3600 });
    defer(() => slow.close());
    await writeFile(
      home.configPath,
      `session:\n  expiry_days: 30\nproviders:\n  quick:\n    label: Quick\n    issuer: http://127.0.0.1:${quickPort}\n    client_id: latchkey-desktop\n  slow:\n    label: Slow\n    issuer: http://127.0.0.1:${slowPort}\n    client_id: latchkey-desktop\ncredentials:\n  usernames: {}\n`,
      { mode: 0o600 },
    );
    let offset = 0;
    const recorder = recordingFetch();
    const opener = freshOpener('alice');
    const latchkey = await appEngine(home, recorder.fetch, opener.openBrowser, () => offset);
    const slowAccount = await latchkey.engine.signIn('slow');
    const quickAccount = await latchkey.engine.signIn('quick');
    await opener.settled();
    const slowRefreshes = (): number => recorder.requests.filter((r) => r.grantType === 'refresh_token' && r.url.startsWith(`http://127.0.0.1:${slowPort}/`) && !r.nonceChallenge).length;

    // The clock moves two hours on while the quick account's timer (due in about 8 s) is pending: when it fires
    // it is two hours late, which only a sleep or a clock jump explains.
    offset = 2 * 3600_000;
    await expect.poll(slowRefreshes, { timeout: 30_000, interval: 200 }).toBe(1);
    for (const key of [slowAccount.key, quickAccount.key]) {
      await expect
        .poll(() => latchkey.engine.getState().accounts.find((a) => a.key === key), { timeout: 10_000 })
        .toMatchObject({ signedIn: true, connectivity: 'online', stale: false });
    }
  });
});
