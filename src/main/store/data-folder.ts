/**
 * The data folder (the folder of config.yaml) holds the account records, the sealed tokens in `secrets/`, the
 * lock files in `locks/` and the auth-event log. Anyone who can write there can plant a config that sends the
 * next sign-in to their own "provider", swap token files, plant lock files or symlinks. So, like OpenSSH with
 * `~/.ssh`, Latchkey refuses a data folder that another user could change, rather than use it as found, and
 * says how to fix it.
 *
 * Checked once at start-up (POSIX only; Windows folders carry ACLs that these mode bits do not describe):
 * - the data folder and its `secrets/`, `locks/` and `demo-provider/` folders: real folders, owned by this
 *   user, not writable by group or others;
 * - every folder above it: owned by this user or root, and not writable by others, so nobody can rename the
 *   data folder away and put their own in its place. A sticky folder (/tmp) is fine: there only an entry's
 *   owner may rename it. A group-writable folder of this user whose group is the user's own primary group
 *   is fine too: that is the user-private-group layout (umask 002) where `~/.config` is 0775;
 * - config.yaml: a plain file (not a symlink), owned by this user, not writable by group or others.
 */
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuthError } from '../../shared/errors';
import { errnoCode } from './errno';
import { shellQuote as quote } from './shell-quote';

/** The folders inside the data folder that hold state another user must not be able to change. */
export const PRIVATE_SUBFOLDERS = ['secrets', 'locks', 'demo-provider', 'avatars'] as const;

export interface DataFolderCheckOptions {
  /** Defaults to this process's; parameters so every case can be checked on any machine. */
  platform?: NodeJS.Platform;
  uid?: number;
  gid?: number;
}

const S_ISVTX = 0o1000;

/**
 * Resolves when the data folder of `configPath` (which must exist) is private to this user; otherwise
 * rejects with `AuthError('data_folder_unsafe')` naming the path, what is wrong and the command that fixes it.
 */
export async function assertPrivateDataFolder(configPath: string, options: DataFolderCheckOptions = {}): Promise<void> {
  const platform = options.platform ?? process.platform;
  const uid = options.uid ?? process.getuid?.();
  const gid = options.gid ?? process.getgid?.();
  if (platform === 'win32' || uid === undefined) return;
  const who: Owner = { uid, gid: gid ?? -1 };

  // The real path: a symlinked data folder is judged by where its files really are, and its parents there.
  const dataDir = await realpath(path.dirname(path.resolve(configPath)));
  checkPrivateFolder(dataDir, await stat(dataDir), who, 'The data folder');
  await checkAncestors(dataDir, who);
  for (const name of PRIVATE_SUBFOLDERS) {
    const folder = path.join(dataDir, name);
    const info = await lstatOrNull(folder);
    if (info === null) continue;
    if (info.isSymbolicLink() || !info.isDirectory()) {
      throw unsafe(
        `${folder} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; Latchkey keeps ${name}/ only as a real folder inside its data folder.`,
        `Move it aside (mv ${quote(folder)} ${quote(`${folder}.moved`)}); Latchkey then creates a private one.`,
      );
    }
    checkPrivateFolder(folder, info, who, `The folder ${name}/ of the data folder`);
  }
  await checkConfigFile(path.join(dataDir, path.basename(configPath)), who);
}

interface Owner {
  uid: number;
  gid: number;
}

function checkPrivateFolder(folder: string, info: Stats, who: Owner, what: string): void {
  if (!info.isDirectory()) throw unsafe(`${what} ${folder} is not a folder.`, `Move it aside: mv ${quote(folder)} ${quote(`${folder}.moved`)}`);
  if (info.uid !== who.uid) {
    throw unsafe(
      `${what} ${folder} belongs to another user (uid ${info.uid}), not to you (uid ${who.uid}): that user can change your session files.`,
      `Make it yours and private: sudo chown -R ${userName(who.uid)} ${quote(folder)} && chmod 700 ${quote(folder)}`,
    );
  }
  if ((info.mode & 0o022) !== 0) {
    throw unsafe(
      `${what} ${folder} can be changed by other users (mode ${modeText(info.mode)}: writable by ${writers(info.mode)}).`,
      `Make it private: chmod 700 ${quote(folder)}`,
    );
  }
}

/** Every folder above the data folder, up to the root. */
async function checkAncestors(dataDir: string, who: Owner): Promise<void> {
  for (let folder = path.dirname(dataDir); ; folder = path.dirname(folder)) {
    const info = await stat(folder);
    const sticky = (info.mode & S_ISVTX) !== 0;
    if (info.uid !== who.uid && info.uid !== 0) {
      throw unsafe(
        `The folder ${folder}, which holds the data folder ${dataDir}, belongs to another user (uid ${info.uid}), who could replace the data folder.`,
        'Keep the data folder in a folder you own: move it under your home folder and point --config or LATCHKEY_CONFIG at its config.yaml.',
      );
    }
    const groupMayWrite = (info.mode & 0o020) !== 0 && !(info.uid === who.uid && info.gid === who.gid);
    if (!sticky && ((info.mode & 0o002) !== 0 || groupMayWrite)) {
      throw unsafe(
        `The folder ${folder}, which holds the data folder ${dataDir}, can be changed by other users (mode ${modeText(info.mode)}), who could replace the data folder.`,
        `Take away their write access: chmod go-w ${quote(folder)} (or move the data folder out of it).`,
      );
    }
    if (path.dirname(folder) === folder) return;
  }
}

async function checkConfigFile(file: string, who: Owner): Promise<void> {
  const info = await lstatOrNull(file);
  if (info === null) return; // written, privately, on first start
  if (info.isSymbolicLink()) {
    const target = await realpath(file).catch(() => readlink(file).catch(() => '?'));
    throw unsafe(
      `${file} is a symbolic link (to ${target}); Latchkey reads and writes its config only as a plain file in its private data folder.`,
      `Replace the link with a copy of the file: cp ${quote(target)} ${quote(`${file}.new`)} && mv ${quote(`${file}.new`)} ${quote(file)}`,
    );
  }
  if (!info.isFile()) throw unsafe(`${file} is not a plain file.`, `Move it aside: mv ${quote(file)} ${quote(`${file}.moved`)}`);
  if (info.uid !== who.uid) {
    throw unsafe(
      `${file} belongs to another user (uid ${info.uid}), not to you (uid ${who.uid}).`,
      `Make it yours: sudo chown ${userName(who.uid)} ${quote(file)} && chmod 600 ${quote(file)}`,
    );
  }
  if ((info.mode & 0o022) !== 0) {
    throw unsafe(
      `${file} can be changed by other users (mode ${modeText(info.mode)}: writable by ${writers(info.mode)}).`,
      `Make it private: chmod 600 ${quote(file)}`,
    );
  }
}

function unsafe(message: string, hint: string): AuthError {
  return new AuthError('data_folder_unsafe', message, { hint });
}

async function lstatOrNull(file: string): Promise<Stats | null> {
  try {
    return await lstat(file);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  }
}

function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

function writers(mode: number): string {
  const group = (mode & 0o020) !== 0;
  const others = (mode & 0o002) !== 0;
  return group && others ? 'group and others' : group ? 'its group' : 'others';
}

/** The name `chown` wants; the uid itself where the account has no name (a container without /etc/passwd entry). */
function userName(uid: number): string {
  try {
    const info = os.userInfo();
    if (info.uid === uid && info.username !== '') return quote(info.username);
  } catch {
    // No passwd entry: fall through.
  }
  return String(uid);
}
