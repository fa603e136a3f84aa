/**
 * The auth-event log with real files: it never writes (or reads) through a symlink or a FIFO planted in its
 * place or at a guessable temp name, and recent() hands out only well-formed events, skipping and counting
 * the rest instead of passing `null` or `{"kind":5}` on to the renderer.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthEventLog, EVENT_FIELD_LIMITS } from '../src/main/auth/event-log';

const POSIX = process.platform !== 'win32';

let dir: string;
let logPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-events-'));
  logPath = join(dir, 'auth-events.jsonl');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const VALID = { at: '2026-01-02T03:04:05.000Z', kind: 'refresh', outcome: 'ok', accountKey: 'demo-alice' } as const;

describe('AuthEventLog.recent() validates every line', () => {
  it('skips and counts lines that are not events, never throws, and returns the valid ones newest first', async () => {
    const lines = [
      JSON.stringify({ ...VALID, detail: 'first' }),
      'null',
      '{"kind":5}',
      '[]',
      '"just text"',
      '42',
      '{"at":"not a date","kind":"refresh","outcome":"ok"}',
      JSON.stringify({ ...VALID, kind: 'explode' }),
      JSON.stringify({ ...VALID, outcome: 'maybe' }),
      JSON.stringify({ ...VALID, accountKey: 7 }),
      JSON.stringify({ ...VALID, detail: 'x'.repeat(EVENT_FIELD_LIMITS.detail + 1) }),
      '{"at": torn by a cr',
      JSON.stringify({ ...VALID, kind: 'sign_out', detail: 'last', extra: { nested: true } }),
    ];
    await writeFile(logPath, `${lines.join('\n')}\n`, { mode: 0o600 });
    const logged: string[] = [];
    const log = new AuthEventLog({ path: logPath, log: (line) => logged.push(line) });

    const events = await log.recent(50);
    expect(events).toEqual([
      { ...VALID, kind: 'sign_out', detail: 'last' },
      { ...VALID, detail: 'first' },
    ]);
    expect(log.skippedLines).toBe(11);
    expect(logged).toEqual(['auth-event log: skipped 11 line(s) that are not valid events']);
  });

  it('clips what it records to the bounds recent() accepts, so its own lines always read back', async () => {
    const log = new AuthEventLog({ path: logPath });
    await log.record({ kind: 'failure', outcome: 'error', code: 'c'.repeat(500), detail: 'd'.repeat(50_000), accountKey: 'k'.repeat(5_000) });
    const [event] = await log.recent();
    expect(event?.detail).toHaveLength(EVENT_FIELD_LIMITS.detail);
    expect(event?.code).toHaveLength(EVENT_FIELD_LIMITS.code);
    expect(event?.accountKey).toHaveLength(EVENT_FIELD_LIMITS.accountKey);
    expect(log.skippedLines).toBe(0);
  });

  it('answers [] for a missing log', async () => {
    await expect(new AuthEventLog({ path: logPath }).recent()).resolves.toEqual([]);
  });
});

describe.skipIf(!POSIX)('AuthEventLog and planted files (POSIX)', () => {
  it('does not append through a symlink planted as auth-events.jsonl, nor read its target', async () => {
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, `${JSON.stringify(VALID)}\n`);
    await symlink(victim, logPath);
    const log = new AuthEventLog({ path: logPath });
    await log.record({ kind: 'sign_in', outcome: 'ok', accountKey: 'demo-alice' });
    expect(await readFile(victim, 'utf8')).toBe(`${JSON.stringify(VALID)}\n`);
    expect(await log.recent()).toEqual([]);
  });

  it('rotates through the atomic writer: a symlink at the old predictable temp name is not written through', async () => {
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'keep me\n');
    // Where the log used to write its rotated copy: `<log>.<pid>.tmp`.
    await symlink(victim, `${logPath}.${process.pid}.tmp`);
    const log = new AuthEventLog({ path: logPath, maxBytes: 400 });
    for (let i = 0; i < 30; i += 1) await log.record({ kind: 'refresh', outcome: 'ok', accountKey: `demo:user-${i}` });
    const kept = await log.recent(100);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(30);
    expect(await readFile(victim, 'utf8')).toBe('keep me\n');
    expect((await stat(logPath)).mode & 0o777).toBe(0o600);
    // No temp file of the rotation is left behind (only the planted link).
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([`auth-events.jsonl.${process.pid}.tmp`]);
  });

  it('does not hang on a FIFO planted as auth-events.jsonl', async (context) => {
    try {
      execFileSync('mkfifo', [logPath]);
    } catch {
      context.skip('mkfifo is not available');
    }
    const log = new AuthEventLog({ path: logPath });
    await log.record({ kind: 'sign_in', outcome: 'ok' });
    await expect(log.recent()).resolves.toEqual([]);
  }, 5_000);
});
