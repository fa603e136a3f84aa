/**
 * What the engine needs from storage, declared here by the engine (the consumer) and implemented in store/:
 * a vault for token sets (whose update() is a read-modify-write under the account's cross-process lock) and a
 * store for account records. Keeping the interfaces this narrow is what lets the engine be composed with real
 * adapters in app.ts and tested with the same real ones, and what keeps store/ free to change how it keeps things.
 */
import type { AccountRecord, AccountRecordInput, LatchkeyConfig } from '../store/schema';
import type { DpopPrivateJwk } from './dpop';

/** One account's tokens. Kept only in the vault and the main process's memory, never in YAML or the window. */
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
  /**
   * epoch ms: when the refresh token stops working, where the provider says so (`refresh_expires_in`, GitHub
   * Apps' `refresh_token_expires_in`). The session ends then unless the person signs in again.
   */
  refreshExpiresAt?: number;
  /**
   * The account's DPoP private key (RFC 9449), when its tokens are bound to it. It lives here, and only here,
   * so it is sealed with the tokens it belongs to and can never be lost or kept apart from them.
   */
  dpopKey?: DpopPrivateJwk;
}

/** Secrets per account key (the OS keychain, in store/secrets.ts). */
export interface TokenVault {
  /** null when the account has no stored tokens (signed out, or lost); rejects when the keychain is unavailable. */
  get(accountKey: string): Promise<TokenSet | null>;
  /** Replaces the tokens; resolves once they are durable. */
  set(accountKey: string, tokens: TokenSet): Promise<void>;
  delete(accountKey: string): Promise<void>;
  /**
   * A read-modify-write under the account's cross-process lock (a refresh): `work` gets the newest stored
   * tokens and may return tokens to store; resolves with its result once those are durable.
   */
  update<T>(accountKey: string, work: (stored: TokenSet | null) => Promise<TokenVaultUpdate<T>>): Promise<T>;
  /** Optional: reads many accounts' secrets at once, ahead of the get() calls that follow (start-up). */
  prefetch?(accountKeys: readonly string[]): Promise<void>;
}

/**
 * A secret store that the person opens with a passphrase before the vault can be used (the passphrase store,
 * store/passphrase-key-store.ts). Absent for the OS keychain, which the OS unlocks.
 */
export interface SecretsLock {
  /** null once open; otherwise whether the person chooses a passphrase (`create`) or enters it (`unlock`). */
  needs(): 'create' | 'unlock' | null;
  /** Opens the store (creating it with this passphrase if there is none); rejects with passphrase_wrong. */
  unlock(passphrase: string): Promise<void>;
}

/** What the work of TokenVault.update() answers: its result, and the tokens to store (none: store nothing). */
export interface TokenVaultUpdate<T> {
  result: T;
  store?: TokenSet;
}

/** The edits the engine makes to account records inside one locked update. */
export interface AccountEdits {
  getAccount(key: string): AccountRecord | undefined;
  /** Every record in file order (to find a username or e-mail already in use). */
  accounts(): Array<[key: string, record: AccountRecord]>;
  setAccount(key: string, record: AccountRecordInput): void;
  removeAccount(key: string): boolean;
  setActiveAccount(key: string | null): void;
}

/** config.yaml as the engine uses it (store/config.ts). */
export interface AccountStore {
  readonly path: string;
  load(): Promise<LatchkeyConfig>;
  /** Re-reads, applies `edit` and writes atomically under a cross-process lock; resolves with the new file. */
  update(edit: (draft: AccountEdits) => void): Promise<LatchkeyConfig>;
}
