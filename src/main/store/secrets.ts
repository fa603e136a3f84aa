/**
 * The token vault: where access, refresh and ID tokens live between runs.
 *
 * Each account gets a random 256-bit key kept in the OS keychain (service = the vault's service name,
 * username = the account key); its token set is sealed with that key (AES-256-GCM, see vault-crypto.ts)
 * into `<dir>/<sha256(account key)>.bin`. This stores token sets of any size (keychain entries are small
 * on Windows), keeps the file useless without the keychain, and makes deletion certain: removing the key
 * shreds the blob even if a copy of the file survives somewhere.
 *
 * The keychain entry also names the last completed write, and each blob its own write and the one it
 * replaced (vault-entry.ts): a copy of an older blob put back in place is refused, not silently used.
 *
 * If the keychain cannot be used, operations fail with `keychain_unavailable`: there is no plaintext
 * fallback. Operations on one account are serialised in this process, and writes also across processes
 * (the app and CLI runs share the vault), so a set() and a delete() never interleave.
 *
 * A token file is read without following symlinks and only when it is a plain file of this user; anything
 * else fails with `data_folder_unsafe` (the session is kept, and the error says what to remove).
 */
import type { TokenSet, TokenVault } from '../auth/storage';
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open as openFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AuthError } from '../../shared/errors';
import { writeFileAtomic } from './atomic-write';
import { errnoCode } from './errno';
import { withFileLock } from './file-lock';
import { KeyedQueue } from './keyed-queue';
import { Keychain, keychainUnavailable } from './keychain';
import { shellQuote } from './shell-quote';
import { newVaultKey, newWriteId, open, seal, type WriteIds } from './vault-crypto';
import { decodeEntry, encodeEntry, freshness, type VaultEntry } from './vault-entry';

/** The tokens of one account. Only ever in the main process, the keychain-sealed blob, and the provider. */
export type { TokenSet } from '../auth/storage';

/** Something wrong with stored tokens that made get() answer null. Never carries a token. */
export interface VaultProblem {
  /** `rolled_back`: the file opens but is an older copy than the keychain vouches for (it was put back). */
  kind: 'key_missing' | 'undecryptable' | 'malformed' | 'rolled_back';
  accountKey: string;
  message: string;
}

export interface SecretVaultOptions {
  /** Keychain service name; the app passes `LATCHKEY_KEYCHAIN_SERVICE ?? 'Latchkey'`. */
  service: string;
  /** Folder for the sealed token blobs (created 0700). */
  dir: string;
  /** Told when stored tokens exist but cannot be used, so the event log can say why a session vanished. */
  onProblem?: (problem: VaultProblem) => void;
  /** How long one keychain call may take before it counts as unavailable (default: a minute). */
  keychainTimeoutMs?: number;
}

const tokenSetSchema = z.looseObject({
  accessToken: z.string(),
  refreshToken: z.string().optional(),
  idToken: z.string().optional(),
  tokenType: z.string().optional(),
  scope: z.string().optional(),
  expiresAt: z.number().finite().optional(),
  obtainedAt: z.number().finite(),
});

/** Per account across all vaults of this process: the keychain entry is shared by service + account. */
const queue = new KeyedQueue();

/** Token sets per account key, sealed on disk under keys kept in the OS keychain (see the module comment). */
export class SecretVault implements TokenVault {
  readonly service: string;
  readonly dir: string;
  private readonly keychain: Keychain;
  private readonly onProblem: ((problem: VaultProblem) => void) | undefined;
  /**
   * The keychain entry of each account as this vault last read or wrote it. set() uses it instead of a
   * keychain read when the blob on disk shows that nobody has written since (see knownIfCurrent), so a write
   * costs one keychain call (the update), as it did before write ids: a refresh is one read and one write.
   */
  private readonly known = new Map<string, VaultEntry>();

  constructor(options: SecretVaultOptions) {
    this.service = options.service;
    this.dir = path.resolve(options.dir);
    this.keychain = new Keychain(options.service, options.keychainTimeoutMs === undefined ? {} : { timeoutMs: options.keychainTimeoutMs });
    this.onProblem = options.onProblem;
  }

  /**
   * Proves the keychain works by writing, reading back and deleting a throwaway entry (a read alone
   * succeeds on a locked Secret Service collection). Rejects with `keychain_unavailable` otherwise.
   */
  async check(): Promise<void> {
    const probe = `latchkey-probe-${process.pid}-${randomBytes(6).toString('hex')}`;
    const value = randomBytes(12).toString('hex');
    await this.keychain.set(probe, value);
    try {
      if ((await this.keychain.get(probe)) !== value) throw keychainUnavailable(new Error('a test entry could not be read back'));
    } finally {
      await this.keychain.delete(probe).catch(() => undefined);
    }
  }

  /** The stored tokens, or null if there are none or they cannot be used (reported through onProblem). */
  get(accountKey: string): Promise<TokenSet | null> {
    return this.serial(accountKey, async () => {
      const first = await this.read(accountKey);
      if (first.kind === 'none') return null;
      if (first.kind === 'tokens' && first.freshness === 'current') {
        this.known.set(accountKey, first.entry);
        return first.tokens;
      }
      // Anything else is settled under the account's write lock, where no writer is between its two steps:
      // a writer in another process may just have replaced the blob (or the key) while we read.
      return this.withAccountLock(accountKey, async () => {
        const settled = await this.read(accountKey);
        if (settled.kind === 'none') return null;
        if (settled.kind === 'problem') {
          this.report(settled.problem, accountKey, settled.message);
          return null;
        }
        if (settled.freshness === 'pending') await this.completeWrite(accountKey, settled.entry, settled.write);
        else this.known.set(accountKey, settled.entry);
        return settled.tokens;
      });
    });
  }

  /** Stores (replaces) the tokens; rejects with keychain_unavailable if the key cannot be kept. */
  set(accountKey: string, tokens: TokenSet): Promise<void> {
    if (!tokenSetSchema.safeParse(tokens).success) {
      return Promise.reject(new AuthError('invalid_argument', 'A token set needs an accessToken (text) and obtainedAt (epoch ms).'));
    }
    return this.serialWrite(accountKey, async () => {
      const entry = (await this.knownIfCurrent(accountKey)) ?? decodeEntry(await this.keychain.get(accountKey));
      const id = newWriteId();
      const plaintext = Buffer.from(JSON.stringify(tokens), 'utf8');
      // Until this write has completed, what the keychain holds is not known for certain.
      this.known.delete(accountKey);
      try {
        await this.ensureDir();
        let key: Buffer;
        if (entry === null) {
          // A new key is in the keychain before any blob is sealed with it: a crash in between leaves no
          // blob that nobody can open (the old blob, if any, was under a key that is gone anyway).
          key = newVaultKey();
          await this.keychain.set(accountKey, encodeEntry({ key, writeId: id }));
          await writeFileAtomic(this.blobPath(accountKey), seal(key, accountKey, plaintext, { id, previous: null }), 0o600);
        } else {
          // The account's key is reused; the blob first, then the keychain learns its id. A crash in between
          // leaves the old blob (still current) or the new one (pending: it names the keychain's id as the
          // one it replaces), so old or new tokens are readable at every moment.
          key = entry.key;
          await writeFileAtomic(this.blobPath(accountKey), seal(key, accountKey, plaintext, { id, previous: entry.writeId }), 0o600);
          await this.keychain.set(accountKey, encodeEntry({ key, writeId: id }));
        }
        this.known.set(accountKey, { key, writeId: id });
      } finally {
        plaintext.fill(0);
      }
    });
  }

  /**
   * Forgets the tokens: deletes the keychain key (which alone makes any copy of the blob useless) and the
   * blob. Idempotent. Both are attempted; the first failure is reported after.
   */
  delete(accountKey: string): Promise<void> {
    return this.serialWrite(accountKey, async () => {
      this.known.delete(accountKey);
      const failures: unknown[] = [];
      await this.keychain.delete(accountKey).catch((error: unknown) => failures.push(error));
      await rm(this.blobPath(accountKey), { force: true }).catch((error: unknown) =>
        failures.push(new AuthError('internal', `Cannot delete the token file ${this.blobPath(accountKey)}`, { cause: error })),
      );
      if (failures.length > 0) throw failures[0];
    });
  }

  /** Where the sealed tokens of an account are kept; the name reveals nothing about the account. */
  blobPath(accountKey: string): string {
    return path.join(this.dir, `${accountHash(accountKey)}.bin`);
  }

  /** Reads the blob and the keychain entry and judges them; reports nothing (the caller decides). */
  private async read(accountKey: string): Promise<ReadOutcome> {
    const blobPath = this.blobPath(accountKey);
    const blob = await readOwnFile(blobPath);
    if (blob === null) return { kind: 'none' };
    const entry = decodeEntry(await this.keychain.get(accountKey));
    if (entry === null) {
      return { kind: 'problem', problem: 'key_missing', message: `The keychain has no usable key for the token file ${blobPath}; the session is lost.` };
    }
    let opened;
    try {
      opened = open(entry.key, accountKey, blob);
    } catch {
      return {
        kind: 'problem',
        problem: 'undecryptable',
        message: `The token file ${blobPath} cannot be decrypted (it was altered, or belongs to another key); the session is lost.`,
      };
    }
    try {
      const fresh = freshness(entry, opened);
      if (fresh === 'stale') {
        return {
          kind: 'problem',
          problem: 'rolled_back',
          message: `The token file ${blobPath} is an older copy than the one the keychain vouches for (it was put back); it is refused and the session is lost.`,
        };
      }
      const parsed = tokenSetSchema.safeParse(parseJson(opened.plaintext));
      if (!parsed.success) {
        return { kind: 'problem', problem: 'malformed', message: `The token file ${blobPath} decrypts but does not hold a token set; the session is lost.` };
      }
      return { kind: 'tokens', tokens: parsed.data as TokenSet, freshness: fresh, entry, write: opened.write };
    } finally {
      opened.plaintext.fill(0);
    }
  }

  /**
   * A pending blob found under the lock was written by a writer that died before telling the keychain:
   * finish its write, so that from now on only this blob opens. Best effort: if the keychain cannot take it,
   * the blob stays pending (still readable) and the next write settles it.
   */
  private async completeWrite(accountKey: string, entry: VaultEntry, write: WriteIds | null): Promise<void> {
    if (write === null) return;
    try {
      await this.keychain.set(accountKey, encodeEntry({ key: entry.key, writeId: write.id }));
      this.known.set(accountKey, { key: entry.key, writeId: write.id });
    } catch {
      this.known.delete(accountKey);
    }
  }

  /**
   * The entry this vault last saw for the account, if the blob on disk is still the one that entry vouches
   * for; null otherwise (then the keychain is asked). Called under the account's lock. Sound because every
   * write replaces the blob before it changes the keychain, and a first write after a delete finds no blob:
   * while the blob is the one this vault last saw current, nobody has written since, so the keychain still
   * holds that entry. (A blob put back from an older copy cannot fool it into accepting old tokens: set()
   * replaces the blob, it never reads tokens from it.)
   */
  private async knownIfCurrent(accountKey: string): Promise<VaultEntry | null> {
    const known = this.known.get(accountKey);
    if (known === undefined) return null;
    try {
      const blob = await readOwnFile(this.blobPath(accountKey));
      if (blob !== null) {
        const opened = open(known.key, accountKey, blob);
        opened.plaintext.fill(0);
        if (freshness(known, opened) === 'current') return known;
      }
    } catch {
      // Not readable as that entry's blob: ask the keychain.
    }
    this.known.delete(accountKey);
    return null;
  }

  private serial<T>(accountKey: string, task: () => Promise<T>): Promise<T> {
    return queue.run(`${this.service}\u0000${accountKey}`, task);
  }

  /** Writes also hold a per-account file lock: two processes must not each create a key for the account. */
  private serialWrite<T>(accountKey: string, task: () => Promise<T>): Promise<T> {
    return this.serial(accountKey, async () => {
      await this.ensureDir();
      return this.withAccountLock(accountKey, task);
    });
  }

  /** The per-account cross-process lock; callers are inside serial() already. */
  private withAccountLock<T>(accountKey: string, task: () => Promise<T>): Promise<T> {
    return withFileLock(path.join(this.dir, `${accountHash(accountKey)}.lock`), task);
  }

  private async ensureDir(): Promise<void> {
    const created = await mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (created !== undefined && process.platform !== 'win32') await chmod(this.dir, 0o700);
  }

  private report(kind: VaultProblem['kind'], accountKey: string, message: string): void {
    try {
      this.onProblem?.({ kind, accountKey, message });
    } catch {
      // A failing listener must not turn a lost session into a crash.
    }
  }
}

function accountHash(accountKey: string): string {
  return createHash('sha256').update(accountKey, 'utf8').digest('hex');
}

type ReadOutcome =
  | { kind: 'none' }
  | { kind: 'problem'; problem: VaultProblem['kind']; message: string }
  | { kind: 'tokens'; tokens: TokenSet; freshness: 'current' | 'pending'; entry: VaultEntry; write: WriteIds | null };

/** No symlink is followed, and a FIFO in a token file's place fails at once instead of blocking the open. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * The bytes of a token file, or null if there is none. A symlink or a file that is not a plain file of this
 * user is refused with `data_folder_unsafe`: only this user's own writes belong in secrets/.
 */
async function readOwnFile(file: string): Promise<Buffer | null> {
  let handle;
  try {
    handle = await openFile(file, READ_FLAGS);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw notOurTokenFile(file, 'is a symbolic link');
    throw new AuthError('internal', `Cannot read the token file ${file} (${code ?? 'unknown error'})`, { cause: error });
  }
  try {
    const info = await handle.stat();
    const uid = process.getuid?.();
    if (!info.isFile()) throw notOurTokenFile(file, 'is not a plain file');
    if (uid !== undefined && info.uid !== uid) throw notOurTokenFile(file, `belongs to another user (uid ${info.uid})`);
    return await handle.readFile();
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new AuthError('internal', `Cannot read the token file ${file} (${errnoCode(error) ?? 'unknown error'})`, { cause: error });
  } finally {
    await handle.close();
  }
}

function notOurTokenFile(file: string, what: string): AuthError {
  return new AuthError('data_folder_unsafe', `The token file ${file} ${what}; Latchkey only reads token files it wrote itself.`, {
    hint: `Remove it (rm ${shellQuote(file)}) and sign in to that account again.`,
  });
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
