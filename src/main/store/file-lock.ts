/**
 * A cross-process mutex backed by a lock file.
 *
 * The desktop app and any number of `latchkey` CLI processes share one config.yaml and one keychain. A
 * read-modify-write of the config by two of them at once would lose one side's change (the
 * "config write-backs racing each other" failure Latchkey exists to avoid), so every write runs under
 * this lock.
 *
 * How it works: the lock is a file that records pid, hostname, time and a random token, put in place with
 * `link()` (atomic create-if-absent, with the record already in it: see tryCreate). A lock is considered
 * abandoned, and is recovered, when its owner runs on this host and is dead, or when the file has not been
 * touched for `staleMs` (the holder refreshes the file's mtime while it works, so long work is not mistaken
 * for a crash). Recovery happens under a second, short-lived guard file so that two waiters that both saw
 * the same abandoned lock cannot delete a fresh lock that one of them has just created.
 *
 * Inside one process, calls on the same path queue on a promise chain first, so they neither poll against
 * each other nor depend on the file for ordering. The lock is not reentrant: calling withFileLock on the
 * same path from inside `fn` waits forever.
 *
 * A lock file that belongs to another user (POSIX) is refused at once with `data_folder_unsafe`, neither
 * waited on nor removed. Its record cannot be trusted (anyone who could put it there chose its pid, and a
 * live pid of any process keeps it "alive"), so waiting would only time out on every write; and removing it
 * is not safe either: outside a private folder another user can plant a fresh one at any moment, and inside
 * one (a 0700 folder of ours) only root can have made it, e.g. a `sudo latchkey` run that may still be
 * holding it. A person can tell which it is; the error names the file and how to remove it.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { AuthError } from '../../shared/errors';
import { removeDeadTempFiles } from './atomic-write';
import { shellQuote as quote } from './shell-quote';
import { errnoCode } from './errno';
import { KeyedQueue } from './keyed-queue';

export interface FileLockOptions {
  /** How long to wait for another holder before giving up (default 15 s). */
  timeoutMs?: number;
  /** Age (since the holder last touched the file) after which a lock counts as abandoned (default 30 s). */
  staleMs?: number;
}

/** Long enough for a slow disk under a busy CLI, short enough that a stuck holder is reported, not waited on forever. */
export const DEFAULT_LOCK_TIMEOUT_MS = 15_000;
/** No config or keychain write takes this long; a lock untouched for longer was abandoned. */
export const DEFAULT_LOCK_STALE_MS = 30_000;

/** What a lock file says about its holder. Nothing secret: shown in timeout messages. */
export interface LockRecord {
  pid: number;
  hostname: string;
  createdAt: string;
  /** Random per acquisition, so a holder never deletes a lock that someone else has taken over. */
  token: string;
}

interface Inspection {
  record: LockRecord | null;
  /** Identifies one incarnation of the lock file (inode + token), to re-check it under the guard. */
  identity: string;
  stale: boolean;
}

const inProcess = new KeyedQueue();

/**
 * Runs `fn` while holding the cross-process lock at `lockPath`, and releases the lock afterwards whatever
 * `fn` does. Rejects with `AuthError('internal')` naming the lock file when the lock cannot be taken
 * within `timeoutMs`.
 */
export function withFileLock<T>(lockPath: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const resolved = path.resolve(lockPath);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const staleMs = opts.staleMs ?? DEFAULT_LOCK_STALE_MS;
  return inProcess.run(resolved, async () => {
    const release = await acquire(resolved, timeoutMs, staleMs);
    try {
      return await fn();
    } finally {
      await release();
    }
  });
}

async function acquire(lockPath: string, timeoutMs: number, staleMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  const token = randomBytes(16).toString('hex');
  let delayMs = 4;
  let lastHolder: LockRecord | null = null;
  for (;;) {
    if (await tryCreate(lockPath, token)) return startHolding(lockPath, token, staleMs);
    const seen = await inspect(lockPath, staleMs);
    if (seen === null) continue; // released between our attempt and the look: try again at once
    lastHolder = seen.record ?? lastHolder;
    if (seen.stale) await recover(lockPath, seen, staleMs);
    if (Date.now() >= deadline) throw timeoutError(lockPath, timeoutMs, lastHolder);
    if (seen.stale) continue;
    // Jittered exponential backoff: waiters of different processes spread out instead of polling in step.
    await sleep(Math.min(delayMs * (0.5 + Math.random()), Math.max(0, deadline - Date.now()) + 1));
    delayMs = Math.min(delayMs * 2, 100);
  }
}

/** Filesystems without hard links (FAT, some network shares) answer link() with one of these. */
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * Atomically creates the lock file, record included; false if it already exists.
 *
 * The record is written to a private temp file first and hard-linked into place (link() fails with EEXIST
 * like an exclusive create). So the lock file never exists without its record: a process killed between
 * creating the file and writing it would otherwise leave an empty lock that no one can tell from one being
 * written, and that only ages out after `staleMs`.
 */
async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  const record: LockRecord = { pid: process.pid, hostname: hostname(), createdAt: new Date().toISOString(), token };
  const text = JSON.stringify(record);
  // Hidden, like the atomic writer's temp files: the config lock lives next to config.yaml.
  // Named like the atomic writer's temp files (pid included), so one killed mid-lock is cleaned up with them.
  const temp = path.join(path.dirname(lockPath), `.${path.basename(lockPath)}.${process.pid}.${token.slice(0, 12)}.tmp`);
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
      try {
        await link(temp, lockPath);
        return true;
      } catch (error) {
        const code = errnoCode(error);
        if (code === 'EEXIST') return false;
        if (code !== undefined && LINK_UNSUPPORTED.has(code)) return await createInPlace(lockPath, text);
        throw error;
      } finally {
        await rm(temp, { force: true });
      }
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' && attempt === 0) {
        await mkdir(path.dirname(lockPath), { recursive: true, mode: 0o700 });
        continue;
      }
      if (error instanceof AuthError) throw error;
      throw new AuthError('internal', `Cannot create the lock file ${lockPath} (${code ?? 'unknown error'})`, { cause: error });
    }
  }
}

/** Where hard links are not available: exclusive create, then write (a crash in between leaves an empty lock). */
async function createInPlace(lockPath: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx', 0o600);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  return true;
}

/** Reads the current lock file; null if there is none. */
async function inspect(lockPath: string, staleMs: number): Promise<Inspection | null> {
  let mtimeMs: number;
  let ino: number;
  let text: string;
  try {
    const info = await lstat(lockPath);
    if (!isOurs(info)) throw foreignLockError(lockPath, info.uid, info.isSymbolicLink());
    mtimeMs = info.mtimeMs;
    ino = info.ino;
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    if (error instanceof AuthError) throw error;
    if (errnoCode(error) === 'ENOENT') return null;
    throw new AuthError('internal', `Cannot read the lock file ${lockPath} (${errnoCode(error) ?? 'unknown error'})`, { cause: error });
  }
  // An unparseable record is a holder that has created the file but not yet written it (or crashed in
  // between): only its age can tell which.
  const record = parseRecord(text);
  const ownerDead = record !== null && record.hostname === hostname() && !isProcessAlive(record.pid);
  const tooOld = Date.now() - mtimeMs > staleMs;
  return { record, identity: `${ino}:${record?.token ?? ''}`, stale: ownerDead || tooOld };
}

/**
 * Removes an abandoned lock, but only if it is still the very lock that was found abandoned: the check and
 * the removal happen under an exclusive guard file, so a waiter that looked a moment too late cannot
 * delete the fresh lock another waiter has just created.
 */
async function recover(lockPath: string, seen: Inspection, staleMs: number): Promise<void> {
  const guard = `${lockPath}.recover`;
  try {
    await (await open(guard, 'wx', 0o600)).close();
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw new AuthError('internal', `Cannot create ${guard}`, { cause: error });
    // Someone else is recovering. A guard that stays around means its creator died mid-recovery (a few
    // milliseconds of work), so it may be removed after a while.
    const info = await stat(guard).catch(() => null);
    if (info !== null && Date.now() - info.mtimeMs > Math.min(staleMs, 10_000)) await rm(guard, { force: true });
    else await sleep(2 + Math.random() * 8);
    return;
  }
  try {
    const again = await inspect(lockPath, staleMs);
    if (again !== null && again.stale && again.identity === seen.identity) {
      await rm(lockPath, { force: true });
      // Its owner died: it may also have left a half-made lock record behind.
      await removeDeadTempFiles(path.dirname(lockPath));
    }
  } finally {
    await rm(guard, { force: true });
  }
}

/** Keeps the lock fresh while `fn` runs and returns the function that releases it. */
function startHolding(lockPath: string, token: string, staleMs: number): () => Promise<void> {
  const refresh = setInterval(
    () => {
      const now = new Date();
      utimes(lockPath, now, now).catch(() => undefined);
    },
    Math.max(Math.floor(staleMs / 3), 20),
  );
  // Holding a lock must not by itself keep a CLI process alive.
  refresh.unref();
  return async () => {
    clearInterval(refresh);
    const current = parseRecord(await readFile(lockPath, 'utf8').catch(() => ''));
    // If the lock was taken over (we stalled past staleMs), the file is someone else's now: leave it.
    if (current?.token === token) await rm(lockPath, { force: true });
  };
}

function parseRecord(text: string): LockRecord | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const { pid, hostname: host, createdAt, token } = value as Record<string, unknown>;
    if (typeof pid !== 'number' || typeof host !== 'string' || typeof createdAt !== 'string' || typeof token !== 'string') {
      return null;
    }
    return { pid, hostname: host, createdAt, token };
  } catch {
    return null;
  }
}

/** Signal 0 checks existence only. EPERM means the process exists but belongs to someone else. */
function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) !== 'ESRCH';
  }
}

/** A lock file this process may judge: a plain file of this user. Without uids (Windows) every file is. */
function isOurs(info: { uid: number; isSymbolicLink(): boolean }): boolean {
  const uid = process.getuid?.();
  return !info.isSymbolicLink() && (uid === undefined || info.uid === uid);
}

function foreignLockError(lockPath: string, owner: number, symlink: boolean): AuthError {
  const what = symlink ? 'is a symbolic link' : `belongs to another user (uid ${owner})`;
  const remove = symlink ? `Remove it (rm ${quote(lockPath)})` : `If no Latchkey of that user is running, remove it (sudo rm ${quote(lockPath)})`;
  return new AuthError('data_folder_unsafe', `The lock file ${lockPath} ${what}; Latchkey neither waits on nor removes a lock that is not its own.`, {
    hint: `${remove}, then keep its folder private: chmod 700 ${quote(path.dirname(lockPath))}`,
  });
}

function timeoutError(lockPath: string, timeoutMs: number, holder: LockRecord | null): AuthError {
  const by = holder === null ? '' : ` (held by process ${holder.pid} on ${holder.hostname} since ${holder.createdAt})`;
  return new AuthError('internal', `Timed out after ${timeoutMs} ms waiting for the lock file ${lockPath}${by}`, {
    hint: `Another Latchkey process is working with the same files. If none is running, delete ${lockPath}.`,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
