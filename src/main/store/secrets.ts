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
 * Where the per-account entries live is the key store's business (SecretKeyStore, below): the OS keychain
 * (keychain.ts) unless the person chose the passphrase store (passphrase-key-store.ts); the composition
 * (app.ts) picks it. Everything else here is the same for both.
 *
 * If the keychain cannot be used, operations fail with `keychain_unavailable`: there is no plaintext
 * fallback. Operations on one account are serialised in this process, and writes also across processes
 * (the app and CLI runs share the vault), so a set() and a delete() never interleave.
 *
 * A token file is read without following symlinks and only when it is a plain file of this user; anything
 * else fails with `data_folder_unsafe` (the session is kept, and the error says what to remove).
 *
 * What the vault remembers (see Known): the keychain entry it last read or wrote for each account, and which
 * token file that entry vouched for. A plain get() still asks the keychain every time (a key deleted by hand
 * is noticed at the next read); update(), the read-refresh-write of a refresh, opens the file with the
 * remembered key at once and asks the keychain while the provider answers (see update()).
 */
import type { TokenSet, TokenVault, TokenVaultUpdate } from '../auth/storage';
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { AuthError } from '../../shared/errors';
import { writeFileAtomic, type AtomicWriteOptions } from './atomic-write';
import { withFileLock } from './file-lock';
import { KeyedQueue } from './keyed-queue';
import { Keychain, keychainUnavailable } from './keychain';
import { readTokenFile, sameFile, tokenFileIdentity, type FileIdentity, type TokenFile } from './token-file';
import { newVaultKey, newWriteId, open, seal } from './vault-crypto';
import { decodeEntry, encodeEntry, freshness, type VaultEntry } from './vault-entry';
import { isTokenSet, judgeTokenFile, type Judgement, type ProblemKind } from './vault-judge';

/** The tokens of one account. Only ever in the main process, the keychain-sealed blob, and the provider. */
export type { TokenSet } from '../auth/storage';

/** Something wrong with stored tokens that made get() answer null. Never carries a token. */
export interface VaultProblem {
  /** `rolled_back`: the file opens but is an older copy than the keychain vouches for (it was put back). */
  kind: ProblemKind;
  accountKey: string;
  message: string;
}

/**
 * Where the vault keeps each account's small entry (its key and last write id, vault-entry.ts): the OS keychain
 * (keychain.ts) or the passphrase store (passphrase-key-store.ts). Values are short text. Every failure is a
 * coded AuthError (`keychain_unavailable`, `passphrase_required`, `passphrase_wrong`, ...).
 */
export interface SecretKeyStore {
  /** The entry, or null if there is none. */
  get(account: string): Promise<string | null>;
  set(account: string, value: string): Promise<void>;
  /** Removes the entry; false if there was none. */
  delete(account: string): Promise<boolean>;
  /** Every entry at once, as account -> the values found (a hint: each is used only once it opens its file). */
  findAll(): Promise<Map<string, string[]>>;
  /** The end of a run: lets go of what the store holds (connections, a derived key). */
  release(): void;
}

/** Token files of an account in the other store's folder: reported, never used, moved or deleted (see get()). */
export interface OtherSecretStore {
  /** That store's token-file folder. */
  dir: string;
  /** How to name each store for people, e.g. `the OS keychain`, `the passphrase store`. */
  name: string;
  ownName: string;
  /** The setting that selects the other store, and the one that selects this one: `storage: keychain`. */
  setting: string;
}

export interface SecretVaultOptions {
  /**
   * Where the per-account entries live (the composition, app.ts, chooses). Default: the OS keychain under
   * `service`.
   */
  keys?: SecretKeyStore;
  /** Keychain service name when `keys` is not given; the app passes `LATCHKEY_KEYCHAIN_SERVICE ?? 'Latchkey'`. */
  service?: string;
  /** Folder for the sealed token blobs (created 0700). */
  dir: string;
  /**
   * The other store's folder, so that an account whose secrets are there (the person switched stores) is
   * reported as such (`secrets_in_other_store`) rather than taken for signed out.
   */
  otherStore?: OtherSecretStore;
  /** Told when stored tokens exist but cannot be used, so the event log can say why a session vanished. */
  onProblem?: (problem: VaultProblem) => void;
  /** How long one keychain call may take before it counts as unavailable (default: a minute). */
  keychainTimeoutMs?: number;
}

/**
 * The keychain entry of an account as this vault last read or wrote it, and the token file it was seen to
 * vouch for (judged current under it, or written by this vault). While that very file is still in place
 * (same identity, see token-file.ts) nobody has written the account since: every write replaces the file.
 */
interface Known {
  entry: VaultEntry;
  file: FileIdentity | null;
}

/** A read under the account's lock: the tokens, and what a write after it builds on. */
interface LockedRead {
  tokens: TokenSet | null;
  /** The entry the tokens were judged under (null: no tokens, the next write makes a new key). */
  base: VaultEntry | null;
  /** When the tokens came from memory: the keychain's answer, asked meanwhile (see update()). */
  check?: Promise<string | null>;
  file?: TokenFile;
}

/** Per account across all vaults of this process that share a token folder (and so a key store). */
const queue = new KeyedQueue();

/** Token sets per account key, sealed on disk under keys kept in the key store (see the module comment). */
export class SecretVault implements TokenVault {
  readonly dir: string;
  /** The key store (named for the OS keychain it usually is). */
  private readonly keychain: SecretKeyStore;
  private readonly otherStore: OtherSecretStore | undefined;
  private readonly onProblem: ((problem: VaultProblem) => void) | undefined;
  private readonly known = new Map<string, Known>();
  /** Keychain values found by prefetch(), each used at most once and only if it opens its account's file. */
  private readonly hints = new Map<string, string[]>();
  /** Keychain steps of update() that finish after the caller has its tokens (see update()). */
  private readonly finishing = new Set<Promise<void>>();
  private dirReady: Promise<void> | null = null;

  constructor(options: SecretVaultOptions) {
    this.dir = path.resolve(options.dir);
    this.keychain = options.keys ?? new Keychain(options.service ?? 'Latchkey', options.keychainTimeoutMs === undefined ? {} : { timeoutMs: options.keychainTimeoutMs });
    this.otherStore = options.otherStore;
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
      const file = await readTokenFile(this.blobPath(accountKey));
      if (file === null) return this.missing(accountKey);
      const first = await this.judgeWithKeychain(accountKey, file);
      if (first.kind === 'tokens' && first.freshness === 'current') {
        this.known.set(accountKey, { entry: first.entry, file: file.identity });
        return first.tokens;
      }
      // Anything else is settled under the account's write lock, where no writer is between its two steps:
      // a writer in another process may just have replaced the blob (or the key) while we read.
      return this.withAccountLock(accountKey, async () => (await this.readLocked(accountKey, { fromMemory: false })).tokens);
    });
  }

  /**
   * Reads several accounts' keychain entries with one search, for the get() calls that follow (a start-up
   * with many signed-in accounts: one connection to the keychain instead of one per account). Best effort:
   * an account the search did not answer for, or whose value does not open its token file, is asked for
   * by itself as usual.
   */
  async prefetch(accountKeys: readonly string[]): Promise<void> {
    if (accountKeys.length < 2) return;
    let found: Map<string, string[]>;
    try {
      found = await this.keychain.findAll();
    } catch {
      return;
    }
    for (const key of accountKeys) {
      const values = found.get(key);
      if (values) this.hints.set(key, values);
    }
  }

  /** Stores (replaces) the tokens; rejects with keychain_unavailable if the key cannot be kept. */
  set(accountKey: string, tokens: TokenSet): Promise<void> {
    if (!isTokenSet(tokens)) return Promise.reject(invalidTokenSet());
    return this.serialWrite(accountKey, async () => {
      // Without a token file (a first sign-in) a new key is made: there is nothing to read a key for, and a key
      // left in the keychain without its file opens nothing. That spares a keychain read.
      const present = (await tokenFileIdentity(this.blobPath(accountKey))) !== null;
      const base = present ? ((await this.knownIfCurrent(accountKey)) ?? decodeEntry(await this.keychain.get(accountKey))) : null;
      const finish = await this.writeFile(accountKey, base, tokens);
      await finish();
    });
  }

  /**
   * A read-modify-write under the account's cross-process lock, held throughout: `work` gets the newest stored
   * tokens (null if none) and may return tokens to store. One lock, one read, one write: a refresh.
   *
   * The read uses the key this vault remembers when the token file is still the one it knows, so `work` starts
   * at once; the keychain is asked meanwhile, and the write waits for its answer: an entry deleted or changed
   * behind the vault's back is caught before anything is stored (as a plain read would have caught it).
   *
   * Resolves once the new token file is durable (synced and renamed into place). Its write id goes to the
   * keychain after that, while the lock is still held: until then the file is the "pending" newest write,
   * which every reader accepts (and a reader in another process waits for the lock and finds it settled), so
   * nothing is lost if the process dies in between. close() waits for these steps (settled()).
   */
  update<T>(accountKey: string, work: (stored: TokenSet | null) => Promise<TokenVaultUpdate<T>>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let answered = false;
      const task = this.serialWrite(accountKey, async () => {
        const read = await this.readLocked(accountKey, { fromMemory: true });
        const outcome = await work(read.tokens);
        if (outcome.store === undefined) {
          answered = true;
          resolve(outcome.result);
          return;
        }
        if (!isTokenSet(outcome.store)) throw invalidTokenSet();
        const base = await this.confirm(accountKey, read);
        // A refresh is the hot path: the folder is not listed for killed writers' temp files (their locks lead
        // whoever takes them over to those files; set() still looks after every write).
        const finish = await this.writeFile(accountKey, base, outcome.store, { removeDeadTempFiles: false });
        answered = true;
        resolve(outcome.result);
        await finish();
      });
      const tracked = task.then(
        () => undefined,
        (error: unknown) => {
          // After the answer, a failed keychain step leaves the pending file, which the next read settles.
          if (!answered) reject(error);
        },
      );
      this.finishing.add(tracked);
      void tracked.then(() => this.finishing.delete(tracked));
    });
  }

  /** Resolves when every update() has finished its keychain step (the app and CLI wait for it on close). */
  async settled(): Promise<void> {
    while (this.finishing.size > 0) await Promise.allSettled([...this.finishing]);
  }

  /** Closing: forgets what this vault remembered and lets go of its keychain connections. */
  release(): void {
    this.known.clear();
    this.hints.clear();
    this.keychain.release();
  }

  /**
   * Forgets the tokens: deletes the keychain key (which alone makes any copy of the blob useless) and the
   * blob. Idempotent. Both are attempted; the first failure is reported after.
   */
  delete(accountKey: string): Promise<void> {
    return this.serialWrite(accountKey, async () => {
      this.known.delete(accountKey);
      this.hints.delete(accountKey);
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

  /** Judges the file under a prefetched value if one proves itself, else under the keychain's entry. */
  private async judgeWithKeychain(accountKey: string, file: TokenFile): Promise<Judgement> {
    const hinted = this.hints.get(accountKey);
    this.hints.delete(accountKey);
    if (hinted?.length === 1) {
      const judged = judgeTokenFile(accountKey, this.blobPath(accountKey), file.bytes, decodeEntry(hinted[0] as string));
      if (judged.kind === 'tokens' && judged.freshness === 'current') return judged;
    }
    return judgeTokenFile(accountKey, this.blobPath(accountKey), file.bytes, decodeEntry(await this.keychain.get(accountKey)));
  }

  /**
   * The stored tokens, read under the account's lock (no writer is between its two steps): a pending write
   * is completed, a problem reported (and null answered). With `fromMemory`, a file this vault already knows
   * is opened with the remembered key, and the keychain is asked in the background (LockedRead.check).
   */
  private async readLocked(accountKey: string, options: { fromMemory: boolean }): Promise<LockedRead> {
    const file = await readTokenFile(this.blobPath(accountKey));
    if (file === null) return { tokens: null, base: null };
    const known = this.known.get(accountKey);
    if (options.fromMemory && known && sameFile(known.file, file.identity)) {
      const judged = judgeTokenFile(accountKey, this.blobPath(accountKey), file.bytes, known.entry);
      if (judged.kind === 'tokens' && judged.freshness === 'current') {
        const check = this.keychain.get(accountKey);
        // Observed by confirm() when there is a write; a read-only update need not wait for it.
        check.catch(() => undefined);
        return { tokens: judged.tokens, base: known.entry, check, file };
      }
    }
    const judged = await this.judgeWithKeychain(accountKey, file);
    return this.settle(accountKey, file, judged);
  }

  /** Turns a judgement made under the lock into a read: completes a pending write, reports a problem. */
  private async settle(accountKey: string, file: TokenFile, judged: Judgement): Promise<LockedRead> {
    if (judged.kind === 'problem') {
      this.known.delete(accountKey);
      this.report(judged.problem, accountKey, judged.message);
      return { tokens: null, base: null };
    }
    if (judged.freshness === 'pending' && judged.write !== null) {
      // Written by a writer that died (or is finishing) before telling the keychain: finish its write, so that
      // from now on only this blob opens. Best effort: if the keychain cannot take it, the blob stays pending
      // (still readable) and the next write settles it.
      const entry = { key: judged.entry.key, writeId: judged.write.id };
      try {
        await this.keychain.set(accountKey, encodeEntry(entry));
        this.known.set(accountKey, { entry, file: file.identity });
        return { tokens: judged.tokens, base: entry, file };
      } catch {
        this.known.delete(accountKey);
        // The next write must name the keychain's id as the one it replaces, or it would not be readable.
        return { tokens: judged.tokens, base: judged.entry, file };
      }
    }
    this.known.set(accountKey, { entry: judged.entry, file: file.identity });
    return { tokens: judged.tokens, base: judged.entry, file };
  }

  /**
   * Before update() writes over tokens it read from memory: the keychain's answer must be the entry it
   * remembered. If the entry was deleted or changed meanwhile (by hand, by a writer that broke the rules),
   * the file is judged again under what the keychain holds now, exactly as a plain read would have judged it,
   * and nothing is written unless that judgement gives tokens. If the keychain cannot answer, the remembered
   * entry is used: the write then leaves a pending file and its own keychain step fails, as it would have.
   */
  private async confirm(accountKey: string, read: LockedRead): Promise<VaultEntry | null> {
    if (!read.check || !read.file) return read.base;
    let stored: string | null;
    try {
      stored = await read.check;
    } catch {
      return read.base;
    }
    const entry = decodeEntry(stored);
    if (entry && read.base && sameEntry(entry, read.base)) return read.base;
    this.known.delete(accountKey);
    const settled = await this.settle(accountKey, read.file, judgeTokenFile(accountKey, this.blobPath(accountKey), read.file.bytes, entry));
    if (settled.tokens === null) {
      throw new AuthError('not_signed_in', 'This account has no usable stored session any more (its keychain entry changed or is gone).');
    }
    return settled.base;
  }

  /**
   * Seals and writes the tokens over `base` (null: a new key); returns the step that records the write in the
   * keychain (for a new key that happened first, and the step does nothing). Under the account's lock.
   */
  private async writeFile(accountKey: string, base: VaultEntry | null, tokens: TokenSet, options: AtomicWriteOptions = {}): Promise<() => Promise<void>> {
    const id = newWriteId();
    const plaintext = Buffer.from(JSON.stringify(tokens), 'utf8');
    const blobPath = this.blobPath(accountKey);
    // Until this write has completed, what the keychain holds is not known for certain.
    this.known.delete(accountKey);
    this.hints.delete(accountKey);
    try {
      await this.ensureDir();
      if (base === null) {
        // A new key is in the keychain before any blob is sealed with it: a crash in between leaves no
        // blob that nobody can open (the old blob, if any, was under a key that is gone anyway).
        const key = newVaultKey();
        await this.keychain.set(accountKey, encodeEntry({ key, writeId: id }));
        await writeFileAtomic(blobPath, seal(key, accountKey, plaintext, { id, previous: null }), 0o600);
        this.known.set(accountKey, { entry: { key, writeId: id }, file: await tokenFileIdentity(blobPath) });
        return async () => undefined;
      }
      // The account's key is reused; the blob first, then the keychain learns its id. A crash in between
      // leaves the old blob (still current) or the new one (pending: it names the keychain's id as the one it
      // replaces), so old or new tokens are readable at every moment.
      await writeFileAtomic(blobPath, seal(base.key, accountKey, plaintext, { id, previous: base.writeId }), 0o600, options);
      const file = await tokenFileIdentity(blobPath);
      return async () => {
        await this.keychain.set(accountKey, encodeEntry({ key: base.key, writeId: id }));
        this.known.set(accountKey, { entry: { key: base.key, writeId: id }, file });
      };
    } finally {
      plaintext.fill(0);
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
      const file = await readTokenFile(this.blobPath(accountKey));
      if (file !== null) {
        const opened = open(known.entry.key, accountKey, file.bytes);
        opened.plaintext.fill(0);
        if (freshness(known.entry, opened) === 'current') return known.entry;
      }
    } catch {
      // Not readable as that entry's blob: ask the keychain.
    }
    this.known.delete(accountKey);
    return null;
  }

  /**
   * No token file here. Signed out, unless the account's file is in the other store's folder: then its secrets
   * are there (the person switched stores), and that is reported without touching them, so that switching
   * back finds the session as it was. A new sign-in keeps its tokens in this store.
   */
  private async missing(accountKey: string): Promise<null> {
    const other = this.otherStore;
    if (other === undefined) return null;
    const there = await tokenFileIdentity(path.join(path.resolve(other.dir), `${accountHash(accountKey)}.bin`)).catch(() => null);
    if (there === null) return null;
    throw new AuthError('secrets_in_other_store', `The session of ${accountKey} is kept in ${other.name}, but Latchkey is set to use ${other.ownName}.`, {
      hint: `Set ${other.setting} to use it again, or sign in again to keep a new session in ${other.ownName}.`,
    });
  }

  /** Per token folder and account: one folder's files belong to one key store. */
  private serial<T>(accountKey: string, task: () => Promise<T>): Promise<T> {
    return queue.run(`${this.dir}\u0000${accountKey}`, task);
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

  /**
   * The folder holds secrets, so it is made private (0700, whatever the umask) when it is created. Checked
   * once per vault rather than before every write (a removed folder is made again by the lock, 0700 too).
   */
  private ensureDir(): Promise<void> {
    if (this.dirReady === null) {
      const making = (async () => {
        const created = await mkdir(this.dir, { recursive: true, mode: 0o700 });
        if (created !== undefined && process.platform !== 'win32') await chmod(this.dir, 0o700);
      })();
      this.dirReady = making;
      making.catch(() => {
        if (this.dirReady === making) this.dirReady = null;
      });
    }
    return this.dirReady;
  }

  private report(kind: ProblemKind, accountKey: string, message: string): void {
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

function sameEntry(a: VaultEntry, b: VaultEntry): boolean {
  return a.key.equals(b.key) && (a.writeId === null ? b.writeId === null : b.writeId !== null && a.writeId.equals(b.writeId));
}

function invalidTokenSet(): AuthError {
  return new AuthError('invalid_argument', 'A token set needs an accessToken (text) and obtainedAt (epoch ms).');
}
