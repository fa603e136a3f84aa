/**
 * The state every part of the session engine shares: config.yaml as last read or written, the provider
 * registry built from it, what is known in memory about each account (tokens, connectivity, timers), the
 * active account, and the listeners. Restore, sign-in, refresh and sign-out (session-*.ts) each work on this
 * core; the session manager composes them. The rule all of them keep: a change is on disk before `emit()`.
 */
import { AuthError, toAuthError, type ErrorInfo } from '../../shared/errors';
import type { AccountSummary, DeviceSignInProgress, SessionState, SignInProgress } from '../../shared/session';
import { DEFAULT_WARN_DAYS, type AccountRecord, type LatchkeyConfig, type ProviderConfig } from '../store/schema';
import { summarizeAccount } from './account-records';
import { effectiveRoles } from './access/roles';
import type { AvatarCache } from './avatar-cache';
import type { AuthEventLog } from './event-log';
import { lastRefreshAt } from './last-use';
import { endsSoon, sessionEnd } from './session-end';
import type { ProviderRegistry } from './providers';
import type { AccountStore, SecretsLock, TokenSet, TokenVault } from './storage';

export interface SessionCoreOptions {
  store: AccountStore;
  vault: TokenVault;
  events: AuthEventLog;
  /** Builds the provider registry from config.yaml's providers (called at restore and after config changes). */
  createProviderRegistry: (providers: Record<string, ProviderConfig>) => ProviderRegistry;
  now: () => number;
  log?: (line: string) => void;
  /** Account pictures fetched by the main process and shown as data: URLs (the window loads nothing remote). */
  avatars?: AvatarCache;
  /** The passphrase store, when secrets are kept there: while it is locked the state says so. */
  secretsLock?: SecretsLock;
}

/** What the engine knows about an account beyond its YAML record (memory only). */
export interface AccountRuntime {
  tokens: TokenSet | null;
  connectivity: 'online' | 'offline';
  retryAttempt: number;
  timer?: ReturnType<typeof setTimeout>;
  /** Why it is not signed in although YAML says logged_in (e.g. keychain unavailable): not persisted. */
  unavailableReason?: string;
}

export function unknownAccount(key: string): AuthError {
  return new AuthError('unknown_account', `There is no account "${key}" in config.yaml.`);
}

export class SessionCore {
  readonly options: SessionCoreOptions;
  config: LatchkeyConfig | null = null;
  configError: ErrorInfo | undefined;
  activeKey: string | null = null;
  lastSignInError: ErrorInfo | undefined;
  closed = false;
  /** The sign-in in progress, for the state (owned by the sign-in part). */
  signInProgress: () => SignInProgress | null = () => null;
  /** The sign-in on another device in progress, for the state (owned by session-device-sign-in.ts). */
  deviceSignInProgress: () => DeviceSignInProgress | null = () => null;
  readonly runtime = new Map<string, AccountRuntime>();
  /**
   * Accounts a restore is still reading in the background (session-restore.ts), with what resolves when each
   * is done. Such an account counts as signed in, as config.yaml says, until it has been read.
   */
  readonly loading = new Map<string, Promise<void>>();
  readonly listeners = new Set<(state: SessionState) => void>();
  #providers: ProviderRegistry | null = null;
  #providersFingerprint = '';

  constructor(options: SessionCoreOptions) {
    this.options = options;
  }

  now(): number {
    return this.options.now();
  }

  get providers(): ProviderRegistry | null {
    return this.#providers;
  }

  setConfig(config: LatchkeyConfig): void {
    this.config = config;
    this.configError = undefined;
    this.#loadPictures(config);
    // Rebuild the registry only when providers changed: it caches each provider's metadata.
    const fingerprint = JSON.stringify(config.providers);
    if (!this.#providers || fingerprint !== this.#providersFingerprint) {
      this.#providers = this.options.createProviderRegistry(config.providers);
      this.#providersFingerprint = fingerprint;
    }
  }

  /** Pictures of signed-in accounts, loaded in the background; the window hears of each as it arrives. */
  #loadPictures(config: LatchkeyConfig): void {
    const avatars = this.options.avatars;
    if (!avatars) return;
    for (const record of Object.values(config.credentials.usernames)) {
      if (!record.logged_in || !record.picture || avatars.dataUrlFor(record.picture)) continue;
      void avatars.ensure(record.picture).then((loaded) => {
        if (loaded && !this.closed) this.emit();
      });
    }
  }

  requireConfig(): LatchkeyConfig {
    if (this.configError || !this.config) {
      const info = this.configError;
      throw new AuthError('config_invalid', info?.message ?? 'The configuration has not been loaded.', {
        ...(info?.hint ? { hint: info.hint } : {}),
        ...(info?.location ? { location: info.location } : {}),
      });
    }
    return this.config;
  }

  requireProviders(): ProviderRegistry {
    this.requireConfig();
    return this.#providers as ProviderRegistry;
  }

  /** Whether `provider` is the entry of local accounts (`local: true`): signed in with a password, no tokens. */
  isLocalProvider(provider: string): boolean {
    const providers = this.config?.providers;
    return providers !== undefined && Object.hasOwn(providers, provider) && providers[provider]?.local === true;
  }

  requireRecord(key: string): AccountRecord {
    const record = this.requireConfig().credentials.usernames[key];
    if (!record) throw unknownAccount(key);
    return record;
  }

  runtimeFor(key: string): AccountRuntime {
    let runtime = this.runtime.get(key);
    if (!runtime) {
      runtime = { tokens: null, connectivity: 'online', retryAttempt: 0 };
      this.runtime.set(key, runtime);
    }
    return runtime;
  }

  isSignedIn(key: string): boolean {
    return this.config?.credentials.usernames[key]?.logged_in === true && (this.runtime.get(key)?.tokens != null || this.loading.has(key));
  }

  /** Resolves once the account (default: the active one) is no longer being read by a background restore. */
  async loaded(key?: string | null): Promise<void> {
    const pending = this.loading.get(key ?? this.activeKey ?? '');
    if (pending) await pending;
  }

  signedInKeys(): string[] {
    return Object.keys(this.config?.credentials.usernames ?? {}).filter((key) => this.isSignedIn(key));
  }

  pickActive(preferred: string | null): string | null {
    if (preferred && this.isSignedIn(preferred)) return preferred;
    return this.signedInKeys()[0] ?? null;
  }

  /** The signed-in account meant by `accountKey` (default: the active one), or a coded error saying why not. */
  resolveSignedIn(accountKey: string | undefined): string {
    const config = this.requireConfig();
    const key = accountKey ?? this.activeKey;
    if (!key) throw new AuthError('not_signed_in', 'No account is signed in.', { hint: 'Sign in first (latchkey login).' });
    if (!config.credentials.usernames[key]) throw unknownAccount(key);
    if (!this.isSignedIn(key)) {
      const record = config.credentials.usernames[key];
      const reason = this.runtime.get(key)?.unavailableReason ?? record?.signed_out_reason;
      throw new AuthError('not_signed_in', `Account "${key}" is not signed in${reason ? `: ${reason}` : '.'}`);
    }
    return key;
  }

  /** Deletes the account's secrets, then records the sign-out in YAML (or forgets the record). */
  async signOutLocally(key: string, reason: string | undefined, forget = false): Promise<void> {
    const runtime = this.runtimeFor(key);
    clearTimeout(runtime.timer);
    await this.options.vault.delete(key);
    runtime.tokens = null;
    runtime.connectivity = 'online';
    delete runtime.unavailableReason;
    const config = await this.options.store.update((draft) => {
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
    this.setConfig(config);
    if (forget) this.runtime.delete(key);
    if (reason) await this.options.events.record({ kind: 'sign_out', accountKey: key, outcome: 'error', detail: reason });
    if (this.activeKey === key || this.activeKey === null) {
      this.activeKey = this.pickActive(null);
      if (this.activeKey !== (config.active_account ?? null)) {
        const next = this.activeKey;
        this.setConfig(await this.options.store.update((draft) => draft.setActiveAccount(next)));
      }
    }
  }

  summary(key: string): AccountSummary {
    const record = this.config?.credentials.usernames[key];
    if (!record) throw unknownAccount(key);
    const runtime = this.runtime.get(key);
    const summary = summarizeAccount({
      key,
      record,
      providerLabel: this.#providers?.label(record.provider) ?? record.provider,
      signedIn: this.isSignedIn(key),
      tokens: runtime?.tokens ?? null,
      connectivity: runtime?.connectivity ?? 'online',
      now: this.now(),
      ...(runtime?.unavailableReason ? { unavailableReason: runtime.unavailableReason } : {}),
    });
    // Roles from the file and, where access.roles_claim is set, from the provider.
    if (this.config) summary.roles = effectiveRoles(record, this.config.access);
    if (this.isLocalProvider(record.provider)) summary.local = true;
    if (record.totp) summary.totp = true;
    // The tokens know the last refresh to the millisecond; config.yaml may be up to a day behind (last-use.ts).
    const refreshedAt = lastRefreshAt(record, runtime?.tokens);
    if (refreshedAt) summary.lastRefreshAt = refreshedAt;
    // When the session ends unless the person signs in again (session-end.ts), and whether to warn already.
    const end = summary.signedIn ? sessionEnd({ record, tokens: runtime?.tokens, expiryDays: this.config?.session.expiry_days }) : undefined;
    if (end) {
      summary.sessionEndsAt = new Date(end.at).toISOString();
      summary.sessionEndsBecause = end.because;
      if (endsSoon(end, this.now(), this.config?.session.warn_days ?? DEFAULT_WARN_DAYS)) summary.sessionEndsSoon = true;
    }
    if (this.options.avatars) {
      const picture = this.options.avatars.dataUrlFor(record.picture);
      if (picture) summary.picture = picture;
      else delete summary.picture;
    }
    return summary;
  }

  getState(): SessionState {
    const signIn = this.signInProgress();
    const state: SessionState = {
      phase: this.configError ? 'config_invalid' : 'ready',
      accounts: this.config ? Object.keys(this.config.credentials.usernames).map((key) => this.summary(key)) : [],
      activeAccountKey: this.activeKey,
      signIn: signIn ? { ...signIn } : null,
      configPath: this.options.store.path,
    };
    const device = this.deviceSignInProgress();
    if (device) state.deviceSignIn = { ...device };
    if (this.lastSignInError) state.lastSignInError = this.lastSignInError;
    if (this.configError) state.configError = this.configError;
    // The passphrase store is still locked: nothing can be read or kept until the person enters the passphrase.
    const locked = this.configError ? null : (this.options.secretsLock?.needs() ?? null);
    if (locked) {
      state.phase = 'passphrase_required';
      state.passphraseSetup = locked;
    }
    return state;
  }

  emit(): void {
    if (this.listeners.size === 0) return;
    const state = this.getState();
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (err) {
        this.options.log?.(`state listener failed: ${toAuthError(err).message}`);
      }
    }
  }
}
