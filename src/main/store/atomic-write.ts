/**
 * Crash-safe file replacement: readers (other Latchkey processes, the person's editor) see either the old
 * file or the new one, never a half-written one, and a power cut right after a sign-in does not lose it.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from './errno';

/**
 * Writes `data` to a temp file in the target's folder (same filesystem, so the rename is atomic) with
 * `mode`, fsyncs it, renames it over `target`, then fsyncs the folder so the rename itself is durable.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
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
