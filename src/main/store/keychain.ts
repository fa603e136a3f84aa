/**
 * The OS keychain as Latchkey uses it: one small secret (an encryption key) per account, under a service
 * name. Every failure of the platform store becomes `keychain_unavailable` with a fix for this OS; there is
 * deliberately no plaintext fallback.
 */
import { AsyncEntry } from '@napi-rs/keyring';
import { AuthError } from '../../shared/errors';

/** What the person can do when the keychain cannot be used, per OS. */
export function keychainHint(platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'darwin':
      return 'Unlock the login keychain in Keychain Access';
    case 'win32':
      return 'Check Credential Manager';
    default:
      return 'Install and unlock a Secret Service keyring (gnome-keyring or KWallet) and make sure a D-Bus session is running';
  }
}

/** Wraps a keychain failure; the reason is the platform's first line, which names no secret. */
export function keychainUnavailable(cause: unknown, platform: NodeJS.Platform = process.platform): AuthError {
  const raw = cause instanceof Error ? cause.message : String(cause);
  const firstLine = (raw.split('\n', 1)[0] ?? '').trim();
  const reason = firstLine === '' ? 'unknown error' : firstLine.length > 200 ? `${firstLine.slice(0, 197)}...` : firstLine;
  return new AuthError('keychain_unavailable', `The system keychain is not available: ${reason}`, { cause, hint: keychainHint(platform) });
}

/**
 * How long one keychain call may take. A locked Secret Service collection asks for its password through a
 * system prompt; where no prompt can be shown (no display, a dialog that never answers) the call could wait
 * forever and the app or CLI would hang. A person typing the password has a minute.
 */
export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 60_000;

/**
 * One keychain call at a time per process. On Linux every call opens its own D-Bus connection and Secret
 * Service session, and gnome-keyring-daemon has been seen to abort (GLib-ERROR in its session set-up, after
 * "assertion 'client' failed") when many such connections come and go at once. Latchkey makes few keychain
 * calls, so doing them one after another costs nothing that matters and keeps the keyring alive.
 */
let keychainQueue: Promise<unknown> = Promise.resolve();

function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = keychainQueue.then(task, task);
  keychainQueue = run.catch(() => undefined);
  return run;
}

/** Password entries of one keychain service; every call fails as `keychain_unavailable`, never another way. */
export class Keychain {
  readonly timeoutMs: number;

  constructor(
    readonly service: string,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS;
  }

  /** The stored value, or null if there is none. */
  async get(account: string): Promise<string | null> {
    return this.call(account, (entry, signal) => entry.getPassword(signal));
  }

  async set(account: string, value: string): Promise<void> {
    await this.call(account, (entry, signal) => entry.setPassword(value, signal));
  }

  /** Removes the entry; false if there was none. */
  async delete(account: string): Promise<boolean> {
    return this.call(account, (entry, signal) => entry.deleteCredential(signal));
  }

  private call<T>(account: string, op: (entry: AsyncEntry, signal: AbortSignal) => Promise<T>): Promise<T> {
    return oneAtATime(() => this.callNow(account, op));
  }

  private async callNow<T>(account: string, op: (entry: AsyncEntry, signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      // Pinned to Secret Service on Linux: otherwise the library silently falls back to the kernel keyring,
      // which forgets everything at reboot. Ignored on macOS and Windows. Constructing an entry already
      // talks to D-Bus and throws synchronously when there is none, so it is inside the try.
      const entry = new AsyncEntry(this.service, account, { linux: { store: 'secret-service' } });
      return await op(entry, signal);
    } catch (error) {
      if (signal.aborted) {
        throw keychainUnavailable(
          new Error(`it did not answer within ${Math.round(this.timeoutMs / 1000)} s (is the keyring locked and waiting for a password prompt?)`, { cause: error }),
        );
      }
      throw keychainUnavailable(error);
    }
  }
}
