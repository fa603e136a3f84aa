/**
 * Crash-safe file replacement: readers (other Latchkey processes, the person's editor) see either the old
 * file or the new one, never a half-written one, and a power cut right after a sign-in does not lose it.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from './errno';

/**
 * The temp files this module makes: `.<name>.<pid>.<12 hex>.tmp`. The pid says whose it is, so leftovers of
 * a process that was killed mid-write can be told apart from a write in progress.
 */
const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

export interface AtomicWriteOptions {
  /**
   * Look for temp files of killed writers afterwards (default true): one readdir of the folder per write. A
   * writer that holds a lock file for the target may skip it: a writer killed mid-write also left that lock,
   * and whoever takes the lock over next removes its temp files (file-lock.ts).
   */
  removeDeadTempFiles?: boolean;
}

/**
 * Writes `data` to a temp file in the target's folder (same filesystem, so the rename is atomic) with
 * `mode`, fsyncs it, renames it over `target`, then fsyncs the folder so the rename itself is durable.
 * Afterwards removes temp files that killed writers left in the folder (see removeDeadTempFiles).
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o600, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      // open()'s mode is filtered by the umask; set it exactly (the file may hold personal data).
      await handle.chmod(mode).catch(ignoreOnWindows);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await renameWithRetry(temp, target);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
  if (options.removeDeadTempFiles !== false) await removeDeadTempFiles(dir);
}

/**
 * A writer killed between creating its temp file and renaming it (SIGKILL, power cut) leaves the temp file
 * behind; nobody will ever rename it. Removes those whose process is gone. A temp file of this process or
 * of a live one may be a write in progress and is left alone. Best effort: one readdir, and any failure
 * (a file already removed by someone else, a folder we cannot list) is ignored - it never fails a write.
 */
export async function removeDeadTempFiles(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(TEMP_FILE.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    await rm(path.join(dir, name), { force: true }).catch(() => undefined);
  }
}

/**
 * Signal 0 checks that a process exists without touching it. ESRCH means it is gone; anything else (EPERM:
 * it exists but belongs to another user) counts as alive, so an uncertain case never deletes a file.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) !== 'ESRCH';
  }
}

/**
 * On Windows a rename onto a file that another process (an editor, a virus scanner) has open fails with
 * EPERM/EACCES/EBUSY for a moment; retry briefly there. Elsewhere rename over an open file just works.
 */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (error) {
      const code = errnoCode(error);
      const transient = process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY');
      if (!transient || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
    }
  }
}

/** fsync of a folder makes a rename durable on POSIX; Windows cannot open folders this way, so skip it there. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = errnoCode(error);
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}

function ignoreOnWindows(error: unknown): void {
  if (process.platform !== 'win32') throw error;
}
