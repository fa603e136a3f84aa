/**
 * Files of the demo provider's data folder. They hold signing keys and live tokens, so the folder is
 * 0700, every file 0600, and a file is replaced atomically (temp file + fsync + rename): a crash
 * mid-write leaves the previous version, never a torn one.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode does not apply to a folder that already existed (or is subject to the umask).
  await chmod(dir, 0o700);
}

export async function writePrivateFileAtomic(file: string, data: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The file's text, or undefined when it does not exist. */
export async function readOptionalFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Moves an unreadable file aside (kept for inspection) so the provider can start afresh instead of
 * refusing to run. Returns the new name.
 */
export async function quarantineFile(file: string): Promise<string> {
  const aside = `${file}.corrupt-${Date.now()}`;
  await rename(file, aside);
  return aside;
}
