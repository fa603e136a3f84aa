/**
 * The demo provider's persistent state: one JSON file holding every stored artifact (sessions,
 * interactions, codes, grants, tokens), kept in memory and rewritten atomically after each change.
 *
 * Why a file and not memory: a refresh token issued before the provider restarts must still work after
 * it, and a rotated (consumed) refresh token must still be recognised as consumed, or reuse detection
 * would be lost on restart. The demo provider serves one person, so a small single file is enough.
 */
import { join } from 'node:path';
import type { AdapterPayload } from 'oidc-provider';
import { quarantineFile, readJsonFile, writePrivateFileAtomic } from './private-files';

export const STORE_FILE = 'store.json';

interface StoredEntry {
  payload: AdapterPayload;
  /** Epoch milliseconds after which the entry no longer exists; null = no expiry. */
  expiresAt: number | null;
}

interface StoreFileContent {
  version: 1;
  entries: Record<string, StoredEntry>;
}

/** Payloads are plain JSON; copying through JSON makes what find() returns identical to what a restart reads. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function isStoreFileContent(value: unknown): value is StoreFileContent {
  if (typeof value !== 'object' || value === null) return false;
  const { version, entries } = value as Partial<StoreFileContent>;
  return version === 1 && typeof entries === 'object' && entries !== null && !Array.isArray(entries);
}

export class FileStore {
  private readonly entries = new Map<string, StoredEntry>();
  /** Resolves when the last scheduled write has finished (never rejects: callers see their own failure). */
  private lastWrite: Promise<void> = Promise.resolve();
  /** A write that is scheduled but has not taken its snapshot yet; later changes can join it. */
  private queuedWrite: Promise<void> | null = null;

  private constructor(
    private readonly file: string,
    private readonly now: () => number,
  ) {}

  /** Opens (or creates) the store of `dataDir`. A damaged file is moved aside and the store starts empty. */
  static async open(dataDir: string, log: (line: string) => void, now: () => number = Date.now): Promise<FileStore> {
    const store = new FileStore(join(dataDir, STORE_FILE), now);
    const read = await readJsonFile(store.file);
    if (read !== undefined) {
      const parsed = read === 'unreadable' ? undefined : read.value;
      if (isStoreFileContent(parsed)) {
        for (const [key, entry] of Object.entries(parsed.entries)) store.entries.set(key, entry);
        store.sweep();
      } else {
        const aside = await quarantineFile(store.file);
        log(`demo provider: ${STORE_FILE} was unreadable, moved to ${aside}; starting with no sessions`);
      }
    }
    return store;
  }

  /** The payload stored under `key`, or undefined when absent or expired. Returns a copy. */
  get(key: string): AdapterPayload | undefined {
    const entry = this.live(key);
    return entry === undefined ? undefined : copy(entry.payload);
  }

  /** Stores `payload` under `key` for `expiresInSeconds` (forever when undefined) and persists. */
  async set(key: string, payload: AdapterPayload, expiresInSeconds: number | undefined): Promise<void> {
    const expiresAt = typeof expiresInSeconds === 'number' ? this.now() + expiresInSeconds * 1000 : null;
    this.entries.set(key, { payload: copy(payload), expiresAt });
    await this.persist();
  }

  /** Changes the stored payload in place (keeping its expiry) and persists; false when absent or expired. */
  async update(key: string, change: (payload: AdapterPayload) => void): Promise<boolean> {
    const entry = this.live(key);
    if (entry === undefined) return false;
    change(entry.payload);
    await this.persist();
    return true;
  }

  /** Moves an entry to another key (keeping its expiry), changing its payload on the way, and persists. */
  async move(from: string, to: string, change: (payload: AdapterPayload) => AdapterPayload): Promise<boolean> {
    const entry = this.live(from);
    if (entry === undefined) return false;
    this.entries.delete(from);
    this.entries.set(to, { payload: change(copy(entry.payload)), expiresAt: entry.expiresAt });
    await this.persist();
    return true;
  }

  async delete(keys: readonly string[]): Promise<void> {
    let changed = false;
    for (const key of keys) changed = this.entries.delete(key) || changed;
    if (changed) await this.persist();
  }

  /** Keys and payloads (not copies: callers only read) of the live entries whose key starts with `prefix`. */
  *scan(prefix: string): Generator<[string, AdapterPayload]> {
    for (const [key, entry] of this.entries) {
      if (key.startsWith(prefix) && !this.isExpired(entry)) yield [key, entry.payload];
    }
  }

  /** Waits for every write scheduled so far. */
  async flush(): Promise<void> {
    await this.lastWrite;
  }

  private live(key: string): StoredEntry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.isExpired(entry)) {
      // Forgotten in memory now; the next write drops it from disk.
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private isExpired(entry: StoredEntry): boolean {
    return entry.expiresAt !== null && entry.expiresAt <= this.now();
  }

  private sweep(): void {
    for (const [key, entry] of this.entries) if (this.isExpired(entry)) this.entries.delete(key);
  }

  /**
   * Writes the current state after any write in progress. Writes are serialised so an older snapshot can
   * never overwrite a newer one; changes made while a write waits its turn share that write.
   */
  private persist(): Promise<void> {
    if (this.queuedWrite !== null) return this.queuedWrite;
    const write = this.lastWrite.then(() => {
      this.queuedWrite = null;
      // The snapshot is taken synchronously here: any later change queues a new write.
      this.sweep();
      const content: StoreFileContent = { version: 1, entries: Object.fromEntries(this.entries) };
      return writePrivateFileAtomic(this.file, JSON.stringify(content));
    });
    this.queuedWrite = write;
    this.lastWrite = write.catch(() => undefined);
    return write;
  }
}
