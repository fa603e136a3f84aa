/**
 * Several Latchkey processes on one config.yaml and one keychain service at the same time: the app plus any
 * number of `latchkey` commands. The provider rotates refresh tokens with reuse detection (presenting a spent
 * refresh token fails with invalid_grant AND revokes the whole grant), so a single double-spent refresh token
 * shows up as an invalid_grant and a signed-out account.
 *
 * Each child process is a real engine (test/helpers/engine-child.ts); the provider runs in this process on a
 * fixed port and is reached as a generic OpenID Connect provider.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey } from '../../src/main/app';
import { startDemoProvider, type DemoProvider } from '../../src/main/idp';
import { ConfigStore } from '../../src/main/store/config';
import { SecretVault } from '../../src/main/store/secrets';
import type { AuthEvent } from '../../src/shared/session';
import { bundleForChild, startNodeChild, type ChildResult } from '../helpers/bundle-for-child';
import type { ChildReport } from '../helpers/engine-child';
import { freePort, recordingFetch, tempHome, writeGenericProviderConfig, type TempHome } from '../helpers/engine-fixture';
import { createBrowserOpener, launchSystemBrowser } from '../helpers/system-browser';

/**
 * Forced refreshes per process. `LATCHKEY_FULL_HARDENING=1` (npm run test:hardening) runs the full 100; the
 * default keeps `npm test` fast while still interleaving dozens of refreshes across processes.
 */
const FULL = process.env.LATCHKEY_FULL_HARDENING === '1';
const ROUNDS = FULL ? 100 : 25;
const PROCESSES = 3;
/** Config updates per process in the record test. */
const RECORD_ROUNDS = FULL ? 150 : 40;

let child: string;
let provider: DemoProvider | null = null;
let providerHome: TempHome;
let issuer: string;

beforeAll(async () => {
  child = await bundleForChild('test/helpers/engine-child.ts');
  providerHome = await tempHome();
  const port = await freePort();
  provider = await startDemoProvider({ dataDir: join(providerHome.dir, 'provider'), port });
  issuer = `http://127.0.0.1:${port}`;
}, 120_000);

afterAll(async () => {
  await provider?.close();
  await providerHome?.cleanup();
});

interface RunningChild {
  ready: Promise<string>;
  go(): void;
  done: Promise<ChildResult>;
}

function start(args: string[], timeoutMs: number): RunningChild {
  const running = startNodeChild(child, args, { timeoutMs });
  return {
    ready: running.waitForLine(/^ready$/),
    go: () => running.child.stdin.write('go\n'),
    done: running.result,
  };
}

/** Starts the children, releases them together once all are ready, and returns their reports. */
async function runTogether(argsList: string[][], timeoutMs: number): Promise<ChildReport[]> {
  const children = argsList.map((args) => start(args, timeoutMs));
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  const results = await Promise.all(children.map((c) => c.done));
  return results.map((result) => {
    expect(result, `child failed: ${result.stderr}`).toMatchObject({ code: 0 });
    const line = result.stdout.split('\n').find((l) => l.startsWith('{"result"'));
    expect(line, result.stderr).toBeDefined();
    return (JSON.parse(line as string) as { result: ChildReport }).result;
  });
}

async function readEvents(home: TempHome): Promise<AuthEvent[]> {
  const text = await readFile(join(home.dir, 'auth-events.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuthEvent);
}

async function readRecords(home: TempHome): Promise<Record<string, Record<string, unknown>>> {
  const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials?: { usernames?: Record<string, Record<string, unknown>> } };
  return doc.credentials?.usernames ?? {};
}

describe('forced refreshes of one account from several processes at once', () => {
  let home: TempHome;
  let accountKey: string;

  beforeAll(async () => {
    home = await tempHome();
    await writeGenericProviderConfig(home.configPath, issuer);
    const browser = await launchSystemBrowser();
    try {
      const latchkey = await createLatchkey({
        configPath: home.configPath,
        keychainService: home.keychainService,
        openBrowser: createBrowserOpener(browser, { user: 'alice' }).openBrowser,
        role: 'cli',
        embeddedProvider: false,
      });
      await latchkey.restore();
      accountKey = (await latchkey.engine.signIn('local')).key;
      await latchkey.close();
    } finally {
      await browser.close();
    }
  }, 120_000);
  afterAll(async () => {
    await home?.cleanup();
  });

  it(`${PROCESSES} processes × ${ROUNDS} rounds: no refresh token is ever spent twice, nobody is signed out`, async () => {
    const before = await new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') }).get(accountKey);
    const startedAt = Date.now();
    const reports = await runTogether(
      Array.from({ length: PROCESSES }, () => ['refresh', home.configPath, home.keychainService, String(ROUNDS), accountKey]),
      FULL ? 600_000 : 120_000,
    );
    const seconds = (Date.now() - startedAt) / 1000;

    const grants = reports.reduce((sum, r) => sum + r.refreshRequests, 0);
    console.log(
      `cross-process refresh: ${PROCESSES} processes × ${ROUNDS} rounds in ${seconds.toFixed(1)} s; ` +
        `${grants} grants sent, ${PROCESSES * ROUNDS - grants} rounds adopted another process's refresh; ` +
        `errors ${JSON.stringify(reports.map((r) => r.errors))}`,
    );
    for (const report of reports) {
      expect(report.errors).toEqual({});
      expect(report.ok).toBe(ROUNDS);
      expect(report.signOuts).toBe(0);
      expect(report.signedInAtEnd).toBe(true);
    }
    // The refreshes really interleaved: more than one process sent grants, and the provider rotated every time.
    expect(reports.filter((r) => r.refreshRequests > 0).length).toBeGreaterThan(1);
    expect(grants).toBeGreaterThanOrEqual(ROUNDS);

    const events = await readEvents(home);
    expect(events.filter((e) => e.kind === 'sign_out')).toEqual([]);
    expect(events.filter((e) => e.outcome === 'error')).toEqual([]);
    expect(events.filter((e) => e.kind === 'refresh' && e.outcome === 'ok')).toHaveLength(grants);
    expect((await readRecords(home))[accountKey]).toMatchObject({ logged_in: true });

    // Still signed in for a new process, and the stored refresh token is the live one: one more grant works.
    const recorder = recordingFetch();
    const latchkey = await createLatchkey({
      configPath: home.configPath,
      keychainService: home.keychainService,
      openBrowser: async () => undefined,
      role: 'cli',
      embeddedProvider: false,
      fetch: recorder.fetch,
    });
    try {
      const state = await latchkey.restore();
      expect(state.accounts.find((a) => a.key === accountKey)).toMatchObject({ signedIn: true });
      const summary = await latchkey.engine.refreshNow(accountKey);
      expect(summary).toMatchObject({ signedIn: true, connectivity: 'online' });
      expect(recorder.refreshRequests()).toBe(1);
      const after = await new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') }).get(accountKey);
      expect(after?.refreshToken).toBeTruthy();
      expect(after?.refreshToken).not.toBe(before?.refreshToken);
      expect(await latchkey.getAccessToken(accountKey)).toBe(after?.accessToken);
    } finally {
      await latchkey.close();
    }
  }, 660_000);
});

describe('different accounts written by different processes at once', () => {
  it('alice signs in in one process and bob in another, both refreshing: both records and sessions survive', async () => {
    const home = await tempHome();
    try {
      await writeGenericProviderConfig(home.configPath, issuer);
      const rounds = Math.ceil(ROUNDS / 2);
      const reports = await runTogether(
        (['alice', 'bob'] as const).map((user) => ['sign-in', home.configPath, home.keychainService, user, String(rounds)]),
        FULL ? 300_000 : 120_000,
      );
      const keys = reports.map((r) => r.accountKey as string);
      expect(new Set(keys).size).toBe(2);
      for (const report of reports) {
        expect(report.errors).toEqual({});
        expect(report.ok).toBe(rounds);
        expect(report.signOuts).toBe(0);
        expect(report.signedInAtEnd).toBe(true);
        expect(report.refreshRequests).toBe(rounds);
      }

      const records = await readRecords(home);
      expect(Object.keys(records).sort()).toEqual([...keys].sort());
      for (const key of keys) {
        expect(records[key]).toMatchObject({ logged_in: true, provider: 'local' });
        expect(Number.isNaN(Date.parse(String(records[key]?.last_refresh)))).toBe(false);
      }
      expect(records[keys[0] as string]?.name).not.toBe(records[keys[1] as string]?.name);

      const latchkey = await createLatchkey({
        configPath: home.configPath,
        keychainService: home.keychainService,
        openBrowser: async () => undefined,
        role: 'cli',
        embeddedProvider: false,
      });
      try {
        const state = await latchkey.restore();
        for (const key of keys) expect(state.accounts.find((a) => a.key === key)).toMatchObject({ signedIn: true });
        for (const key of keys) await expect(latchkey.engine.refreshNow(key)).resolves.toMatchObject({ signedIn: true });
      } finally {
        await latchkey.close();
      }
    } finally {
      await home.cleanup();
    }
  }, 360_000);

  it(`two processes × ${RECORD_ROUNDS} config updates of their own records: every record is there afterwards`, async () => {
    const home = await tempHome();
    try {
      await writeGenericProviderConfig(home.configPath, issuer);
      const prefixes = ['left', 'right'];
      const reports = await runTogether(
        prefixes.map((prefix) => ['records', home.configPath, prefix, String(RECORD_ROUNDS)]),
        FULL ? 300_000 : 120_000,
      );
      for (const report of reports) expect(report).toMatchObject({ ok: RECORD_ROUNDS, errors: {} });

      const config = await new ConfigStore({ path: home.configPath }).load();
      const usernames = config.credentials.usernames;
      expect(Object.keys(usernames)).toHaveLength(prefixes.length * (RECORD_ROUNDS + 1));
      for (const prefix of prefixes) {
        for (let i = 0; i < RECORD_ROUNDS; i++) expect(usernames[`${prefix}-${i}`]?.name, `${prefix}-${i}`).toBe(`${prefix} ${i}`);
        expect(usernames[`${prefix}-counter`]?.name).toBe(`counter ${RECORD_ROUNDS - 1}`);
      }
    } finally {
      await home.cleanup();
    }
  }, 360_000);
});
