/**
 * The cross-process lock, tested with real separate Node processes contending for one lock file.
 */
import { execFileSync } from 'node:child_process';
import { chown, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAuthError } from '../src/shared/errors';
import { withFileLock } from '../src/main/store/file-lock';
import { bundleForChild, runNodeChild, startNodeChild } from './helpers/bundle-for-child';

let child: string;
let dir: string;
let lockPath: string;

beforeAll(async () => {
  child = await bundleForChild('test/helpers/lock-child.ts');
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-lock-'));
  lockPath = join(dir, 'config.yaml.lock');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  return Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

describe('withFileLock across processes', () => {
  it('gives mutual exclusion to three processes incrementing one counter', async () => {
    const counter = join(dir, 'counter');
    const log = join(dir, 'log');
    const runs = await Promise.all([0, 1, 2].map(() => runNodeChild(child, ['count', lockPath, counter, log, '30'])));
    for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(await readFile(counter, 'utf8')).toBe('90');
    // No two holders overlapped: every "enter" is followed by the same process's "exit".
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(180);
    for (let i = 0; i < lines.length; i += 2) {
      const [pid, what] = (lines[i] as string).split(' ');
      expect(what).toBe('enter');
      expect(lines[i + 1]).toBe(`${pid} exit`);
    }
    expect(new Set(lines.map((line) => line.split(' ')[0])).size).toBe(3);
    expect(await exists(lockPath)).toBe(false);
  });

  it('takes over a lock file whose process is dead', async () => {
    await writeFile(lockPath, JSON.stringify({ pid: deadPid(), hostname: hostname(), createdAt: new Date().toISOString(), token: 'x' }));
    let ran = false;
    await withFileLock(
      lockPath,
      async () => {
        ran = true;
      },
      { timeoutMs: 5_000, staleMs: 60_000 },
    );
    expect(ran).toBe(true);
    expect(await exists(lockPath)).toBe(false);
  });

  it('recovers the lock of a process that crashed while holding it', async () => {
    const run = await runNodeChild(child, ['crash', lockPath]);
    expect(run.code).toBe(3);
    expect(await exists(lockPath)).toBe(true);
    const value = await withFileLock(lockPath, async () => 'mine', { timeoutMs: 5_000, staleMs: 60_000 });
    expect(value).toBe('mine');
  });

  it('takes over a lock untouched for longer than staleMs, even when its pid looks alive', async () => {
    // Another host's lock cannot be checked by pid: only its age tells.
    await writeFile(lockPath, JSON.stringify({ pid: process.pid, hostname: 'another-host.example', createdAt: '2020-01-01T00:00:00Z', token: 'x' }));
    const old = new Date(Date.now() - 120_000);
    await utimes(lockPath, old, old);
    await expect(withFileLock(lockPath, async () => 'taken', { timeoutMs: 5_000, staleMs: 60_000 })).resolves.toBe('taken');
  });

  it('waits for a live holder, times out naming the lock file, and never steals a lock that is kept fresh', async () => {
    // The holder keeps the lock well past staleMs: it must refresh it, or the waiter would take it over.
    const holder = startNodeChild(child, ['hold', lockPath, '400']);
    await holder.waitForLine(/^held$/);
    let ran = false;
    const attempt = withFileLock(
      lockPath,
      async () => {
        ran = true;
      },
      { timeoutMs: 1_500, staleMs: 400 },
    );
    const error = await attempt.then(
      () => null,
      (e: unknown) => e,
    );
    expect(ran).toBe(false);
    expect(isAuthError(error, 'internal')).toBe(true);
    expect((error as Error).message).toContain(lockPath);
    expect((error as Error).message).toContain(String(holder.child.pid));

    holder.child.stdin.end();
    const done = await holder.result;
    expect(done.stdout).toContain('released');
    await expect(withFileLock(lockPath, async () => 'after', { timeoutMs: 5_000 })).resolves.toBe('after');
  });
});

describe('lock files that are not ours', () => {
  /** A record naming a process that is certainly alive (this one), as a planted lock would. */
  const liveRecord = () => JSON.stringify({ pid: process.pid, hostname: hostname(), createdAt: new Date().toISOString(), token: 'planted' });

  it("refuses at once, with the file and the fix, a lock file of another user naming a live pid (neither waits nor removes it)", async (context) => {
    context.skip(process.getuid?.() !== 0, 'needs root: only root can hand a file to another user (chown)');
    await writeFile(lockPath, liveRecord(), { mode: 0o600 });
    await chown(lockPath, 65534, 65534);
    let ran = false;
    const started = Date.now();
    const error = await withFileLock(
      lockPath,
      async () => {
        ran = true;
      },
      { timeoutMs: 5_000 },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(ran).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(isAuthError(error, 'data_folder_unsafe')).toBe(true);
    expect((error as Error).message).toContain(`The lock file ${lockPath} belongs to another user (uid 65534)`);
    expect((error as { hint?: string }).hint).toBe(
      `If no Latchkey of that user is running, remove it (sudo rm ${lockPath}), then keep its folder private: chmod 700 ${dir}`,
    );
    expect(await exists(lockPath)).toBe(true);
  });

  it('refuses a lock file that is a symlink, without reading or touching its target', async () => {
    const target = join(dir, 'elsewhere');
    const record = liveRecord();
    await writeFile(target, record);
    await symlink(target, lockPath);
    const error = await withFileLock(lockPath, async () => 'ran', { timeoutMs: 5_000 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isAuthError(error, 'data_folder_unsafe')).toBe(true);
    expect((error as Error).message).toContain(`The lock file ${lockPath} is a symbolic link`);
    expect(await readFile(target, 'utf8')).toBe(record);
    expect(await exists(lockPath)).toBe(true);
  });
});

describe('withFileLock within one process', () => {
  it('queues concurrent callers on the same path in order, one at a time', async () => {
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((n) =>
        withFileLock(lockPath, async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((resolve) => setTimeout(resolve, 5));
          order.push(n);
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('releases the lock when the work fails, and passes the failure on', async () => {
    await expect(
      withFileLock(lockPath, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await exists(lockPath)).toBe(false);
    await expect(withFileLock(lockPath, async () => 1, { timeoutMs: 1_000 })).resolves.toBe(1);
  });
});
