/**
 * Session contracts shared by the engine, the IPC layer, the preload API and the renderer.
 * Everything here is safe to show: summaries and expiry times, never a token.
 */
import type { ErrorInfo } from './errors';

/** One account as the UI sees it. */
export interface AccountSummary {
  /** Stable per provider + subject; the key under credentials.usernames in config.yaml. */
  key: string;
  provider: string;
  providerLabel: string;
  subject: string;
  name: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  picture?: string;
  roles: string[];
  /** Whether the account currently has a session (tokens in the keychain, not signed out). */
  signedIn: boolean;
  /** ISO time of the sign-in that started the current session. */
  signedInAt?: string;
  /** ISO time of the last successful refresh. */
  lastRefreshAt?: string;
  /** ISO time at which the current access token expires; absent if unknown. */
  accessTokenExpiresAt?: string;
  /**
   * `offline`: the provider could not be reached when a refresh was due; the session stays and is
   * retried. `stale`: the access token has expired and could not be refreshed yet.
   */
  connectivity: 'online' | 'offline';
  stale: boolean;
  /** Why the account was signed out, when it was not the person's own choice (e.g. grant revoked). */
  signedOutReason?: string;
}

export interface ProviderSummary {
  name: string;
  label: string;
  embedded: boolean;
  issuer?: string;
}

/** A sign-in in progress: the browser is out. */
export interface SignInProgress {
  provider: string;
  /** The authorization URL (no secret in it: PKCE sends only the challenge) for "open again" / "copy link". */
  authorizationUrl: string;
  startedAt: string;
  expiresAt: string;
}

export interface SessionState {
  /** `config_invalid`: config.yaml must be fixed first; `configError` says where. */
  phase: 'ready' | 'config_invalid';
  accounts: AccountSummary[];
  activeAccountKey: string | null;
  signIn: SignInProgress | null;
  /** The outcome of the last sign-in attempt that failed, until the next attempt starts. */
  lastSignInError?: ErrorInfo;
  configError?: ErrorInfo;
  configPath: string;
}

export interface SignOutOptions {
  accountKey?: string;
  /** Remove the account record from config.yaml instead of marking it `logged_in: false`. */
  forget?: boolean;
}

export interface SignOutResult {
  accountKey: string;
  /** Whether the provider confirmed revocation of the refresh token (RFC 7009). */
  revoked: boolean;
  /** The provider's RP-initiated logout URL, for the caller to open; null if it has none. */
  endSessionUrl: string | null;
}

/** An entry of the auth-event log: never a secret. */
export interface AuthEvent {
  at: string;
  kind: 'sign_in' | 'refresh' | 'sign_out' | 'restore' | 'failure';
  accountKey?: string;
  outcome: 'ok' | 'error';
  code?: string;
  detail?: string;
}

/**
 * The session engine as the IPC router and the CLI use it. Implemented in src/main/auth/session-manager.ts.
 * Every state change is persisted (YAML + keychain) before listeners hear of it.
 */
export interface SessionEngine {
  getState(): SessionState;
  /** Reads config.yaml and the keychain again, as at start-up (e.g. after the person fixed the file). */
  reload(): Promise<SessionState>;
  listProviders(): ProviderSummary[];
  /** Runs a whole browser sign-in; resolves when signed in and persisted, rejects with an AuthError. */
  signIn(provider: string): Promise<AccountSummary>;
  /** Cancels the sign-in in progress, if any (its signIn() rejects with `cancelled`). */
  cancelSignIn(): void;
  switchAccount(accountKey: string): Promise<void>;
  /** Forces a refresh of the account (default: active). */
  refreshNow(accountKey?: string): Promise<AccountSummary>;
  signOut(options?: SignOutOptions): Promise<SignOutResult>;
  /** Opens the authorization URL of the sign-in in progress in the system browser again. */
  reopenBrowser(): Promise<void>;
  /**
   * Opens the provider's end-session page that the last sign-out of this account produced. Only URLs the
   * engine itself produced can be opened this way, so the renderer cannot make the app open arbitrary URLs.
   */
  openEndSession(accountKey: string): Promise<void>;
  /** The newest entries of the auth-event log, newest first. */
  recentEvents(limit?: number): Promise<AuthEvent[]>;
  onStateChange(listener: (state: SessionState) => void): () => void;
}
