/**
 * Bringing sessions back at start-up (and after "check again"): config.yaml and the keychain are read, a valid
 * access token means signed in with no network call, an expired one is refreshed, a session unused for longer
 * than `session.expiry_days` is ended, and a keychain that cannot be reached changes nothing on disk.
 */
import { toAuthError } from '../../shared/errors';
import type { AccountRecord, LatchkeyConfig } from '../store/schema';
import { recordAccessRefusal } from './access/access-policy';
import type { SessionCore } from './session-core';
import type { SessionRefresher } from './session-refresh';
import type { SignOutCoordinator } from './session-sign-out';
import type { TokenSet } from './storage';
import { isAccessTokenFresh } from './token-freshness';

const DAY_MS = 24 * 60 * 60 * 1000;

export class SessionRestorer {
  readonly #core: SessionCore;
  readonly #refresher: SessionRefresher;
  readonly #signOut: SignOutCoordinator;
  #preloaded: LatchkeyConfig | undefined;

  constructor(core: SessionCore, refresher: SessionRefresher, signOut: SignOutCoordinator, preloaded: LatchkeyConfig | undefined) {
    this.#core = core;
    this.#refresher = refresher;
    this.#signOut = signOut;
    this.#preloaded = preloaded;
  }

  /** Returns false when config.yaml is invalid (the state then says where); rethrows anything else. */
  async restore(): Promise<boolean> {
    const core = this.#core;
    try {
      // The composition already read the file once at start-up; a large config should not be parsed twice.
      const preloaded = this.#preloaded;
      this.#preloaded = undefined;
      core.setConfig(preloaded ?? (await core.options.store.load()));
    } catch (err) {
      const error = toAuthError(err, 'config_invalid');
      core.configError = error.toInfo();
      core.config = null;
      core.emit();
      if (error.code !== 'config_invalid') throw error;
      return false;
    }
    const config = core.requireConfig();
    // Accounts are independent: restore them (and refresh what expired) side by side. Keychain reads are
    // queued one at a time inside the vault; refreshes overlap.
    await Promise.all(
      Object.entries(config.credentials.usernames)
        .filter(([, record]) => record.logged_in)
        .map(([key, record]) => this.#restoreAccount(key, record, config.session.expiry_days)),
    );
    core.activeKey = core.pickActive(config.active_account ?? null);
    await core.options.events.record({ kind: 'restore', outcome: 'ok', detail: `${core.signedInKeys().length} signed in` });
    core.emit();
    return true;
  }

  async #restoreAccount(key: string, record: AccountRecord, expiryDays: number): Promise<void> {
    const core = this.#core;
    const runtime = core.runtimeFor(key);
    let tokens: TokenSet | null;
    try {
      tokens = await core.options.vault.get(key);
    } catch (err) {
      // A locked or missing keychain says nothing about the session: keep YAML as it is, show why.
      const error = toAuthError(err, 'keychain_unavailable');
      runtime.unavailableReason = error.message;
      core.lastSignInError = error.toInfo();
      return;
    }
    if (!tokens) {
      await core.signOutLocally(key, 'Its credentials are no longer in the system keychain. Sign in again.');
      return;
    }
    const refusal = recordAccessRefusal(core.requireConfig().access, record, core.isLocalProvider(record.provider) ? 'local' : 'provider');
    if (refusal) {
      await this.#signOut.revoke(key, tokens);
      await core.signOutLocally(key, refusal);
      return;
    }
    const lastUse = Date.parse(record.last_refresh ?? record.signed_in_at ?? record.last_login ?? '');
    if (expiryDays > 0 && Number.isFinite(lastUse) && core.now() - lastUse > expiryDays * DAY_MS) {
      await this.#signOut.revoke(key, tokens);
      await core.signOutLocally(key, `The session was not used for ${expiryDays} days (session.expiry_days).`);
      return;
    }
    runtime.tokens = tokens;
    if (isAccessTokenFresh(tokens, core.now())) {
      this.#refresher.schedule(key);
    } else {
      // A failed refresh is already reflected in the account's state (offline, or signed out).
      await this.#refresher.refresh(key, false).catch(() => undefined);
    }
  }
}
