/**
 * Session contracts shared by the engine, the IPC layer, the preload API and the renderer.
 * Everything here is safe to show: summaries and expiry times, never a token.
 */
import type { AccountsEngine } from './accounts';
import type { ApiRequest, ApiResponse, ApiSummary } from './api';
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
  /** The picture as a `data:` URL fetched by the main process (the window loads no remote image). */
  picture?: string;
  /** Its own roles (config.yaml) and, where access.roles_claim is set, those its provider contributes. */
  roles: string[];
  /** A local account (username and password, `local: true` provider) rather than a third-party one. */
  local?: boolean;
  /** A local account with a TOTP second factor turned on. */
  totp?: boolean;
  /** Whether the account currently has a session (tokens in the keychain, not signed out). */
  signedIn: boolean;
  /** ISO time of the sign-in that started the current session. */
  signedInAt?: string;
  /** ISO time of the last successful refresh. */
  lastRefreshAt?: string;
  /** ISO time at which the current access token expires; absent if unknown. */
  accessTokenExpiresAt?: string;
  /**
   * ISO time at which the session ends unless the person signs in again: the provider's limit on the refresh
   * token, or `session.expiry_days` without use, whichever comes first. Absent when neither sets one.
   */
  sessionEndsAt?: string;
  /** What ends it then: `refresh_token` (the provider's limit) or `expiry_days` (Latchkey's setting). */
  sessionEndsBecause?: 'refresh_token' | 'expiry_days';
  /** Within `session.warn_days` of that end: the dashboard offers to sign in again. */
  sessionEndsSoon?: boolean;
  /** Whether the session's tokens are bound to a key that never leaves Latchkey (DPoP, RFC 9449). */
  dpop?: boolean;
  /**
   * `offline`: the provider could not be reached when a refresh was due; the session stays and is
   * retried. `stale`: the access token has expired and could not be refreshed yet.
   */
  connectivity: 'online' | 'offline';
  stale: boolean;
  /** Why the account was signed out, when it was not the person's own choice (e.g. grant revoked). */
  signedOutReason?: string;
}

/** Which mark the sign-in button shows: a well-known provider's own, or a generic one. */
export type ProviderMark = 'demo' | 'google' | 'microsoft' | 'github' | 'openid' | 'oauth';

export interface ProviderSummary {
  name: string;
  label: string;
  embedded: boolean;
  mark: ProviderMark;
  issuer?: string;
  /** The redirect URIs to register at the provider (`http://127.0.0.1/callback` = any port). */
  redirectUris?: string[];
  /** A weakened setting the person chose (e.g. `pkce: false`), to show beside the button. */
  warning?: string;
  /** What to register at the provider and what works (refresh, revocation, sign-out page), line by line. */
  details?: string[];
  /**
   * Sign-in on another device (RFC 8628): true when the provider offers it, false when it cannot, absent when
   * only its discovery document can tell (then trying is allowed and says so if it does not).
   */
  deviceFlow?: boolean;
}

/** A sign-in in progress: the browser is out. */
export interface SignInProgress {
  provider: string;
  /** The authorization URL (no secret in it: PKCE sends only the challenge) for "open again" / "copy link". */
  authorizationUrl: string;
  startedAt: string;
  expiresAt: string;
  /** Where the browser must come back to; shown when it does not come back. */
  redirectUri: string;
  /**
   * Set when the browser has not come back after a while: what to check (usually that exactly this redirect
   * URI is registered at the provider, or the provider entry's `redirect_uri` setting).
   */
  waitingHint?: string;
  /** Set when the browser could not be opened: why (the link can still be opened by hand, on any machine). */
  browserError?: string;
}

/**
 * A sign-in on another device in progress: the code the person enters at the provider's page, where, and until
 * when. Nothing secret: the device code that redeems the grant stays in the main process.
 */
export interface DeviceSignInProgress {
  provider: string;
  /** The code to enter (shown large). */
  userCode: string;
  verificationUri: string;
  /** The page with the code already filled in, where the provider offers one (what the QR code holds). */
  verificationUriComplete?: string;
  /** The QR code of verificationUriComplete (or verificationUri) as an SVG drawing. */
  qrSvg: string;
  startedAt: string;
  /** When the code stops working. */
  expiresAt: string;
  /** Seconds between two polls of the provider (raised when the provider asks to slow down). */
  interval: number;
}

export interface SessionState {
  /**
   * `config_invalid`: config.yaml must be fixed first; `configError` says where. `passphrase_required`: secrets
   * are kept in the passphrase store (`storage: passphrase`) and it is not open yet; `passphraseSetup` says how.
   */
  phase: 'ready' | 'config_invalid' | 'passphrase_required';
  /** With `passphrase_required`: `create` (no store yet: choose a passphrase) or `unlock` (enter it). */
  passphraseSetup?: 'create' | 'unlock';
  accounts: AccountSummary[];
  activeAccountKey: string | null;
  signIn: SignInProgress | null;
  /** A sign-in on another device in progress (RFC 8628): what to show. Absent when there is none. */
  deviceSignIn?: DeviceSignInProgress;
  /** The outcome of the last sign-in attempt that failed, until the next attempt starts. */
  lastSignInError?: ErrorInfo;
  configError?: ErrorInfo;
  configPath: string;
}

export interface SignInOptions {
  /** Who is expected to sign in (the e-mail of the account being renewed). */
  loginHint?: string;
  /**
   * Open no browser: the person opens the link on any machine and may paste back the address it ends on
   * (`latchkey login --no-browser`). Not offered to the window.
   */
  noBrowser?: boolean;
}

export interface SignOutOptions {
  accountKey?: string;
  /** Remove the account record from config.yaml instead of marking it `logged_in: false`. */
  forget?: boolean;
}

export interface SignOutResult {
  accountKey: string;
  /** Whether the provider confirmed revocation of the refresh token (RFC 7009, or the provider's own API). */
  revoked: boolean;
  /**
   * What the provider did with the tokens: `revoked`; `not_supported` (it has no way to revoke);
   * `refused` (it answered no, e.g. it wants client authentication); `failed` (it could not be reached).
   */
  revocation: 'revoked' | 'not_supported' | 'refused' | 'failed';
  /** For anything but `revoked`: what happened and what it means, in plain words. */
  revocationDetail?: string;
  /**
   * Whether the provider has a sign-out page that `openEndSession()` opens. The URL itself carries the ID
   * token as `id_token_hint`, so it stays in the main process.
   */
  endSessionAvailable: boolean;
  /** Why there is no sign-out page (e.g. Google has none for apps). */
  endSessionNote?: string;
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
export interface SessionEngine extends AccountsEngine {
  getState(): SessionState;
  /** Reads config.yaml and the keychain again, as at start-up (e.g. after the person fixed the file). */
  reload(): Promise<SessionState>;
  /**
   * Opens the passphrase store (creating it on first use) with the person's passphrase, then reads every account
   * again; rejects with `passphrase_wrong` (nothing changes). Only where `storage: passphrase` is chosen.
   */
  unlock(passphrase: string): Promise<SessionState>;
  listProviders(): ProviderSummary[];
  /**
   * Runs a whole browser sign-in; resolves when signed in and persisted, rejects with an AuthError.
   * `loginHint` (renewing a known account: its e-mail) is sent as `login_hint` where the provider supports it.
   */
  signIn(provider: string, options?: SignInOptions): Promise<AccountSummary>;
  /**
   * Runs a whole sign-in on another device (RFC 8628): the code and the page to enter it on appear in the
   * state (`deviceSignIn`); resolves when signed in and persisted, rejects with an AuthError.
   */
  signInWithDevice(provider: string): Promise<AccountSummary>;
  /** Cancels the sign-in in progress, if any (its signIn() or signInWithDevice() rejects with `cancelled`). */
  cancelSignIn(): void;
  switchAccount(accountKey: string): Promise<void>;
  /** Forces a refresh of the account (default: active). */
  refreshNow(accountKey?: string): Promise<AccountSummary>;
  signOut(options?: SignOutOptions): Promise<SignOutResult>;
  /** Opens the authorization URL of the sign-in in progress in the system browser again. */
  reopenBrowser(): Promise<void>;
  /**
   * Opens the provider's end-session page that the last sign-out of this account produced (with
   * `id_token_hint`, built in the main process). Only URLs the engine itself produced can be opened this way,
   * so the renderer cannot make the app open arbitrary URLs.
   */
  openEndSession(accountKey: string): Promise<void>;
  /** The newest entries of the auth-event log, newest first. */
  recentEvents(limit?: number): Promise<AuthEvent[]>;
  /** The APIs of config.yaml's `apis:` (names, providers, base URLs: nothing secret). */
  listApis(): ApiSummary[];
  /**
   * One request to a configured API with the session of its provider's account: the token is attached here,
   * in the main process (DPoP-bound where possible), refreshed once on a 401 that says it is no longer valid,
   * and never sent anywhere but the API's base_url.
   */
  fetchApi(api: string, request: ApiRequest): Promise<ApiResponse>;
  onStateChange(listener: (state: SessionState) => void): () => void;
}
