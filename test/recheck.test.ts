/**
 * Sleep, resume and clock jumps: the desktop app's refresh timers stop while the machine sleeps, so after a
 * resume (or when a timer fires late) every account is re-checked. An access token that expired meanwhile is
 * refreshed at once; a provider that cannot be reached right after the resume keeps the session (offline),
 * and nobody is signed out.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLatchkey } from '../src/main/app';
import { startDemoProvider } from '../src/main/idp';
import { freePort, recordingFetch, tempHome, writeGenericProviderConfig } from './helpers/engine-fixture';
import { createBrowserOpener } from './helpers/system-browser';
import { useCleanups, useSystemBrowser } from './helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

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
    const latchkey = await createLatchkey({
      configPath: home.configPath,
      keychainService: home.keychainService,
      openBrowser: opener.openBrowser,
      fetch: recorder.fetch,
      now: () => Date.now() + offset,
      embeddedProvider: false,
      role: 'app',
    });
    defer(() => latchkey.close());
    await latchkey.restore();
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
