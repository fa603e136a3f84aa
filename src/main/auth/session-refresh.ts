/**
 * Keeping sessions fresh: access tokens on demand (refreshing first when due), single-flight refreshes (any
 * number of callers, one request per account), refresh timers before expiry, backoff after network failures,
 * and a re-check of every account after the machine slept or the clock jumped (a timer that fires late).
 *
 * Only a definite refusal of the refresh token signs an account out, with its reason recorded; a network
 * failure keeps the session (offline) and retries.
 */
import { AuthError, isAuthError, toAuthError } from '../../shared/errors';
import type { AccountSummary } from '../../shared/session';
import type { AccountRecord } from '../store/schema';
import { recordFromProfile } from './account-records';
import { recordNeedsWrite } from './last-use';
import { withProviderRoles } from './access/roles';
import { confirmLocalSession } from './local-accounts/local-sessions';
import { resourceDpop } from './dpop';
import { profileFromClaims, readProfile, trustedPictureOrigin, withSafePicture } from './profile-readers';
import type { SessionCore } from './session-core';
import type { TokenSet } from './storage';
import { isAccessTokenFresh, refreshMarginMs } from './token-freshness';
import { refreshAccountTokens } from './token-refresh';

/** Backoff for retrying a refresh that failed for lack of network. */
const RETRY_DELAYS_MS = [5_000, 15_000, 60_000, 5 * 60_000];
/** A timer this late means the machine slept or the clock jumped: every account is re-checked. */
const LATE_TIMER_MS = 30_000;

export class SessionRefresher {
  readonly #core: SessionCore;
  readonly #autoRefresh: boolean;
  readonly #refreshing = new Map<string, Promise<TokenSet>>();

  constructor(core: SessionCore, options: { autoRefresh: boolean }) {
    this.#core = core;
    this.#autoRefresh = options.autoRefresh;
  }

  /** A valid access token for the account (default: active), refreshing first if it is due. */
  async getAccessToken(accountKey?: string): Promise<string> {
    // An account a restore is still reading in the background is waited for (the active one never is).
    if (this.#core.loading.size > 0) await this.#core.loaded(accountKey);
    const key = this.#core.resolveSignedIn(accountKey);
    if (this.#core.isLocalProvider(this.#core.requireRecord(key).provider)) {
      // Its session secret is Latchkey's own and is never handed out.
      throw new AuthError('invalid_argument', `Account "${key}" is a local account: it has no access token for an API.`);
    }
    const tokens = this.#core.runtimeFor(key).tokens as TokenSet;
    if (isAccessTokenFresh(tokens, this.#core.now())) return tokens.accessToken;
    try {
      return (await this.refresh(key, false)).accessToken;
    } catch (err) {
      // Offline but the token has not actually expired yet: it still works.
      if (isAuthError(err, 'network') && tokens.expiresAt !== undefined && tokens.expiresAt > this.#core.now()) return tokens.accessToken;
      throw err;
    }
  }

  async refreshNow(accountKey?: string): Promise<AccountSummary> {
    if (this.#core.loading.size > 0) await this.#core.loaded(accountKey);
    const key = this.#core.resolveSignedIn(accountKey);
    await this.refresh(key, true);
    return this.#core.summary(key);
  }

  /**
   * Single-flight refresh: any number of concurrent callers share one request per account. `force` refreshes
   * even a fresh token (but still adopts a refresh another process has just made).
   */
  refresh(key: string, force: boolean): Promise<TokenSet> {
    const inFlight = this.#refreshing.get(key);
    if (inFlight) return inFlight;
    const promise = this.#doRefresh(key, force).finally(() => this.#refreshing.delete(key));
    this.#refreshing.set(key, promise);
    return promise;
  }

  /**
   * After a resume from sleep or a clock jump: refresh every signed-in account that is due (failures keep the
   * session: network problems right after a resume are retried with backoff), re-arm the others' timers.
   */
  async recheck(): Promise<void> {
    await Promise.all(
      this.#core.signedInKeys().map(async (key) => {
        const tokens = this.#core.runtimeFor(key).tokens;
        if (tokens && !isAccessTokenFresh(tokens, this.#core.now()) && tokens.refreshToken) {
          await this.refresh(key, false).catch(() => undefined);
        } else {
          this.schedule(key);
        }
      }),
    );
  }

  /** Waits for refreshes in flight (closing). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#refreshing.values()]);
  }

  async #doRefresh(key: string, force: boolean): Promise<TokenSet> {
    const core = this.#core;
    const runtime = core.runtimeFor(key);
    const record = core.requireRecord(key);
    const providers = core.requireProviders();
    const current = runtime.tokens;
    if (core.isLocalProvider(record.provider)) return confirmLocalSession(core, key);
    if (force && current && !current.refreshToken && current.expiresAt === undefined) {
      // A token that never expires and cannot be refreshed (a GitHub OAuth app): "refresh" means checking
      // that the provider still accepts it, and reading the profile again.
      return this.#verifyByProfile(key, record, current);
    }
    try {
      const outcome = await refreshAccountTokens({
        accountKey: key,
        vault: core.options.vault,
        client: () => providers.client(record.provider),
        now: () => core.now(),
        knownRefreshToken: runtime.tokens?.refreshToken,
        acceptIfFresh: (stored) => (force ? true : isAccessTokenFresh(stored, core.now())),
      });
      runtime.tokens = outcome.tokens;
      runtime.connectivity = 'online';
      runtime.retryAttempt = 0;
      if (outcome.performedGrant) {
        const nowIso = new Date(core.now()).toISOString();
        const client = await providers.client(record.provider).catch(() => undefined);
        const profile = outcome.claims && client ? withSafePicture(profileFromClaims(record.subject, outcome.claims), trustedPictureOrigin(client)) : undefined;
        const nextRecord = (existing: AccountRecord): AccountRecord => profile ? withProviderRoles(recordFromProfile(profile, record.provider, existing, { last_refresh: nowIso }), core.requireConfig().access, profile.claims, false) : { ...existing, last_refresh: nowIso };
        // The vault holds the exact time of this refresh (obtainedAt); config.yaml is rewritten only when the
        // record changes or its last_refresh is a day behind (last-use.ts).
        if (recordNeedsWrite(record, nextRecord(record), core.now())) {
          core.setConfig(
            await core.options.store.update((draft) => {
              const existing = draft.getAccount(key);
              if (!existing) return;
              // A refresh sees only a new ID token: a roles claim missing from it leaves the known provider_roles.
              draft.setAccount(key, nextRecord(existing));
            }),
          );
        }
        // Not awaited: the log is an append that never fails the refresh; close() waits for it.
        void core.options.events.record({ kind: 'refresh', accountKey: key, outcome: 'ok' });
      }
      this.schedule(key);
      core.emit();
      return outcome.tokens;
    } catch (err) {
      const error = toAuthError(err);
      await core.options.events.record({ kind: 'refresh', accountKey: key, outcome: 'error', code: error.code });
      if (error.code === 'invalid_grant') {
        // Without a refresh token nothing was revoked: the session simply ran out. Say which, so the person
        // knows that signing in again (not a provider problem) is the fix.
        const reason = runtime.tokens && runtime.tokens.refreshToken === undefined
          ? 'The session ended when its access token expired: the provider issued no refresh token (offline access was not granted). Sign in again.'
          : `The provider ended this session: ${error.message.replace(/^Token refresh failed: /, '')} Sign in again.`;
        await core.signOutLocally(key, reason);
        core.emit();
      } else if (error.code === 'not_signed_in') {
        // Signed out by another process meanwhile: follow what is on disk.
        await core.signOutLocally(key, undefined).catch(() => undefined);
        core.emit();
      } else if (error.code === 'network') {
        runtime.connectivity = 'offline';
        this.#scheduleRetry(key);
        core.emit();
      }
      throw error;
    }
  }

  /** A token that cannot be refreshed is checked by reading the profile; a 401 ends the session. */
  async #verifyByProfile(key: string, record: AccountRecord, tokens: TokenSet): Promise<TokenSet> {
    const core = this.#core;
    const runtime = core.runtimeFor(key);
    try {
      const client = await core.requireProviders().client(record.provider);
      const profile = await readProfile(client, tokens.accessToken, undefined, await resourceDpop(client.configuration, tokens));
      runtime.connectivity = 'online';
      const nowIso = new Date(core.now()).toISOString();
      core.setConfig(
        await core.options.store.update((draft) => {
          const existing = draft.getAccount(key);
          if (existing) draft.setAccount(key, withProviderRoles(recordFromProfile(profile, record.provider, existing, { last_refresh: nowIso }), core.requireConfig().access, profile.claims, false));
        }),
      );
      await core.options.events.record({ kind: 'refresh', accountKey: key, outcome: 'ok', detail: 'token checked with the provider' });
      core.emit();
      return tokens;
    } catch (err) {
      const error = toAuthError(err);
      await core.options.events.record({ kind: 'refresh', accountKey: key, outcome: 'error', code: error.code });
      if (error.code === 'invalid_grant') {
        await core.signOutLocally(key, `${error.message} Sign in again.`);
      } else if (error.code === 'network') {
        runtime.connectivity = 'offline';
      }
      core.emit();
      throw error;
    }
  }

  /** Arms the account's refresh timer shortly before its access token expires. */
  schedule(key: string): void {
    if (!this.#autoRefresh || this.#core.closed) return;
    const runtime = this.#core.runtimeFor(key);
    clearTimeout(runtime.timer);
    const tokens = runtime.tokens;
    if (!tokens?.expiresAt || !tokens.refreshToken) return;
    const delay = Math.max(1_000, tokens.expiresAt - refreshMarginMs(tokens) - this.#core.now());
    this.#arm(key, delay);
  }

  #scheduleRetry(key: string): void {
    if (!this.#autoRefresh || this.#core.closed) return;
    const runtime = this.#core.runtimeFor(key);
    const delay = RETRY_DELAYS_MS[Math.min(runtime.retryAttempt, RETRY_DELAYS_MS.length - 1)] as number;
    runtime.retryAttempt += 1;
    this.#arm(key, delay);
  }

  /**
   * Timers stop while a machine sleeps and may fire long after they were due; a timer that fires more than
   * LATE_TIMER_MS late by the engine's clock (the wall clock: `now`) is a resume or a clock jump: re-check every
   * account, not just this one.
   */
  #arm(key: string, delay: number): void {
    const runtime = this.#core.runtimeFor(key);
    clearTimeout(runtime.timer);
    const dueAt = this.#core.now() + delay;
    runtime.timer = setTimeout(() => {
      if (this.#core.now() - dueAt > LATE_TIMER_MS) {
        void this.recheck();
        return;
      }
      void this.refresh(key, false).catch(() => undefined);
    }, delay);
    runtime.timer.unref?.();
  }
}
