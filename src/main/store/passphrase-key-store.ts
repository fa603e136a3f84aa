/**
 * The passphrase store: where the vault keeps its small per-account entries when the person chose
 * `storage: passphrase` (or LATCHKEY_STORAGE=passphrase) because there is no OS keychain to use, e.g. on a
 * server or a container without a Secret Service. It is never chosen for them.
 *
 * One file in the secrets folder (0600), written atomically (atomic-write.ts) under the cross-process lock
 * (file-lock.ts): every change re-reads the file under the lock, because the app and any CLI run share it.
 * The entries are sealed together with AES-256-GCM under a key derived from the passphrase with scrypt; the
 * parameters, salt and a check value are in the file's header, which the seal covers too
 * (passphrase-crypto.ts). A wrong passphrase is `passphrase_wrong`; a file that does not open under the right
 * one, or is not what Latchkey writes, is `secret_store_damaged` and is never used or overwritten.
 *
 * The passphrase itself is never written anywhere and not kept: only the derived key, in memory, for the run
 * (release() wipes it). It is asked for at most once per run: by `ask` when the store has one (the CLI's
 * prompt), else the store stays locked (`passphrase_required`) until unlock() is called (the app's dialog).
 * changePassphrase() re-seals the file under a new passphrase, salt and the current scrypt parameters
 * (`latchkey passphrase change`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AuthError } from '../../shared/errors';
import { writeFileAtomic } from './atomic-write';
import { withFileLock } from './file-lock';
import {
  acceptableKdf,
  checkMatches,
  deriveKey,
  newKdfParams,
  openData,
  sealData,
  type DerivedKey,
  type KdfParams,
  type SealedData,
} from './passphrase-crypto';
import { PASSPHRASE_TOKEN_FOLDER } from './secret-storage';
import type { SecretKeyStore } from './secrets';
import { readTokenFile } from './token-file';

/** `create`: there is no store yet, the person chooses a passphrase (typed twice). `unlock`: it exists. */
export type PassphrasePurpose = 'create' | 'unlock';

/** The shortest passphrase accepted for a new store, in characters. */
export const MIN_PASSPHRASE_LENGTH = 8;


const FORMAT = 'latchkey-passphrase-store';
const VERSION = 1;
/** A store of a few hundred accounts is a few tens of kilobytes; anything far larger is not ours. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface PassphraseKeyStoreOptions {
  /** The store's file (`<data folder>/secrets/passphrase-store.json`). */
  file: string;
  /**
   * Asks the person for the passphrase, at most once per run, when an entry is first needed. For `create` it
   * has them type it twice and confirms that both match. Without it the store stays locked until unlock().
   */
  ask?: (purpose: PassphrasePurpose) => Promise<string>;
}

/** The file as written: a header (format, scrypt parameters, check value) and the sealed entries. */
interface StoreFile {
  format: typeof FORMAT;
  version: typeof VERSION;
  kdf: KdfParams;
  check: string;
  sealed: SealedData;
}

/** The store opened with the passphrase: the derived key and the header it belongs to. */
interface Opened {
  derived: DerivedKey;
  kdf: KdfParams;
  check: string;
}

type Entries = Record<string, string>;

export class PassphraseKeyStore implements SecretKeyStore {
  readonly file: string;
  private readonly lockPath: string;
  private readonly ask: ((purpose: PassphrasePurpose) => Promise<string>) | undefined;
  private opened: Opened | null = null;
  /** The one question of this run (a failed answer stays failed: the run does not ask again). */
  private asking: Promise<Opened> | null = null;

  constructor(options: PassphraseKeyStoreOptions) {
    this.file = path.resolve(options.file);
    this.lockPath = `${this.file}.lock`;
    this.ask = options.ask;
  }

  /** What the store needs before it can be used: null once opened (a quick look at the disk otherwise). */
  needs(): PassphrasePurpose | null {
    if (this.opened) return null;
    return existsSync(this.file) ? 'unlock' : 'create';
  }

  /**
   * Opens the store with the passphrase, creating it when there is none yet (a passphrase shorter than
   * MIN_PASSPHRASE_LENGTH is refused then). Rejects with `passphrase_wrong` if it does not open the store.
   */
  async unlock(passphrase: string): Promise<void> {
    if (this.opened) {
      // Already open in this run: the passphrase must still be the store's (nothing is opened twice).
      const file = await this.readFile();
      if (file && !checkMatches(await deriveKey(passphrase, file.kdf), file.check)) throw this.wrongPassphrase();
      return;
    }
    const existing = await this.readFile();
    if (existing) {
      this.opened = await this.openWith(passphrase, existing);
      return;
    }
    this.opened = await withFileLock(this.lockPath, async () => {
      // Another run may have made it meanwhile: then this passphrase must open that one.
      const made = await this.readFile();
      if (made) return this.openWith(passphrase, made);
      if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
        throw new AuthError('weak_password', `A passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters.`, {
          hint: 'Choose a longer one: it is all that protects the sessions kept in this store.',
        });
      }
      const kdf = newKdfParams();
      const derived = await deriveKey(passphrase, kdf);
      const opened: Opened = { derived, kdf, check: derived.check.toString('base64') };
      await this.write(opened, {});
      return opened;
    });
  }

  /** Opens the store now (asking for the passphrase if need be), e.g. before a sign-in that will need it. */
  async ready(): Promise<void> {
    await this.open();
  }

  async get(account: string): Promise<string | null> {
    const file = await this.readFile();
    if (!file) return null;
    const entries = this.entriesOf(file, await this.open());
    return Object.hasOwn(entries, account) ? (entries[account] as string) : null;
  }

  async set(account: string, value: string): Promise<void> {
    const opened = await this.open();
    await withFileLock(this.lockPath, async () => {
      const file = await this.readFile();
      const entries = file ? this.entriesOf(file, opened) : {};
      entries[account] = value;
      await this.write(opened, entries);
    });
  }

  async delete(account: string): Promise<boolean> {
    if (!(await this.readFile())) return false;
    const opened = await this.open();
    return withFileLock(this.lockPath, async () => {
      const file = await this.readFile();
      if (!file) return false;
      const entries = this.entriesOf(file, opened);
      if (!Object.hasOwn(entries, account)) return false;
      delete entries[account];
      await this.write(opened, entries);
      return true;
    });
  }

  /** Every entry, as account → [value] (the vault's prefetch at start-up). */
  async findAll(): Promise<Map<string, string[]>> {
    const file = await this.readFile();
    if (!file) return new Map();
    const entries = this.entriesOf(file, await this.open());
    return new Map(Object.entries(entries).map(([account, value]) => [account, [value]]));
  }

  /**
   * Rejects with `passphrase_wrong` unless `passphrase` opens the store's file as it is now. Unlike unlock() it
   * never makes a store, and opens nothing for the run (the key derived to check is wiped at once).
   */
  async checkPassphrase(passphrase: string): Promise<void> {
    const file = await this.readFile();
    if (!file) throw this.noStore();
    (await this.openWith(passphrase, file)).derived.key.fill(0);
  }

  /**
   * Re-seals the store under a key derived from `next`, with a new random salt and the current scrypt
   * parameters (CURRENT_KDF: so this is also how a store made with lower ones gets the current ones), once
   * `current` has been shown to open it. The entries inside are unchanged, so the token files, sealed with the
   * per-account keys, are not rewritten.
   *
   * Under the lock, on the file as it is then (another run's write since is kept), replaced atomically: at
   * every moment the file on disk is the old one (old passphrase) or the new one (new passphrase). A wrong
   * `current` is `passphrase_wrong` and a `next` shorter than MIN_PASSPHRASE_LENGTH `weak_password`, with
   * nothing changed. The old key is wiped; the new one is kept, as if this run had been opened with `next`.
   */
  async changePassphrase(current: string, next: string): Promise<void> {
    if ([...next].length < MIN_PASSPHRASE_LENGTH) {
      throw new AuthError('weak_password', `A passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters. Nothing was changed.`, {
        hint: 'Choose a longer one: it is all that protects the sessions kept in this store.',
      });
    }
    // scrypt runs outside the lock where it can, so other runs' writes do not wait on it: the old key under
    // the file's parameters as read now (again under the lock only if another run changed them meanwhile),
    // and the new key, which depends on nothing in the file.
    const before = await this.readFile();
    if (!before) throw this.noStore();
    let old: Opened | null = await this.openWith(current, before);
    const kdf = newKdfParams();
    const derived = await deriveKey(next, kdf);
    const renewed: Opened = { derived, kdf, check: derived.check.toString('base64') };
    try {
      await withFileLock(this.lockPath, async () => {
        const file = await this.readFile();
        if (!file) throw this.noStore();
        if (old && (file.check !== old.check || !sameKdf(file.kdf, old.kdf))) {
          old.derived.key.fill(0);
          old = null;
        }
        old ??= await this.openWith(current, file);
        await this.write(renewed, this.entriesOf(file, old));
      });
    } catch (error) {
      derived.key.fill(0);
      throw error;
    } finally {
      (old as Opened | null)?.derived.key.fill(0);
    }
    this.opened?.derived.key.fill(0);
    this.opened = renewed;
    this.asking = null;
  }

  /** Wipes the derived key: the end of the run. */
  release(): void {
    this.opened?.derived.key.fill(0);
    this.opened = null;
    this.asking = null;
  }

  /** The store opened, asking for the passphrase once if there is someone to ask; `passphrase_required` otherwise. */
  private open(): Promise<Opened> {
    if (this.opened) return Promise.resolve(this.opened);
    const ask = this.ask;
    if (!ask) {
      return Promise.reject(
        new AuthError('passphrase_required', 'The passphrase store is locked: its passphrase has not been given yet.', {
          hint: 'Enter the passphrase to open it (storage: passphrase in config.yaml, or LATCHKEY_STORAGE=passphrase).',
        }),
      );
    }
    this.asking ??= (async () => {
      await this.unlock(await ask(this.needs() ?? 'unlock'));
      return this.opened as Opened;
    })();
    return this.asking;
  }

  private async openWith(passphrase: string, file: StoreFile): Promise<Opened> {
    const derived = await deriveKey(passphrase, file.kdf);
    if (!checkMatches(derived, file.check)) {
      derived.key.fill(0);
      throw this.wrongPassphrase();
    }
    const opened: Opened = { derived, kdf: file.kdf, check: file.check };
    // The right passphrase and a file that does not open: it was changed. Refused before anything is used.
    this.entriesOf(file, opened);
    return opened;
  }

  /** The entries of the file, which must be the one this key belongs to and open under it. */
  private entriesOf(file: StoreFile, opened: Opened): Entries {
    if (file.check !== opened.check || !sameKdf(file.kdf, opened.kdf)) {
      throw this.damaged(
        'it was replaced by a store with another passphrase or other key parameters since this run opened it',
        'Nothing was read from it or written to it. If its passphrase was changed meanwhile (latchkey passphrase change), start Latchkey again and give the new one.',
      );
    }
    const plaintext = openData(opened.derived.key, headerBytes(file), file.sealed);
    if (plaintext === null) throw this.damaged('its sealed part does not open with the right passphrase');
    try {
      const value: unknown = JSON.parse(plaintext.toString('utf8'));
      const entries = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { entries?: unknown }).entries : undefined;
      if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) throw new Error('no entries');
      const out: Entries = Object.create(null) as Entries;
      for (const [account, entry] of Object.entries(entries)) {
        if (typeof entry !== 'string') throw new Error('an entry that is not text');
        out[account] = entry;
      }
      return out;
    } catch {
      throw this.damaged('its sealed part is not what Latchkey writes');
    } finally {
      plaintext.fill(0);
    }
  }

  private async write(opened: Opened, entries: Entries): Promise<void> {
    const header = { format: FORMAT, version: VERSION, kdf: opened.kdf, check: opened.check } as const;
    const plaintext = Buffer.from(JSON.stringify({ entries: { ...entries } }), 'utf8');
    try {
      const file: StoreFile = { ...header, sealed: sealData(opened.derived.key, headerBytes(header), plaintext) };
      await writeFileAtomic(this.file, `${JSON.stringify(file, null, 2)}\n`, 0o600);
    } finally {
      plaintext.fill(0);
    }
  }

  /** The file, checked for shape (not yet opened); null if there is none. */
  private async readFile(): Promise<StoreFile | null> {
    const read = await readTokenFile(this.file);
    if (read === null) return null;
    if (read.bytes.length > MAX_FILE_BYTES) throw this.damaged('it is far larger than a store Latchkey writes');
    let value: unknown;
    try {
      value = JSON.parse(read.bytes.toString('utf8'));
    } catch {
      throw this.damaged('it is not JSON');
    }
    if (!isStoreFile(value)) throw this.damaged('it is not a store Latchkey writes (or of a newer version)');
    if (!acceptableKdf(value.kdf)) throw this.damaged('its key parameters are weaker or larger than Latchkey accepts');
    return value;
  }

  private wrongPassphrase(): AuthError {
    return new AuthError('passphrase_wrong', `The passphrase does not open the passphrase store ${this.file}.`, {
      hint: 'Check the passphrase and try again. Nothing was changed.',
    });
  }

  private noStore(): AuthError {
    return new AuthError('invalid_argument', `There is no passphrase store at ${this.file} yet: there is no passphrase to change.`, {
      hint: 'It is made, with the passphrase chosen then, the first time a sign-in keeps secrets in it (storage: passphrase).',
    });
  }

  private damaged(reason: string, hint?: string): AuthError {
    return new AuthError('secret_store_damaged', `The passphrase store ${this.file} cannot be used: ${reason}.`, {
      hint:
        hint ??
        `Nothing was read from it or written to it. Restore it from a backup, or remove it (and the folder ${PASSPHRASE_TOKEN_FOLDER} beside it) and sign in again.`,
    });
  }
}

/** The associated data of the seal: every header field, in a fixed order. */
function headerBytes(file: Pick<StoreFile, 'format' | 'version' | 'kdf' | 'check'>): Buffer {
  const { kdf } = file;
  return Buffer.from(JSON.stringify([file.format, file.version, kdf.name, kdf.N, kdf.r, kdf.p, kdf.salt, file.check]), 'utf8');
}

function sameKdf(a: KdfParams, b: KdfParams): boolean {
  return a.name === b.name && a.N === b.N && a.r === b.r && a.p === b.p && a.salt === b.salt;
}

function isStoreFile(value: unknown): value is StoreFile {
  if (typeof value !== 'object' || value === null) return false;
  const file = value as Partial<Record<keyof StoreFile, unknown>>;
  const kdf = file.kdf as Partial<Record<keyof KdfParams, unknown>> | null | undefined;
  const sealed = file.sealed as Partial<Record<keyof SealedData, unknown>> | null | undefined;
  return (
    file.format === FORMAT &&
    file.version === VERSION &&
    typeof file.check === 'string' &&
    typeof kdf === 'object' &&
    kdf !== null &&
    kdf.name === 'scrypt' &&
    typeof kdf.N === 'number' &&
    typeof kdf.r === 'number' &&
    typeof kdf.p === 'number' &&
    typeof kdf.salt === 'string' &&
    typeof sealed === 'object' &&
    sealed !== null &&
    typeof sealed.iv === 'string' &&
    typeof sealed.data === 'string' &&
    typeof sealed.tag === 'string'
  );
}
