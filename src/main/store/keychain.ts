/**
 * The OS keychain as Latchkey uses it: one small secret (an encryption key) per account, under a service
 * name. Every failure of the platform store becomes `keychain_unavailable` with a fix for this OS; there is
 * deliberately no plaintext fallback.
 */
import { createRequire } from 'node:module';
import type { AsyncEntry } from '@napi-rs/keyring';
import { AuthError } from '../../shared/errors';
import type { SecretKeyStore } from './secrets';

type KeyringModule = typeof import('@napi-rs/keyring');

let keyringModule: KeyringModule | undefined;

/**
 * The native binding, loaded on first use and through require(): importing a CommonJS package from an ES
 * module makes Node lex its whole source to find the export names, about 8 ms of every CLI start that reads
 * the keychain (require alone: about 3 ms, most of it the binding itself).
 */
function keyring(): KeyringModule {
  keyringModule ??= createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule;
  return keyringModule;
}

/**
 * The opt-in for machines without a keychain to use. Only ever named, never taken on the person's behalf: a
 * keychain that exists but is locked must be unlocked, not silently replaced.
 */
export const PASSPHRASE_OPT_IN =
  'Where there is no keychain to use (a server, a container), Latchkey can keep secrets in a passphrase-sealed file instead: set storage: passphrase in config.yaml, or LATCHKEY_STORAGE=passphrase';

/** What the person can do when the keychain cannot be used, per OS; then the opt-in. */
export function keychainHint(platform: NodeJS.Platform = process.platform): string {
  return `${keychainFix(platform)}. ${PASSPHRASE_OPT_IN}.`;
}

function keychainFix(platform: NodeJS.Platform): string {
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
 * One keychain call at a time per process. On Linux every new entry opens its own D-Bus connection and Secret
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

/**
 * Entries are kept and reused. Making one sets up its store: on Linux a D-Bus connection and an encrypted
 * Secret Service session, about 7 ms that block the event loop; a call on an entry that exists costs well under
 * 1 ms (a read) to 2 ms (a write). Few are kept (an app uses one or two accounts at a time; a start-up with
 * many accounts reads them with one search, see findAll), so few connections stay open.
 */
const MAX_KEPT_ENTRIES = 8;
const kept = new Map<string, AsyncEntry>();

function entryFor(service: string, account: string): { entry: AsyncEntry; reused: boolean } {
  const id = `${service}\u0000${account}`;
  const found = kept.get(id);
  if (found) {
    // Most recently used last, so the oldest is the one let go.
    kept.delete(id);
    kept.set(id, found);
    return { entry: found, reused: true };
  }
  // Pinned to Secret Service on Linux: otherwise the library silently falls back to the kernel keyring,
  // which forgets everything at reboot. Ignored on macOS and Windows. Making an entry already talks to
  // D-Bus and throws synchronously when there is none.
  const entry = new (keyring().AsyncEntry)(service, account, { linux: { store: 'secret-service' } });
  kept.set(id, entry);
  if (kept.size > MAX_KEPT_ENTRIES) kept.delete(kept.keys().next().value as string);
  return { entry, reused: false };
}

function forget(service: string, account: string): void {
  kept.delete(`${service}\u0000${account}`);
}

/** Password entries of one keychain service; every call fails as `keychain_unavailable`, never another way. */
export class Keychain implements SecretKeyStore {
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

  /**
   * Lets go of the entries kept for this service (their connections close once collected): a closed engine
   * leaves none behind, and the next engine of the same process starts as a new process would.
   */
  release(): void {
    for (const id of [...kept.keys()]) if (id.startsWith(`${this.service}\u0000`)) kept.delete(id);
  }

  /** Removes the entry; false if there was none. */
  async delete(account: string): Promise<boolean> {
    return this.call(account, (entry, signal) => entry.deleteCredential(signal));
  }

  /**
   * Every entry of this service in one search (one connection instead of one per entry), as account → the
   * values found for it. A hint, not an answer: on Windows the search matches target names by suffix, so a
   * value may belong to another service whose name ends like this one, and an account may show up twice.
   * Callers use a value only after it has proved itself (it opens the account's token file); anything else
   * is asked of the entry itself.
   */
  async findAll(): Promise<Map<string, string[]>> {
    const found = await oneAtATime(async () => {
      const signal = AbortSignal.timeout(this.timeoutMs);
      try {
        return await keyring().findCredentialsAsync(this.service, null, signal);
      } catch (error) {
        throw this.failure(error, signal);
      }
    });
    const byAccount = new Map<string, string[]>();
    for (const { account, password } of found) byAccount.set(account, [...(byAccount.get(account) ?? []), password]);
    return byAccount;
  }

  private call<T>(account: string, op: (entry: AsyncEntry, signal: AbortSignal) => Promise<T>): Promise<T> {
    return oneAtATime(async () => {
      const first = AbortSignal.timeout(this.timeoutMs);
      let reused = false;
      try {
        const made = entryFor(this.service, account);
        reused = made.reused;
        return await op(made.entry, first);
      } catch (error) {
        forget(this.service, account);
        // A kept entry's session may have gone (the keyring daemon restarted): one more try on a new one.
        // Every call here is idempotent. A call that ran out of time is not repeated.
        if (!reused || first.aborted) throw this.failure(error, first);
      }
      const second = AbortSignal.timeout(this.timeoutMs);
      try {
        return await op(entryFor(this.service, account).entry, second);
      } catch (error) {
        forget(this.service, account);
        throw this.failure(error, second);
      }
    });
  }

  /** Any failure of the platform store, as keychain_unavailable (saying so when it ran out of time). */
  private failure(error: unknown, signal: AbortSignal): AuthError {
    if (signal.aborted) {
      return keychainUnavailable(
        new Error(`it did not answer within ${Math.round(this.timeoutMs / 1000)} s (is the keyring locked and waiting for a password prompt?)`, { cause: error }),
      );
    }
    return keychainUnavailable(error);
  }
}
