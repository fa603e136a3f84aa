/**
 * The session manager: the one owner of "who is signed in", as the IPC router, the CLI and the desktop glue
 * see it. It composes the engine's parts over one shared core (session-core.ts): restore (session-restore.ts),
 * browser sign-in (session-sign-in.ts), refresh and its timers (session-refresh.ts), sign-out
 * (session-sign-out.ts) and requests to configured APIs with the session (session-api.ts). Every change is on
 * disk before listeners hear of it.
 */
import type { ApiRequest, ApiResponse, ApiSummary } from '../../shared/api';
import type { DetailsUpdate, LocalAccountsInfo, LocalSignInRequest, PasswordChangeRequest, RegistrationRequest, TerminalTotpEnrollment, TotpActivation, TotpEnrollment, UserSummary } from '../../shared/accounts';
import { AuthError } from '../../shared/errors';
import type {
  AccountSummary,
  AuthEvent,
  ProviderSummary,
  SessionEngine,
  SessionState,
  SignOutOptions,
  SignOutResult,
} from '../../shared/session';
import type { LatchkeyConfig, ProviderConfig } from '../store/schema';
import type { AvatarCache } from './avatar-cache';
import type { AuthEventLog } from './event-log';
import type { ProviderRegistry } from './providers';
import { ApiCaller } from './session-api';
import { SessionAccounts } from './session-accounts';
import { SessionCore, unknownAccount } from './session-core';
import { DeviceSignInCoordinator } from './session-device-sign-in';
import { SessionRefresher } from './session-refresh';
import { SessionRestorer } from './session-restore';
import { SignInCoordinator, type SignInRequestOptions } from './session-sign-in';
import { SignOutCoordinator } from './session-sign-out';
import type { AccountStore, SecretsLock, TokenVault } from './storage';

export { WAITING_HINT_AFTER_MS } from './session-sign-in';

export interface SessionManagerOptions {
  /** config.yaml (store/config.ts). */
  config: AccountStore;
  /** The keychain-backed token vault (store/secrets.ts). */
  vault: TokenVault;
  /** The passphrase store's lock, when secrets are kept there instead of the OS keychain (unlock()). */
  secretsLock?: SecretsLock;
  events: AuthEventLog;
  /** Builds the provider registry from config.yaml's providers (called at restore and after config changes). */
  createProviderRegistry: (providers: Record<string, ProviderConfig>) => ProviderRegistry;
  openBrowser: (url: string) => Promise<void>;
  now?: () => number;
  signInTimeoutMs?: number;
  /** When to tell the person what to check if the browser has not come back (default 20 s). */
  waitingHintAfterMs?: number;
  /** Refresh tokens shortly before they expire (the desktop app); off for one-shot CLI commands. */
  autoRefresh?: boolean;
  log?: (line: string) => void;
  /** Account pictures fetched by the main process and shown as data: URLs (the window loads nothing remote). */
  avatars?: AvatarCache;
  /** config.yaml as just loaded by the caller: used by the first restore() instead of reading it again. */
  initialConfig?: LatchkeyConfig;
  /** The fetch for requests to configured APIs (the app's network stack). */
  fetch?: typeof fetch;
}

export class SessionManager implements SessionEngine {
  readonly #core: SessionCore;
  readonly #refresher: SessionRefresher;
  readonly #signIn: SignInCoordinator;
  readonly #deviceSignIn: DeviceSignInCoordinator;
  readonly #signOut: SignOutCoordinator;
  readonly #restorer: SessionRestorer;
  readonly #accounts: SessionAccounts;
  readonly #api: ApiCaller;

  constructor(options: SessionManagerOptions) {
    this.#core = new SessionCore({
      store: options.config,
      vault: options.vault,
      events: options.events,
      createProviderRegistry: options.createProviderRegistry,
      now: options.now ?? Date.now,
      ...(options.log ? { log: options.log } : {}),
      ...(options.avatars ? { avatars: options.avatars } : {}),
      ...(options.secretsLock ? { secretsLock: options.secretsLock } : {}),
    });
    this.#refresher = new SessionRefresher(this.#core, { autoRefresh: options.autoRefresh === true });
    this.#signIn = new SignInCoordinator(this.#core, this.#refresher, {
      openBrowser: options.openBrowser,
      ...(options.signInTimeoutMs !== undefined ? { signInTimeoutMs: options.signInTimeoutMs } : {}),
      ...(options.waitingHintAfterMs !== undefined ? { waitingHintAfterMs: options.waitingHintAfterMs } : {}),
    });
    this.#deviceSignIn = new DeviceSignInCoordinator(this.#core, this.#refresher, { otherSignInBusy: () => this.#signIn.busy });
    this.#signOut = new SignOutCoordinator(this.#core, { openBrowser: options.openBrowser });
    this.#restorer = new SessionRestorer(this.#core, this.#refresher, this.#signOut, options.initialConfig);
    this.#accounts = new SessionAccounts(this.#core);
    this.#api = new ApiCaller(this.#core, this.#refresher, options.fetch ? { fetch: options.fetch } : {});
  }

  /**
   * Reads config.yaml and the keychain and brings every account that was signed in back. A valid access token
   * means signed in with no network call; an expired one is refreshed; a network failure keeps the session
   * (offline); only a definite refusal signs an account out. Resolves once the active account is ready; the
   * others follow in the background (restored()).
   */
  async restore(): Promise<SessionState> {
    await this.#restorer.restore();
    await this.#accounts.afterRestore();
    return this.getState();
  }

  /**
   * The state once every account has been read: restore() returns when the active account is ready, and the
   * others may still be arriving (they count as signed in, as config.yaml says, until they have been read).
   */
  async restored(): Promise<SessionState> {
    await this.#restorer.settled();
    return this.getState();
  }

  /** What people should be told once, e.g. that a hand-written password was hashed (the CLI prints these). */
  get notices(): readonly string[] {
    return this.#accounts.notices;
  }

  localAccountsInfo(): LocalAccountsInfo | null {
    return this.#accounts.info();
  }

  signInLocal(request: LocalSignInRequest): Promise<AccountSummary> {
    return this.#accounts.signIn(request);
  }

  register(request: RegistrationRequest): Promise<AccountSummary> {
    return this.#accounts.register(request);
  }

  changePassword(request: PasswordChangeRequest): Promise<void> {
    return this.#accounts.changePassword(request);
  }

  updateDetails(update: DetailsUpdate): Promise<AccountSummary> {
    return this.#accounts.updateDetails(update);
  }

  hasRole(role: string, accountKey?: string): boolean {
    return this.#accounts.hasRole(role, accountKey);
  }

  listUsers(): UserSummary[] {
    return this.#accounts.listUsers();
  }

  beginTotp(accountKey?: string): TotpEnrollment {
    return this.#accounts.beginTotp(accountKey);
  }

  /** The CLI's start of turning on TOTP (the secret as text): not part of SessionEngine, so never over IPC. */
  beginTotpInTerminal(accountKey?: string): TerminalTotpEnrollment {
    return this.#accounts.beginTotpInTerminal(accountKey);
  }

  confirmTotp(code: string, accountKey?: string): Promise<TotpActivation> {
    return this.#accounts.confirmTotp(code, accountKey);
  }

  disableTotp(password: string, accountKey?: string): Promise<void> {
    return this.#accounts.disableTotp(password, accountKey);
  }

  /**
   * Opens the passphrase store with the passphrase the person entered (creating it on first use), then reads
   * every account again, as at start-up. Rejects with passphrase_wrong (nothing changes) or weak_password.
   */
  async unlock(passphrase: string): Promise<SessionState> {
    const lock = this.#core.options.secretsLock;
    if (!lock) throw new AuthError('invalid_argument', 'Secrets are kept in the OS keychain here: there is no passphrase to enter.');
    await lock.unlock(passphrase);
    // What restore reported while the store was locked is no longer true.
    const shown = this.#core.lastSignInError?.code;
    if (shown === 'passphrase_required' || shown === 'passphrase_wrong') this.#core.lastSignInError = undefined;
    return this.reload();
  }

  async reload(): Promise<SessionState> {
    if (this.#signIn.busy || this.#deviceSignIn.busy) throw new AuthError('busy', 'A sign-in is in progress. Finish or cancel it first.');
    return this.restore();
  }

  /** Re-checks every signed-in account after the machine resumed from sleep (or the clock jumped). */
  recheck(): Promise<void> {
    return this.#refresher.recheck();
  }

  getState(): SessionState {
    return this.#core.getState();
  }

  listProviders(): ProviderSummary[] {
    return this.#core.providers?.summaries() ?? [];
  }

  onStateChange(listener: (state: SessionState) => void): () => void {
    this.#core.listeners.add(listener);
    return () => this.#core.listeners.delete(listener);
  }

  async recentEvents(limit = 20): Promise<AuthEvent[]> {
    return this.#core.options.events.recent(limit);
  }

  signIn(providerName: string, options: SignInRequestOptions = {}): Promise<AccountSummary> {
    // One sign-in at a time: a sign-in on another device holds it too.
    if (this.#deviceSignIn.busy) return Promise.reject(new AuthError('busy', 'A sign-in is already in progress. Finish or cancel it first.'));
    return this.#signIn.signIn(providerName, options);
  }

  /** A sign-in on another device (RFC 8628): the code to enter appears in the state's `deviceSignIn`. */
  signInWithDevice(providerName: string): Promise<AccountSummary> {
    return this.#deviceSignIn.signIn(providerName);
  }

  /**
   * Finishes the sign-in in progress with the redirect address a person pasted (the browser ran on another
   * machine): validated and exchanged exactly like the browser's return to the loopback listener. Throws a coded
   * AuthError for an address that is not this sign-in's redirect; the sign-in then keeps waiting.
   */
  completeSignIn(url: string): void {
    this.#signIn.completeSignIn(url);
  }

  cancelSignIn(): void {
    this.#deviceSignIn.cancel();
    this.#signIn.cancel();
  }

  reopenBrowser(): Promise<void> {
    return this.#signIn.reopenBrowser();
  }

  async switchAccount(accountKey: string): Promise<void> {
    const core = this.#core;
    const config = core.requireConfig();
    if (!config.credentials.usernames[accountKey]) throw unknownAccount(accountKey);
    await core.loaded(accountKey);
    if (!core.isSignedIn(accountKey)) throw new AuthError('not_signed_in', `Account "${accountKey}" is signed out. Sign in with it again first.`);
    core.setConfig(await core.options.store.update((draft) => draft.setActiveAccount(accountKey)));
    core.activeKey = accountKey;
    core.emit();
  }

  /** A valid access token for the account (default: active), refreshing first if it is due. */
  getAccessToken(accountKey?: string): Promise<string> {
    return this.#refresher.getAccessToken(accountKey);
  }

  listApis(): ApiSummary[] {
    return this.#api.listApis();
  }

  fetchApi(api: string, request: ApiRequest): Promise<ApiResponse> {
    return this.#api.fetchApi(api, request);
  }

  refreshNow(accountKey?: string): Promise<AccountSummary> {
    return this.#refresher.refreshNow(accountKey);
  }

  signOut(options: SignOutOptions = {}): Promise<SignOutResult> {
    return this.#signOut.signOut(options);
  }

  openEndSession(accountKey: string): Promise<void> {
    return this.#signOut.openEndSession(accountKey);
  }

  /**
   * Stops timers and any sign-in. With `session.expiry_days: 0` the desktop app passes `endSessions` so that
   * quitting forgets every session (revoked and deleted, records kept as signed out).
   */
  async close(options: { endSessions?: boolean } = {}): Promise<void> {
    const core = this.#core;
    core.closed = true;
    this.#signIn.cancel();
    this.#deviceSignIn.cancel();
    await this.#restorer.settled();
    for (const runtime of core.runtime.values()) clearTimeout(runtime.timer);
    if (options.endSessions && core.config?.session.expiry_days === 0) {
      for (const key of core.signedInKeys()) {
        const tokens = core.runtimeFor(key).tokens;
        if (tokens) await this.#signOut.revoke(key, tokens);
        await core.signOutLocally(key, undefined).catch(() => undefined);
      }
    }
    await this.#refresher.settle();
    core.listeners.clear();
  }
}
