/**
 * Files of the demo provider's data folder. They hold signing keys and live tokens, so the folder is
 * 0700, every file 0600, and a file is replaced atomically (temp file + fsync + rename): a crash
 * mid-write leaves the previous version, never a torn one.
 */
import { chmod, mkdir, readFile, rename } from 'node:fs/promises';

export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode does not apply to a folder that already existed (or is subject to the umask).
  await chmod(dir, 0o700);
}

/** Replaced atomically with mode 0600, by the same writer as config.yaml and the token files. */
export { writeFileAtomic as writePrivateFileAtomic } from '../store/atomic-write';

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
 * The file parsed as JSON: undefined when it does not exist, `unreadable` when it is not JSON (then the
 * caller moves it aside with quarantineFile).
 */
export async function readJsonFile(file: string): Promise<{ value: unknown } | 'unreadable' | undefined> {
  const text = await readOptionalFile(file);
  if (text === undefined) return undefined;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return 'unreadable';
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
