/**
 * The engine's per-account lock (auth/storage.ts's AccountLocks) as lock files in the data folder's `locks/`:
 * one per account, named by a hash of the account key so that any key makes a safe file name.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { AccountLocks } from '../auth/storage';
import { withFileLock } from './file-lock';

export class FileAccountLocks implements AccountLocks {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  withAccountLock<T>(accountKey: string, work: () => Promise<T>): Promise<T> {
    return withFileLock(join(this.#dir, `refresh-${createHash('sha256').update(accountKey).digest('hex').slice(0, 24)}.lock`), work);
  }
}
