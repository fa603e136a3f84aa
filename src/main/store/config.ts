/**
 * config.yaml: the file a person can read and edit, holding providers, settings and the account records.
 *
 * Latchkey writes every sign-in, refresh and sign-out here before announcing it, so a reload or restart
 * finds the account the surviving session points at. Writes are serialised across processes (the app and
 * CLI runs share the file), re-read the file first (another process may have changed it), edit the YAML
 * Document (keeping the person's comments), and replace the file atomically. A file that does not
 * validate is never overwritten: the person's edits are theirs to fix.
 */
import type { AccountStore } from '../auth/storage';
import { Buffer } from 'node:buffer';
import { chmod, mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { AuthError, isAuthError } from '../../shared/errors';
import { writeFileAtomic } from './atomic-write';
import { checkDocument, configInvalid, decodeConfigText, describeProblem, MAX_CONFIG_BYTES, parseConfig } from './config-parse';
import { ConfigDraft, type MutableConfigView } from './config-view';
import { DEFAULT_CONFIG_YAML } from './default-config';
import { errnoCode } from './errno';
import { withFileLock } from './file-lock';
import type { AccountRecordInput, LatchkeyConfig } from './schema';

export { dataDirFor, defaultConfigPath } from './paths';
export type { MutableConfigView } from './config-view';
export type {
  AccountRecord,
  AccountRecordInput,
  EmbeddedProviderConfig,
  LatchkeyConfig,
  RemoteProviderConfig,
  ProviderConfig,
} from './schema';

export interface ConfigStoreOptions {
  /** The config file (see defaultConfigPath). Its folder is created on first use. */
  path: string;
  /** How long a write waits for another process's write (default: the file lock's default). */
  lockTimeoutMs?: number;
}

/** Reads and writes one config.yaml; any number of stores (in any number of processes) may share a file. */
export class ConfigStore implements AccountStore {
  readonly path: string;
  /** The cross-process lock every write holds; `<config>.lock` next to the file. */
  readonly lockPath: string;
  private readonly lockTimeoutMs: number | undefined;
  /** Set when the file was found invalid; cleared only by a successful load(). While set, nothing writes. */
  private invalid: AuthError | null = null;
  private folderReady: Promise<void> | null = null;

  constructor(options: ConfigStoreOptions) {
    this.path = path.resolve(options.path);
    this.lockPath = `${this.path}.lock`;
    this.lockTimeoutMs = options.lockTimeoutMs;
  }

  /**
   * Reads and validates the file, writing the commented default first if there is none. Rejects with
   * `config_invalid` (message `<file>:<line>:<col>: <what>`, plus `location` and `hint`) when the file
   * cannot be used; from then on update() refuses to write until a load() succeeds.
   */
  async load(): Promise<LatchkeyConfig> {
    await this.ensureFolder();
    if (!(await exists(this.path))) await this.locked(() => this.createDefaultIfMissing());
    try {
      const { config } = parseConfig(await this.readText(), this.path);
      this.invalid = null;
      return config;
    } catch (error) {
      if (isAuthError(error, 'config_invalid')) this.invalid = error;
      throw error;
    }
  }

  /**
   * The only way to write. Under the cross-process lock: re-reads and validates the file, applies `mutate`
   * to its YAML Document, validates the result and replaces the file atomically (mode 0600). Returns the
   * new config. Rejects with `config_invalid` if the file on disk is invalid (and writes nothing), with
   * `invalid_argument` / `unknown_account` if the mutation is not acceptable.
   */
  async update(mutate: (draft: MutableConfigView) => void): Promise<LatchkeyConfig> {
    if (this.invalid) throw this.invalid;
    await this.ensureFolder();
    return this.locked(async () => {
      // Checked again under the lock: a load() in this process may have failed while we waited.
      if (this.invalid) throw this.invalid;
      await this.createDefaultIfMissing();
      let parsed;
      try {
        parsed = parseConfig(await this.readText(), this.path);
      } catch (error) {
        if (isAuthError(error, 'config_invalid')) this.invalid = error;
        throw error;
      }
      const draft = new ConfigDraft(parsed.doc, parsed.config);
      mutate(draft);
      if (!draft.changed) return parsed.config;
      // The edited Document is checked as it is (keys, aliases, schema) rather than by parsing the text it
      // becomes: yaml writes what it parses back, and a second full parse doubled the cost of every write.
      const next = checkDocument(parsed.doc);
      if (!next.ok) {
        const reason = next.problems[0] ? describeProblem(next.problems[0]) : 'not valid';
        throw new AuthError('invalid_argument', `Refusing to write ${this.path}: the change would make it invalid (${reason}).`);
      }
      // lineWidth 0: never fold long values (picture URLs) over several lines.
      const text = parsed.doc.toString({ lineWidth: 0 });
      if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) {
        throw new AuthError('invalid_argument', `Refusing to write ${this.path}: it would be larger than ${MAX_CONFIG_BYTES} bytes.`);
      }
      await writeFileAtomic(this.path, text, 0o600);
      return next.parsed.config;
    });
  }

  /** Creates or replaces an account record. */
  upsertAccount(key: string, record: AccountRecordInput): Promise<LatchkeyConfig> {
    return this.update((draft) => draft.setAccount(key, record));
  }

  /** Changes some fields of an existing account record (`unknown_account` if there is none). */
  patchAccount(key: string, partial: Partial<AccountRecordInput>): Promise<LatchkeyConfig> {
    return this.update((draft) => draft.patchAccount(key, partial));
  }

  /** Removes an account record; a no-op if there is none. */
  removeAccount(key: string): Promise<LatchkeyConfig> {
    return this.update((draft) => {
      draft.removeAccount(key);
    });
  }

  /** Sets (or with null clears) the account the app shows. */
  setActiveAccount(key: string | null): Promise<LatchkeyConfig> {
    return this.update((draft) => draft.setActiveAccount(key));
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockPath, fn, this.lockTimeoutMs === undefined ? {} : { timeoutMs: this.lockTimeoutMs });
  }

  /**
   * The folder holds account records and encrypted token blobs: private to the person (0700) when we create it.
   * Made once per store rather than before every write (a removed folder is made again by the lock, 0700 too).
   */
  private ensureFolder(): Promise<void> {
    if (this.folderReady === null) {
      const making = (async () => {
        const dir = path.dirname(this.path);
        const created = await mkdir(dir, { recursive: true, mode: 0o700 });
        if (created !== undefined && process.platform !== 'win32') await chmod(dir, 0o700);
      })();
      this.folderReady = making;
      making.catch(() => {
        if (this.folderReady === making) this.folderReady = null;
      });
    }
    return this.folderReady;
  }

  /** Must run under the lock: two processes starting at once would otherwise both write a default. */
  private async createDefaultIfMissing(): Promise<void> {
    if (await exists(this.path)) return;
    await writeFileAtomic(this.path, DEFAULT_CONFIG_YAML, 0o600);
  }

  private async readText(): Promise<string> {
    let handle;
    try {
      handle = await open(this.path, 'r');
      const { size, isFile } = await handle.stat().then((info) => ({ size: info.size, isFile: info.isFile() }));
      if (!isFile) throw configInvalid(this.path, [{ where: '', what: 'is not a regular file' }]);
      if (size > MAX_CONFIG_BYTES) {
        throw configInvalid(this.path, [{ where: '', what: `the file is larger than ${MAX_CONFIG_BYTES} bytes; this is not a Latchkey config` }]);
      }
      return decodeConfigText(await handle.readFile(), this.path);
    } catch (error) {
      if (isAuthError(error)) throw error;
      throw configInvalid(this.path, [{ where: '', what: `cannot be read (${errnoCode(error) ?? 'unknown error'})` }], error);
    } finally {
      await handle?.close();
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}
