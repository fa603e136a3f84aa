/**
 * Token files as the vault reads them: never through a symlink, only when they are plain files of this user,
 * and with the identity of the file read (device, inode, size, change times), so the vault can tell later
 * whether the file on disk is still the very one it has already checked against the keychain.
 */
import { Buffer } from 'node:buffer';
import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { AuthError } from '../../shared/errors';
import { errnoCode } from './errno';
import { shellQuote } from './shell-quote';

/**
 * Which file a path named at some moment. Every vault write puts a new file in place by rename (a new inode)
 * and any edit in place changes the size or the modification and change times, so an equal identity means
 * nobody has replaced or rewritten the file since.
 */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface TokenFile {
  bytes: Buffer;
  identity: FileIdentity;
}

/** No symlink is followed, and a FIFO in a token file's place fails at once instead of blocking the open. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * The bytes of a token file and its identity, or null if there is none. A symlink or a file that is not a
 * plain file of this user is refused with `data_folder_unsafe`: only this user's own writes belong in secrets/.
 */
export async function readTokenFile(file: string): Promise<TokenFile | null> {
  let handle;
  try {
    handle = await open(file, READ_FLAGS);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw notOurTokenFile(file, 'is a symbolic link');
    throw new AuthError('internal', `Cannot read the token file ${file} (${code ?? 'unknown error'})`, { cause: error });
  }
  try {
    const info = await handle.stat({ bigint: true });
    const uid = process.getuid?.();
    if (!info.isFile()) throw notOurTokenFile(file, 'is not a plain file');
    if (uid !== undefined && info.uid !== BigInt(uid)) throw notOurTokenFile(file, `belongs to another user (uid ${info.uid})`);
    return { bytes: await readAll(handle, Number(info.size)), identity: identityOf(info) };
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new AuthError('internal', `Cannot read the token file ${file} (${errnoCode(error) ?? 'unknown error'})`, { cause: error });
  } finally {
    await handle.close();
  }
}

/**
 * The file's bytes, as many as fstat gave: usually one read, where readFile() would stat again and read once
 * more to see the end. Latchkey never changes a token file in place (every write renames a new one over it),
 * so the inode opened keeps that size; bytes written into it by anything else fail to decrypt anyway.
 */
async function readAll(handle: FileHandle, size: number): Promise<Buffer> {
  const buffer = Buffer.alloc(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === size ? buffer : buffer.subarray(0, filled);
}

/** The identity of what is at `file` now (a symlink's own), or null if nothing is. */
export async function tokenFileIdentity(file: string): Promise<FileIdentity | null> {
  try {
    return identityOf(await lstat(file, { bigint: true }));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw new AuthError('internal', `Cannot read the token file ${file} (${errnoCode(error) ?? 'unknown error'})`, { cause: error });
  }
}

export function sameFile(a: FileIdentity | null | undefined, b: FileIdentity | null | undefined): boolean {
  return (
    a !== null && a !== undefined && b !== null && b !== undefined &&
    a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs
  );
}

function identityOf(info: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): FileIdentity {
  return { dev: info.dev, ino: info.ino, size: info.size, mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs };
}

function notOurTokenFile(file: string, what: string): AuthError {
  return new AuthError('data_folder_unsafe', `The token file ${file} ${what}; Latchkey only reads token files it wrote itself.`, {
    hint: `Remove it (rm ${shellQuote(file)}) and sign in to that account again.`,
  });
}
