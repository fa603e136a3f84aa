/**
 * The token vault: where access, refresh and ID tokens live between runs.
 *
 * Each account gets a random 256-bit key kept in the OS keychain (service = the vault's service name,
 * username = the account key); its token set is sealed with that key (AES-256-GCM, see vault-crypto.ts)
 * into `<dir>/<sha256(account key)>.bin`. This stores token sets of any size (keychain entries are small
 * on Windows), keeps the file useless without the keychain, and makes deletion certain: removing the key
 * shreds the blob even if a copy of the file survives somewhere.
 *
 * If the keychain cannot be used, operations fail with `keychain_unavailable`: there is no plaintext
 * fallback. Operations on one account are serialised in this process, and writes also across processes
 * (the app and CLI runs share the vault), so a set() and a delete() never interleave.
 */
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AuthError } from '../../shared/errors';
import { writeFileAtomic } from './atomic-write';
import { errnoCode } from './errno';
import { withFileLock } from './file-lock';
import { KeyedQueue } from './keyed-queue';
import { Keychain, keychainUnavailable } from './keychain';
import { newVaultKey, open, seal, VAULT_KEY_BYTES } from './vault-crypto';

/** The tokens of one account. Only ever in the main process, the keychain-sealed blob, and the provider. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  tokenType?: string;
  scope?: string;
  /** epoch ms */
  expiresAt?: number;
  /** epoch ms */
  obtainedAt: number;
}

/** Something wrong with stored tokens that made get() answer null. Never carries a token. */
export interface VaultProblem {
  kind: 'key_missing' | 'undecryptable' | 'malformed';
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
export class SecretVault {
  readonly service: string;
  readonly dir: string;
  private readonly keychain: Keychain;
  private readonly onProblem: ((problem: VaultProblem) => void) | undefined;

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
      const blobPath = this.blobPath(accountKey);
      let blob: Buffer;
      try {
        blob = await readFile(blobPath);
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') return null;
        throw new AuthError('internal', `Cannot read the token file ${blobPath} (${errnoCode(error) ?? 'unknown error'})`, { cause: error });
      }
      const key = decodeKey(await this.keychain.get(accountKey));
      if (key === null) {
        this.report('key_missing', accountKey, `The keychain has no usable key for the token file ${blobPath}; the session is lost.`);
        return null;
      }
      let plaintext: Buffer;
      try {
        plaintext = open(key, accountKey, blob);
      } catch {
        this.report('undecryptable', accountKey, `The token file ${blobPath} cannot be decrypted (it was altered, or belongs to another key); the session is lost.`);
        return null;
      }
      try {
        const parsed = tokenSetSchema.safeParse(parseJson(plaintext));
        if (!parsed.success) {
          this.report('malformed', accountKey, `The token file ${blobPath} decrypts but does not hold a token set; the session is lost.`);
          return null;
        }
        return parsed.data as TokenSet;
      } finally {
        plaintext.fill(0);
      }
    });
  }

  /** Stores (replaces) the tokens; rejects with keychain_unavailable if the key cannot be kept. */
  set(accountKey: string, tokens: TokenSet): Promise<void> {
    if (!tokenSetSchema.safeParse(tokens).success) {
      return Promise.reject(new AuthError('invalid_argument', 'A token set needs an accessToken (text) and obtainedAt (epoch ms).'));
    }
    return this.serialWrite(accountKey, async () => {
      // Reuse the account's key when it has one: a crash between the two writes below then leaves a
      // readable blob (old or new), never a blob sealed under a key that was not saved.
      let key = decodeKey(await this.keychain.get(accountKey));
      if (key === null) {
        key = newVaultKey();
        await this.keychain.set(accountKey, key.toString('base64'));
      }
      const plaintext = Buffer.from(JSON.stringify(tokens), 'utf8');
      try {
        await this.ensureDir();
        await writeFileAtomic(this.blobPath(accountKey), seal(key, accountKey, plaintext), 0o600);
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

  private serial<T>(accountKey: string, task: () => Promise<T>): Promise<T> {
    return queue.run(`${this.service}\u0000${accountKey}`, task);
  }

  /** Writes also hold a per-account file lock: two processes must not each create a key for the account. */
  private serialWrite<T>(accountKey: string, task: () => Promise<T>): Promise<T> {
    return this.serial(accountKey, async () => {
      await this.ensureDir();
      return withFileLock(path.join(this.dir, `${accountHash(accountKey)}.lock`), task);
    });
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

/** The keychain holds the key as base64; anything else counts as no key. */
function decodeKey(stored: string | null): Buffer | null {
  if (stored === null) return null;
  const key = Buffer.from(stored, 'base64');
  return key.length === VAULT_KEY_BYTES ? key : null;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
