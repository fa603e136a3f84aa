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

/** Password entries of one keychain service; every call fails as `keychain_unavailable`, never another way. */
export class Keychain {
  constructor(readonly service: string) {}

  /** The stored value, or null if there is none. */
  async get(account: string): Promise<string | null> {
    return this.call(account, (entry) => entry.getPassword());
  }

  async set(account: string, value: string): Promise<void> {
    await this.call(account, (entry) => entry.setPassword(value));
  }

  /** Removes the entry; false if there was none. */
  async delete(account: string): Promise<boolean> {
    return this.call(account, (entry) => entry.deleteCredential());
  }

  private async call<T>(account: string, op: (entry: AsyncEntry) => Promise<T>): Promise<T> {
    try {
      // Pinned to Secret Service on Linux: otherwise the library silently falls back to the kernel keyring,
      // which forgets everything at reboot. Ignored on macOS and Windows. Constructing an entry already
      // talks to D-Bus and throws synchronously when there is none, so it is inside the try.
      const entry = new AsyncEntry(this.service, account, { linux: { store: 'secret-service' } });
      return await op(entry);
    } catch (error) {
      throw keychainUnavailable(error);
    }
  }
}
