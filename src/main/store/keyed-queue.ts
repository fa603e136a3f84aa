/**
 * Serialises async work per key inside one process.
 *
 * The cross-process file lock alone cannot order callers of the same process fairly (they would all poll
 * the same lock file and race), and the keychain vault must never let a set() and a delete() of one
 * account interleave. Both keep a promise chain per key here: each task starts after the previous one for
 * the same key has settled, whatever its outcome.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `task` after every task queued earlier under `key` has settled; resolves or rejects like `task`. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    // The chain must keep going even when a task fails, so the tail swallows the outcome; the caller
    // still sees it through `result`.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      // Forget idle keys so a long-running app does not accumulate one entry per account or path.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Number of keys with queued or running work (for tests and diagnostics). */
  get activeKeys(): number {
    return this.tails.size;
  }
}
