/**
 * Latchkey's files hold personal data (config.yaml), sealed tokens (secrets/), the demo provider's signing
 * keys and grants, and the auth-event log: on POSIX every file it creates must be 0600 and every folder 0700,
 * whatever the umask. The test runs with umask 0, so a file that relies on the umask for its privacy shows up
 * as 0666 (or a folder as 0777).
 *
 * Driven through the real modules: a whole sign-in, refresh and sign-out with the embedded demo provider,
 * Chromium as the system browser and the (private) keychain; then the lock and event-log paths directly.
 */
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey } from '../../src/main/app';
import { AuthEventLog } from '../../src/main/auth/event-log';
import { withFileLock } from '../../src/main/store/file-lock';
import { createBrowserOpener, launchSystemBrowser } from '../helpers/system-browser';

const POSIX = process.platform !== 'win32';

type Browser = Awaited<ReturnType<typeof launchSystemBrowser>>;
let browser: Browser | undefined;
let root: string;
let savedUmask: number;

beforeAll(async () => {
  if (!POSIX) return;
  // Launched before the umask changes: the browser's own files are not Latchkey's business.
  browser = await launchSystemBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.().catch(() => undefined);
});

/** Runs `fn` with umask 0, the least forgiving setting: only explicit modes keep files private. */
async function withUmaskZero<T>(fn: () => Promise<T>): Promise<T> {
  savedUmask = process.umask(0);
  try {
    return await fn();
  } finally {
    process.umask(savedUmask);
  }
}

interface Entry {
  path: string;
  mode: number;
  dir: boolean;
}

async function walk(dir: string): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const info = await stat(path);
    out.push({ path, mode: info.mode & 0o777, dir: info.isDirectory() });
    if (info.isDirectory()) out.push(...(await walk(path)));
  }
  return out;
}

/** Every entry that is not 0600 (files) or 0700 (folders), as `relative/path 0644`. */
function wrongModes(entries: Entry[], base: string): string[] {
  return entries
    .filter((entry) => entry.mode !== (entry.dir ? 0o700 : 0o600))
    .map((entry) => `${relative(base, entry.path) || '.'}${entry.dir ? '/' : ''} ${entry.mode.toString(8).padStart(4, '0')}`);
}

describe.skipIf(!POSIX)('file modes (POSIX, umask 0)', () => {
  it('everything a sign-in, refresh and sign-out creates is 0600, every folder 0700', async () => {
    root = await mkdtemp(join(tmpdir(), 'latchkey-modes-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    // Folders that do not exist yet: Latchkey creates the whole chain.
    const base = join(root, 'home', '.config');
    const dataDir = join(base, 'Latchkey');
    const configPath = join(dataDir, 'config.yaml');
    const opener = createBrowserOpener(browser as Browser, { user: 'alice', consent: 'allow' });

    await withUmaskZero(async () => {
      const latchkey = await createLatchkey({
        configPath,
        keychainService: `latchkey-test-${randomBytes(6).toString('hex')}`,
        openBrowser: opener.openBrowser,
        embeddedProvider: { port: 0 },
        role: 'cli',
      });
      cleanups.push(() => latchkey.close());
      await latchkey.restore();
      const account = await latchkey.engine.signIn('demo');
      await opener.settled();
      expect(opener.failures).toEqual([]);
      await latchkey.engine.refreshNow(account.key);
      expect((await latchkey.engine.recentEvents(5)).length).toBeGreaterThan(0);

      const signedIn = await walk(root);
      const names = signedIn.map((entry) => relative(dataDir, entry.path));
      // The files this test is about really exist.
      expect(names).toContain('config.yaml');
      expect(names).toContain('auth-events.jsonl');
      expect(names).toContain('locks');
      expect(names.filter((name) => /^secrets\/[0-9a-f]{64}\.bin$/.test(name))).toHaveLength(1);
      expect(names.filter((name) => name.startsWith('demo-provider/')).length).toBeGreaterThan(0);
      expect(wrongModes(signedIn, root)).toEqual([]);

      await latchkey.engine.signOut({ accountKey: account.key });
      await latchkey.close();
      expect(wrongModes(await walk(root), root)).toEqual([]);
    });
  });

  it('replaces a config.yaml that an editor left world-readable with a private one on the next write', async () => {
    root = await mkdtemp(join(tmpdir(), 'latchkey-modes-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const configPath = join(root, 'config.yaml');
    await writeFile(configPath, 'session:\n  expiry_days: 30\nproviders:\n  demo:\n    label: Demo\n    embedded: true\n');
    await chmod(configPath, 0o644);
    const opener = createBrowserOpener(browser as Browser, { user: 'bob', consent: 'allow' });

    await withUmaskZero(async () => {
      const latchkey = await createLatchkey({
        configPath,
        keychainService: `latchkey-test-${randomBytes(6).toString('hex')}`,
        openBrowser: opener.openBrowser,
        embeddedProvider: { port: 0 },
        role: 'cli',
      });
      cleanups.push(() => latchkey.close());
      await latchkey.restore();
      await latchkey.engine.signIn('demo');
      await latchkey.close();
    });
    expect(((await stat(configPath)).mode & 0o777).toString(8)).toBe('600');
  });

  it('creates lock files 0600 in a 0700 folder, and keeps the event log 0600 when it rotates', async () => {
    root = await mkdtemp(join(tmpdir(), 'latchkey-modes-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await withUmaskZero(async () => {
      const lockPath = join(root, 'new-folder', 'locks', 'refresh-test.lock');
      const seen = await withFileLock(lockPath, async () => (await stat(lockPath)).mode & 0o777);
      expect(seen.toString(8)).toBe('600');
      expect(wrongModes(await walk(join(root, 'new-folder')), root)).toEqual([]);

      const logPath = join(root, 'auth-events.jsonl');
      const log = new AuthEventLog({ path: logPath, maxBytes: 400 });
      for (let i = 0; i < 30; i += 1) await log.record({ kind: 'refresh', outcome: 'ok', accountKey: `demo:user-${i}` });
      const kept = await log.recent(100);
      // It did rotate (older half dropped), and the rotated file is as private as the first one.
      expect(kept.length).toBeLessThan(30);
      expect(((await stat(logPath)).mode & 0o777).toString(8)).toBe('600');
      expect(wrongModes(await walk(root), root)).toEqual([]);
    });
  });
});
