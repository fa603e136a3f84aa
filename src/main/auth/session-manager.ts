/**
 * The session manager: the one owner of "who is signed in". It restores sessions from config.yaml + the
 * keychain, runs sign-ins, refreshes tokens (single-flight, scheduled before expiry, cross-process safe), signs
 * out, and tells listeners — always after the change is on disk.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { AuthError, isAuthError, toAuthError, type ErrorInfo } from '../../shared/errors';
import type {
  AccountSummary,
  AuthEvent,
  ProviderSummary,
  SessionEngine,
  SessionState,
  SignInProgress,
  SignOutOptions,
  SignOutResult,
} from '../../shared/session';
import type { AccountRecord, ConfigStore, LatchkeyConfig, ProviderConfig } from '../store/config';
import type { SecretVault, TokenSet } from '../store/secrets';
import { accountKeyFor, findAccountKey } from './account-key';
import type { AvatarCache } from './avatar-cache';
import { recordFromProfile, summarizeAccount } from './account-records';
import type { AuthEventLog } from './event-log';
import { readProfile, trustedPictureOrigin, withSafePicture } from './profile-readers';
import type { ProviderClient } from './provider-client';
import { describeRedirect } from './provider-resolution';
import type { ProviderRegistry } from './providers';
import { endSessionUrl, revokeTokens, type RevocationReport } from './revocation';
import { beginSignIn, profileFromClaims, type ProfileClaims, type SignInRun } from './sign-in-flow';
import { serveSignedOutPage } from './signed-out-page';
import { isAccessTokenFresh, refreshMarginMs } from './token-freshness';
import { refreshAccountTokens } from './token-refresh';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Backoff for retrying a refresh that failed for lack of network. */
const RETRY_DELAYS_MS = [5_000, 15_000, 60_000, 5 * 60_000];
/** After this long without the browser coming back, the waiting screen and the CLI say what to check. */
export const WAITING_HINT_AFTER_MS = 20_000;

export interface SessionManagerOptions {
  config: ConfigStore;
  vault: SecretVault;
  events: AuthEventLog;
  /** Builds the provider registry from config.yaml's providers (called at restore and after config changes). */
  createProviderRegistry: (providers: Record<string, ProviderConfig>) => ProviderRegistry;
  openBrowser: (url: string) => Promise<void>;
  /** Folder for per-account refresh locks. */
  lockDir: string;
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
}

/** What the manager knows about an account beyond its YAML record (memory only). */
interface AccountRuntime {
  tokens: TokenSet | null;
  connectivity: 'online' | 'offline';
  retryAttempt: number;
  timer?: ReturnType<typeof setTimeout>;
  /** Why it is not signed in although YAML says logged_in (e.g. keychain unavailable): not persisted. */
  unavailableReason?: string;
}

export class SessionManager implements SessionEngine {
  readonly #o: SessionManagerOptions;
  readonly #now: () => number;
  #config: LatchkeyConfig | null = null;
  #configError: ErrorInfo | undefined;
  #providers: ProviderRegistry | null = null;
  #providersFingerprint = '';
  readonly #runtime = new Map<string, AccountRuntime>();
  readonly #refreshing = new Map<string, Promise<TokenSet>>();
  readonly #listeners = new Set<(state: SessionState) => void>();
  /** Sign-out pages with id_token_hint: main-process memory only, opened on request, never shown. */
  readonly #endSessions = new Map<string, { url: string; postLogoutRedirectUri?: string; label: string }>();
  #activeKey: string | null = null;
  #signIn: { run: SignInRun; progress: SignInProgress } | null = null;
  #signInStarting = false;
  #lastSignInError: ErrorInfo | undefined;
  #closed = false;
  #preloadedConfig: LatchkeyConfig | undefined;

  constructor(options: SessionManagerOptions) {
    this.#o = options;
    this.#preloadedConfig = options.initialConfig;
    this.#now = options.now ?? Date.now;
  }

  // ---- restore -------------------------------------------------------------------------------------------

  /**
   * Reads config.yaml and the keychain and brings every account that was signed in back. A valid access token
   * means signed in with no network call; an expired one is refreshed; a network failure keeps the session
   * (offline); only `invalid_grant` signs an account out.
   */
  async restore(): Promise<SessionState> {
    try {
      // The composition already read the file once at start-up; a large config should not be parsed twice.
      const preloaded = this.#preloadedConfig;
      this.#preloadedConfig = undefined;
      this.#setConfig(preloaded ?? (await this.#o.config.load()));
    } catch (err) {
      const error = toAuthError(err, 'config_invalid');
      this.#configError = error.toInfo();
      this.#config = null;
      this.#emit();
      if (error.code !== 'config_invalid') throw error;
      return this.getState();
    }
    const config = this.#requireConfig();
    // Accounts are independent: restore them (and refresh what expired) side by side. Keychain reads are
    // queued one at a time inside the vault; refreshes overlap.
    await Promise.all(
      Object.entries(config.credentials.usernames)
        .filter(([, record]) => record.logged_in)
        .map(([key, record]) => this.#restoreAccount(key, record, config.session.expiry_days)),
    );
    this.#activeKey = this.#pickActive(config.active_account ?? null);
    await this.#o.events.record({ kind: 'restore', outcome: 'ok', detail: `${this.#signedInKeys().length} signed in` });
    this.#emit();
    return this.getState();
  }

  async #restoreAccount(key: string, record: AccountRecord, expiryDays: number): Promise<void> {
    const runtime = this.#runtimeFor(key);
    let tokens: TokenSet | null;
    try {
      tokens = await this.#o.vault.get(key);
    } catch (err) {
      // A locked or missing keychain says nothing about the session: keep YAML as it is, show why.
      const error = toAuthError(err, 'keychain_unavailable');
      runtime.unavailableReason = error.message;
      this.#lastSignInError = error.toInfo();
      return;
    }
    if (!tokens) {
      await this.#signOutLocally(key, 'Its credentials are no longer in the system keychain. Sign in again.');
      return;
    }
    const lastUse = Date.parse(record.last_refresh ?? record.signed_in_at ?? record.last_login ?? '');
    if (expiryDays > 0 && Number.isFinite(lastUse) && this.#now() - lastUse > expiryDays * DAY_MS) {
      await this.#revokeQuietly(key, tokens);
      await this.#signOutLocally(key, `The session was not used for ${expiryDays} days (session.expiry_days).`);
      return;
    }
    runtime.tokens = tokens;
    if (isAccessTokenFresh(tokens, this.#now())) {
      this.#schedule(key);
    } else {
      // A failed refresh is already reflected in the account's state (offline, or signed out).
      await this.#refresh(key, false).catch(() => undefined);
    }
  }

  async reload(): Promise<SessionState> {
    if (this.#signIn || this.#signInStarting) throw new AuthError('busy', 'A sign-in is in progress. Finish or cancel it first.');
    return this.restore();
  }

  // ---- state ---------------------------------------------------------------------------------------------

  getState(): SessionState {
    const state: SessionState = {
      phase: this.#configError ? 'config_invalid' : 'ready',
      accounts: this.#config ? Object.keys(this.#config.credentials.usernames).map((key) => this.#summary(key)) : [],
      activeAccountKey: this.#activeKey,
      signIn: this.#signIn ? { ...this.#signIn.progress } : null,
      configPath: this.#o.config.path,
    };
    if (this.#lastSignInError) state.lastSignInError = this.#lastSignInError;
    if (this.#configError) state.configError = this.#configError;
    return state;
  }

  listProviders(): ProviderSummary[] {
    return this.#providers?.summaries() ?? [];
  }

  onStateChange(listener: (state: SessionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async recentEvents(limit = 20): Promise<AuthEvent[]> {
    return this.#o.events.recent(limit);
  }

  // ---- sign-in -------------------------------------------------------------------------------------------

  async signIn(providerName: string): Promise<AccountSummary> {
    this.#requireConfig();
    if (this.#signIn || this.#signInStarting) throw new AuthError('busy', 'A sign-in is already in progress. Finish or cancel it first.');
    const providers = this.#requireProviders();
    const provider = providers.resolve(providerName);
    this.#lastSignInError = undefined;
    let run: SignInRun;
    // Claimed before the first await, so two clicks cannot start two sign-ins.
    this.#signInStarting = true;
    try {
      const client = await providers.client(providerName);
      // Another account of a provider already used: ask the provider for its account chooser, so the
      // browser's existing session is not silently reused.
      const selectAccount = Object.values(this.#requireConfig().credentials.usernames).some((record) => record.provider === providerName);
      run = await beginSignIn({
        client,
        openBrowser: this.#o.openBrowser,
        now: this.#now,
        selectAccount,
        ...(this.#o.signInTimeoutMs !== undefined ? { timeoutMs: this.#o.signInTimeoutMs } : {}),
        onBrowserError: (error) => this.#o.log?.(`could not open the browser: ${error.message}`),
      });
      if (!client.provider.pkce) {
        await this.#o.events.record({ kind: 'failure', outcome: 'error', code: 'provider_error', detail: `sign-in with ${providerName} without PKCE (pkce: false)` });
      }
    } catch (err) {
      return this.#failSignIn(toAuthError(err), providerName);
    } finally {
      this.#signInStarting = false;
    }
    this.#signIn = {
      run,
      progress: {
        provider: providerName,
        authorizationUrl: run.authorizationUrl,
        redirectUri: run.redirectUri,
        startedAt: new Date(run.startedAt).toISOString(),
        expiresAt: new Date(run.expiresAt).toISOString(),
      },
    };
    const current = this.#signIn;
    const hintTimer = setTimeout(() => {
      if (this.#signIn !== current) return;
      current.progress.waitingHint = waitingHint(provider, run.redirectUri, this.#o.config.path);
      this.#emit();
    }, this.#o.waitingHintAfterMs ?? WAITING_HINT_AFTER_MS);
    hintTimer.unref?.();
    void run.result.finally(() => clearTimeout(hintTimer)).catch(() => undefined);
    this.#emit();
    try {
      const result = await run.result;
      // An account signed in before keeps its key, whatever format that key was written in.
      const key = findAccountKey(this.#requireConfig().credentials.usernames, providerName, result.profile.subject) ?? accountKeyFor(providerName, result.profile.subject);
      try {
        await this.#persistSignIn(key, providerName, result.profile, result.tokens);
      } catch (err) {
        const error = toAuthError(err);
        result.finish({ ok: false, error: error.toInfo() });
        throw error;
      }
      this.#signIn = null;
      const summary = this.#summary(key);
      result.finish({ ok: true, detail: `Signed in as ${summary.name}${summary.email ? ` <${summary.email}>` : ''}. You can close this tab and return to Latchkey.` });
      await this.#o.events.record({ kind: 'sign_in', accountKey: key, outcome: 'ok' });
      this.#emit();
      return summary;
    } catch (err) {
      this.#signIn = null;
      return this.#failSignIn(toAuthError(err), providerName);
    }
  }

  async #failSignIn(error: AuthError, provider: string): Promise<never> {
    if (error.code !== 'cancelled') this.#lastSignInError = error.toInfo();
    await this.#o.events.record({ kind: 'failure', outcome: 'error', code: error.code, detail: `sign-in with ${provider}` });
    this.#emit();
    throw error;
  }

  /** Keychain first, then YAML: a record that says logged_in always has its secrets behind it. */
  async #persistSignIn(key: string, provider: string, profile: ProfileClaims, tokens: TokenSet): Promise<void> {
    await this.#o.vault.set(key, tokens);
    const nowIso = new Date(this.#now()).toISOString();
    try {
      const config = await this.#o.config.update((draft) => {
        const previous = draft.getAccount(key);
        draft.setAccount(key, recordFromProfile(profile, provider, previous, { logged_in: true, last_login: nowIso, signed_in_at: nowIso }));
        draft.setActiveAccount(key);
      });
      this.#setConfig(config);
    } catch (err) {
      // Do not leave secrets behind that no record points at.
      await this.#o.vault.delete(key).catch(() => undefined);
      throw err;
    }
    const runtime = this.#runtimeFor(key);
    runtime.tokens = tokens;
    runtime.connectivity = 'online';
    runtime.retryAttempt = 0;
    delete runtime.unavailableReason;
    this.#activeKey = key;
    this.#schedule(key);
  }

  cancelSignIn(): void {
    this.#signIn?.run.cancel();
  }

  async reopenBrowser(): Promise<void> {
    if (!this.#signIn) throw new AuthError('invalid_argument', 'No sign-in is in progress.');
    await this.#o.openBrowser(this.#signIn.run.authorizationUrl);
  }

  // ---- accounts ------------------------------------------------------------------------------------------

  async switchAccount(accountKey: string): Promise<void> {
    const config = this.#requireConfig();
    if (!config.credentials.usernames[accountKey]) throw unknownAccount(accountKey);
    if (!this.#isSignedIn(accountKey)) throw new AuthError('not_signed_in', `Account "${accountKey}" is signed out. Sign in with it again first.`);
    this.#setConfig(await this.#o.config.update((draft) => draft.setActiveAccount(accountKey)));
    this.#activeKey = accountKey;
    this.#emit();
  }

  // ---- tokens --------------------------------------------------------------------------------------------

  /** A valid access token for the account (default: active), refreshing first if it is due. */
  async getAccessToken(accountKey?: string): Promise<string> {
    const key = this.#resolveSignedIn(accountKey);
    const tokens = this.#runtimeFor(key).tokens as TokenSet;
    if (isAccessTokenFresh(tokens, this.#now())) return tokens.accessToken;
    try {
      return (await this.#refresh(key, false)).accessToken;
    } catch (err) {
      // Offline but the token has not actually expired yet: it still works.
      if (isAuthError(err, 'network') && tokens.expiresAt !== undefined && tokens.expiresAt > this.#now()) return tokens.accessToken;
      throw err;
    }
  }

  async refreshNow(accountKey?: string): Promise<AccountSummary> {
    const key = this.#resolveSignedIn(accountKey);
    await this.#refresh(key, true);
    return this.#summary(key);
  }

  /**
   * Single-flight refresh: any number of concurrent callers share one request per account. `force` refreshes
   * even a fresh token (but still adopts a refresh another process has just made).
   */
  #refresh(key: string, force: boolean): Promise<TokenSet> {
    const inFlight = this.#refreshing.get(key);
    if (inFlight) return inFlight;
    const promise = this.#doRefresh(key, force).finally(() => this.#refreshing.delete(key));
    this.#refreshing.set(key, promise);
    return promise;
  }

  async #doRefresh(key: string, force: boolean): Promise<TokenSet> {
    const runtime = this.#runtimeFor(key);
    const record = this.#requireConfig().credentials.usernames[key];
    if (!record) throw unknownAccount(key);
    const providers = this.#requireProviders();
    const current = runtime.tokens;
    if (force && current && !current.refreshToken && current.expiresAt === undefined) {
      // A token that never expires and cannot be refreshed (a GitHub OAuth app): "refresh" means checking
      // that the provider still accepts it, and reading the profile again.
      return this.#verifyByProfile(key, record, current);
    }
    try {
      const outcome = await refreshAccountTokens({
        accountKey: key,
        vault: this.#o.vault,
        client: () => providers.client(record.provider),
        lockPath: this.#lockPath(key),
        now: this.#now,
        knownRefreshToken: runtime.tokens?.refreshToken,
        acceptIfFresh: (stored) => (force ? true : isAccessTokenFresh(stored, this.#now())),
      });
      runtime.tokens = outcome.tokens;
      runtime.connectivity = 'online';
      runtime.retryAttempt = 0;
      if (outcome.performedGrant) {
        const nowIso = new Date(this.#now()).toISOString();
        const client = await providers.client(record.provider).catch(() => undefined);
        const profile = outcome.claims && client ? withSafePicture(profileFromClaims(record.subject, outcome.claims), trustedPictureOrigin(client)) : undefined;
        this.#setConfig(
          await this.#o.config.update((draft) => {
            const current = draft.getAccount(key);
            if (!current) return;
            draft.setAccount(key, profile ? recordFromProfile(profile, record.provider, current, { last_refresh: nowIso }) : { ...current, last_refresh: nowIso });
          }),
        );
        await this.#o.events.record({ kind: 'refresh', accountKey: key, outcome: 'ok' });
      }
      this.#schedule(key);
      this.#emit();
      return outcome.tokens;
    } catch (err) {
      const error = toAuthError(err);
      await this.#o.events.record({ kind: 'refresh', accountKey: key, outcome: 'error', code: error.code });
      if (error.code === 'invalid_grant') {
        // Without a refresh token nothing was revoked: the session simply ran out. Say which, so the person
        // knows that signing in again (not a provider problem) is the fix.
        const reason = runtime.tokens && runtime.tokens.refreshToken === undefined
          ? 'The session ended when its access token expired: the provider issued no refresh token (offline access was not granted). Sign in again.'
          : `The provider ended this session: ${error.message.replace(/^Token refresh failed: /, '')} Sign in again.`;
        await this.#signOutLocally(key, reason);
        this.#emit();
      } else if (error.code === 'not_signed_in') {
        // Signed out by another process meanwhile: follow what is on disk.
        await this.#signOutLocally(key, undefined).catch(() => undefined);
        this.#emit();
      } else if (error.code === 'network') {
        runtime.connectivity = 'offline';
        this.#scheduleRetry(key);
        this.#emit();
      }
      throw error;
    }
  }

  #schedule(key: string): void {
    if (!this.#o.autoRefresh || this.#closed) return;
    const runtime = this.#runtimeFor(key);
    clearTimeout(runtime.timer);
    const tokens = runtime.tokens;
    if (!tokens?.expiresAt || !tokens.refreshToken) return;
    const delay = Math.max(1_000, tokens.expiresAt - refreshMarginMs(tokens) - this.#now());
    runtime.timer = setTimeout(() => void this.#refresh(key, false).catch(() => undefined), delay);
    runtime.timer.unref?.();
  }

  #scheduleRetry(key: string): void {
    if (!this.#o.autoRefresh || this.#closed) return;
    const runtime = this.#runtimeFor(key);
    clearTimeout(runtime.timer);
    const delay = RETRY_DELAYS_MS[Math.min(runtime.retryAttempt, RETRY_DELAYS_MS.length - 1)] as number;
    runtime.retryAttempt += 1;
    runtime.timer = setTimeout(() => void this.#refresh(key, false).catch(() => undefined), delay);
    runtime.timer.unref?.();
  }

  // ---- sign-out ------------------------------------------------------------------------------------------

  async signOut(options: SignOutOptions = {}): Promise<SignOutResult> {
    const config = this.#requireConfig();
    const key = options.accountKey ?? this.#activeKey;
    if (!key) throw new AuthError('not_signed_in', 'No account is signed in.');
    const record = config.credentials.usernames[key];
    if (!record) throw unknownAccount(key);
    const tokens = this.#runtimeFor(key).tokens ?? (await this.#o.vault.get(key));
    const revocation: RevocationReport = tokens ? await this.#revoke(key, tokens) : { outcome: 'not_supported', detail: 'There were no tokens to revoke.' };
    const endSession = await this.#prepareEndSession(record.provider, tokens?.idToken);
    await this.#signOutLocally(key, undefined, options.forget === true);
    if (endSession.page) this.#endSessions.set(key, endSession.page);
    else this.#endSessions.delete(key);
    const revoked = revocation.outcome === 'revoked';
    await this.#o.events.record({
      kind: 'sign_out',
      accountKey: key,
      outcome: 'ok',
      detail: revoked ? 'revoked at the provider' : `not revoked (${revocation.outcome}): ${revocation.detail ?? ''}`.trim(),
    });
    this.#emit();
    const result: SignOutResult = { accountKey: key, revoked, revocation: revocation.outcome, endSessionAvailable: endSession.page !== undefined };
    if (revocation.detail && !revoked) result.revocationDetail = revocation.detail;
    if (endSession.note) result.endSessionNote = endSession.note;
    return result;
  }

  /**
   * The provider's sign-out page for this account, with `id_token_hint` (kept from the vault) and the
   * registered `post_logout_redirect_uri`; or why there is none.
   */
  async #prepareEndSession(provider: string, idToken: string | undefined): Promise<{ page?: { url: string; postLogoutRedirectUri?: string; label: string }; note?: string }> {
    let client: ProviderClient;
    try {
      client = await this.#requireProviders().client(provider);
    } catch {
      return { note: 'The provider could not be reached, so its sign-out page is not available now.' };
    }
    if (!client.provider.endSession.offered) return client.provider.endSession.explanation ? { note: client.provider.endSession.explanation } : {};
    const url = endSessionUrl(client, idToken);
    if (!url) return { note: `${client.provider.label} has no sign-out page: you may still be signed in there in your browser.` };
    return { page: { url, label: client.provider.label, ...(client.provider.postLogoutRedirectUri ? { postLogoutRedirectUri: client.provider.postLogoutRedirectUri } : {}) } };
  }

  async openEndSession(accountKey: string): Promise<void> {
    const page = this.#endSessions.get(accountKey);
    if (!page) throw new AuthError('invalid_argument', 'There is no provider sign-out page for this account.');
    // One use: the URL carries the ID token, and a second sign-out page visit would find no session anyway.
    this.#endSessions.delete(accountKey);
    if (page.postLogoutRedirectUri) await serveSignedOutPage(page.postLogoutRedirectUri, page.label);
    await this.#o.openBrowser(page.url);
  }

  /** Revocation at the provider (RFC 7009 or the provider's own API). Never throws. */
  async #revoke(key: string, tokens: TokenSet): Promise<RevocationReport> {
    const record = this.#config?.credentials.usernames[key];
    if (!record || !this.#providers) return { outcome: 'failed', detail: 'The provider is not configured any more.' };
    let client: ProviderClient;
    try {
      client = await this.#providers.client(record.provider);
    } catch (err) {
      return { outcome: 'failed', detail: `The provider could not be reached to revoke the tokens (${toAuthError(err).message}).` };
    }
    const report = await revokeTokens(client, tokens);
    if (report.outcome !== 'revoked') this.#o.log?.(`revocation for ${key}: ${report.outcome}`);
    return report;
  }

  async #revokeQuietly(key: string, tokens: TokenSet): Promise<boolean> {
    return (await this.#revoke(key, tokens)).outcome === 'revoked';
  }

  /** A token that cannot be refreshed is checked by reading the profile; a 401 ends the session. */
  async #verifyByProfile(key: string, record: AccountRecord, tokens: TokenSet): Promise<TokenSet> {
    const runtime = this.#runtimeFor(key);
    try {
      const client = await this.#requireProviders().client(record.provider);
      const profile = await readProfile(client, tokens.accessToken, undefined);
      runtime.connectivity = 'online';
      const nowIso = new Date(this.#now()).toISOString();
      this.#setConfig(
        await this.#o.config.update((draft) => {
          const existing = draft.getAccount(key);
          if (existing) draft.setAccount(key, recordFromProfile(profile, record.provider, existing, { last_refresh: nowIso }));
        }),
      );
      await this.#o.events.record({ kind: 'refresh', accountKey: key, outcome: 'ok', detail: 'token checked with the provider' });
      this.#emit();
      return tokens;
    } catch (err) {
      const error = toAuthError(err);
      await this.#o.events.record({ kind: 'refresh', accountKey: key, outcome: 'error', code: error.code });
      if (error.code === 'invalid_grant') {
        await this.#signOutLocally(key, `${error.message} Sign in again.`);
      } else if (error.code === 'network') {
        runtime.connectivity = 'offline';
      }
      this.#emit();
      throw error;
    }
  }

  /** Deletes the account's secrets, then records the sign-out in YAML (or forgets the record). */
  async #signOutLocally(key: string, reason: string | undefined, forget = false): Promise<void> {
    const runtime = this.#runtimeFor(key);
    clearTimeout(runtime.timer);
    await this.#o.vault.delete(key);
    runtime.tokens = null;
    runtime.connectivity = 'online';
    delete runtime.unavailableReason;
    const config = await this.#o.config.update((draft) => {
      const current = draft.getAccount(key);
      if (!current) return;
      if (forget) {
        draft.removeAccount(key);
      } else {
        const next: AccountRecord = { ...current, logged_in: false };
        if (reason) next.signed_out_reason = reason;
        else delete next.signed_out_reason;
        draft.setAccount(key, next);
      }
    });
    this.#setConfig(config);
    if (forget) this.#runtime.delete(key);
    if (reason) await this.#o.events.record({ kind: 'sign_out', accountKey: key, outcome: 'error', detail: reason });
    if (this.#activeKey === key || this.#activeKey === null) {
      this.#activeKey = this.#pickActive(null);
      if (this.#activeKey !== (config.active_account ?? null)) {
        const next = this.#activeKey;
        this.#setConfig(await this.#o.config.update((draft) => draft.setActiveAccount(next)));
      }
    }
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------

  /**
   * Stops timers and any sign-in. With `session.expiry_days: 0` the desktop app passes `endSessions` so that
   * quitting forgets every session (revoked and deleted, records kept as signed out).
   */
  async close(options: { endSessions?: boolean } = {}): Promise<void> {
    this.#closed = true;
    this.#signIn?.run.cancel();
    for (const runtime of this.#runtime.values()) clearTimeout(runtime.timer);
    if (options.endSessions && this.#config?.session.expiry_days === 0) {
      for (const key of this.#signedInKeys()) {
        const tokens = this.#runtimeFor(key).tokens;
        if (tokens) await this.#revokeQuietly(key, tokens);
        await this.#signOutLocally(key, undefined).catch(() => undefined);
      }
    }
    await Promise.allSettled([...this.#refreshing.values()]);
    this.#listeners.clear();
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  #setConfig(config: LatchkeyConfig): void {
    this.#config = config;
    this.#configError = undefined;
    this.#loadPictures(config);
    // Rebuild the registry only when providers changed: it caches each provider's discovery document.
    const fingerprint = JSON.stringify(config.providers);
    if (!this.#providers || fingerprint !== this.#providersFingerprint) {
      this.#providers = this.#o.createProviderRegistry(config.providers);
      this.#providersFingerprint = fingerprint;
    }
  }

  /** Pictures of signed-in accounts, loaded in the background; the window hears of each as it arrives. */
  #loadPictures(config: LatchkeyConfig): void {
    const avatars = this.#o.avatars;
    if (!avatars) return;
    for (const record of Object.values(config.credentials.usernames)) {
      if (!record.logged_in || !record.picture || avatars.dataUrlFor(record.picture)) continue;
      void avatars.ensure(record.picture).then((loaded) => {
        if (loaded && !this.#closed) this.#emit();
      });
    }
  }

  #requireConfig(): LatchkeyConfig {
    if (this.#configError || !this.#config) {
      const info = this.#configError;
      throw new AuthError('config_invalid', info?.message ?? 'The configuration has not been loaded.', {
        ...(info?.hint ? { hint: info.hint } : {}),
        ...(info?.location ? { location: info.location } : {}),
      });
    }
    return this.#config;
  }

  #requireProviders(): ProviderRegistry {
    this.#requireConfig();
    return this.#providers as ProviderRegistry;
  }

  #runtimeFor(key: string): AccountRuntime {
    let runtime = this.#runtime.get(key);
    if (!runtime) {
      runtime = { tokens: null, connectivity: 'online', retryAttempt: 0 };
      this.#runtime.set(key, runtime);
    }
    return runtime;
  }

  #isSignedIn(key: string): boolean {
    return this.#config?.credentials.usernames[key]?.logged_in === true && this.#runtime.get(key)?.tokens != null;
  }

  #signedInKeys(): string[] {
    return Object.keys(this.#config?.credentials.usernames ?? {}).filter((key) => this.#isSignedIn(key));
  }

  #pickActive(preferred: string | null): string | null {
    if (preferred && this.#isSignedIn(preferred)) return preferred;
    return this.#signedInKeys()[0] ?? null;
  }

  #resolveSignedIn(accountKey: string | undefined): string {
    const config = this.#requireConfig();
    const key = accountKey ?? this.#activeKey;
    if (!key) throw new AuthError('not_signed_in', 'No account is signed in.', { hint: 'Sign in first (latchkey login).' });
    if (!config.credentials.usernames[key]) throw unknownAccount(key);
    if (!this.#isSignedIn(key)) {
      const record = config.credentials.usernames[key];
      const reason = this.#runtime.get(key)?.unavailableReason ?? record?.signed_out_reason;
      throw new AuthError('not_signed_in', `Account "${key}" is not signed in${reason ? `: ${reason}` : '.'}`);
    }
    return key;
  }

  #lockPath(key: string): string {
    return join(this.#o.lockDir, `refresh-${createHash('sha256').update(key).digest('hex').slice(0, 24)}.lock`);
  }

  #summary(key: string): AccountSummary {
    const record = this.#config?.credentials.usernames[key];
    if (!record) throw unknownAccount(key);
    const runtime = this.#runtime.get(key);
    const summary = summarizeAccount({
      key,
      record,
      providerLabel: this.listProviders().find((p) => p.name === record.provider)?.label ?? record.provider,
      signedIn: this.#isSignedIn(key),
      tokens: runtime?.tokens ?? null,
      connectivity: runtime?.connectivity ?? 'online',
      now: this.#now(),
      ...(runtime?.unavailableReason ? { unavailableReason: runtime.unavailableReason } : {}),
    });
    if (this.#o.avatars) {
      const picture = this.#o.avatars.dataUrlFor(record.picture);
      if (picture) summary.picture = picture;
      else delete summary.picture;
    }
    return summary;
  }

  #emit(): void {
    if (this.#listeners.size === 0) return;
    const state = this.getState();
    for (const listener of this.#listeners) {
      try {
        listener(state);
      } catch (err) {
        this.#o.log?.(`state listener failed: ${toAuthError(err).message}`);
      }
    }
  }
}

/** What to check when the browser has not come back: almost always the redirect URI registered at the provider. */
function waitingHint(provider: { name: string; label: string; redirects: Array<{ port: number }> }, redirectUri: string, configPath: string): string {
  const exact = provider.redirects[0]?.port !== 0;
  const registered = exact ? redirectUri : describeRedirect({ host: new URL(redirectUri).hostname, port: 0, path: new URL(redirectUri).pathname });
  return exact
    ? `No answer from the browser yet. If ${provider.label} shows an error page, check that exactly ${registered} is registered there as a redirect URI (it is the redirect_uri of "${provider.name}" in ${configPath}).`
    : `No answer from the browser yet. If ${provider.label} shows an error page about the redirect URI, register ${registered} there (any port). If ${provider.label} compares redirect URIs exactly, register one with a fixed port, e.g. http://127.0.0.1:53682${new URL(redirectUri).pathname}, and set it as redirect_uri of "${provider.name}" in ${configPath}.`;
}

function unknownAccount(key: string): AuthError {
  return new AuthError('unknown_account', `There is no account "${key}" in config.yaml.`);
}
