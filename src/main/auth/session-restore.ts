/**
 * Bringing sessions back at start-up (and after "check again"): config.yaml and the keychain are read, a valid
 * access token means signed in with no network call, an expired one is refreshed, a session unused for longer
 * than `session.expiry_days` is ended, and a keychain that cannot be reached changes nothing on disk.
 *
 * The account that will be active is read first, and restore() returns once it is ready: with many signed-in
 * accounts the window (or `latchkey token`) does not wait for the others. They are read right after, in the
 * background, with one keychain search for all of them; the state is emitted as they arrive. If the first
 * account turns out not to be signed in, restore() waits for all, since the active one is then among them.
 */
import { toAuthError } from '../../shared/errors';
import type { AccountRecord, LatchkeyConfig } from '../store/schema';
import { recordAccessRefusal } from './access/access-policy';
import { lastUseMs } from './last-use';
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
  #background: Promise<void> = Promise.resolve();
  #emitScheduled = false;

  constructor(core: SessionCore, refresher: SessionRefresher, signOut: SignOutCoordinator, preloaded: LatchkeyConfig | undefined) {
    this.#core = core;
    this.#refresher = refresher;
    this.#signOut = signOut;
    this.#preloaded = preloaded;
  }

  /** Returns false when config.yaml is invalid (the state then says where); rethrows anything else. */
  async restore(): Promise<boolean> {
    const core = this.#core;
    // A reload waits for the accounts the last restore was still reading.
    await this.settled();
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
    const expiryDays = config.session.expiry_days;
    const signedIn = Object.entries(config.credentials.usernames).filter(([, record]) => record.logged_in);
    // The account that will be active goes first: the one config.yaml names, else the first signed in.
    const firstIndex = Math.max(0, signedIn.findIndex(([key]) => key === config.active_account));
    const first = signedIn[firstIndex];
    const rest = signedIn.filter((_, index) => index !== firstIndex);
    // Until it has been read, each of the others counts as signed in (as the file says), and whatever uses its
    // tokens waits for it (SessionCore.loaded).
    const gates = rest.map(([key]) => {
      let open = (): void => undefined;
      const gate = new Promise<void>((resolve) => (open = resolve));
      core.loading.set(key, gate);
      return { key, open };
    });
    const others = async (): Promise<void> => {
      try {
        // One keychain search for all of them instead of one connection each (the keyring reads stay serialised).
        await core.options.vault.prefetch?.(rest.map(([key]) => key));
        await Promise.all(
          rest.map(async ([key, record], index) => {
            try {
              await this.#restoreAccount(key, record, expiryDays);
            } finally {
              core.loading.delete(key);
              gates[index]?.open();
              this.#emitSoon();
            }
          }),
        );
      } finally {
        for (const gate of gates) {
          core.loading.delete(gate.key);
          gate.open();
        }
      }
    };
    try {
      if (first) await this.#restoreAccount(first[0], first[1], expiryDays);
    } catch (err) {
      await others().catch(() => undefined);
      throw err;
    }
    if (first && rest.length > 0 && core.isSignedIn(first[0])) {
      // Ready to show: the others follow in the background and are announced as they arrive.
      core.activeKey = first[0];
      this.#background = others().then(() => this.#finish(config, false));
      this.#background.catch((err: unknown) => core.options.log?.(`restoring accounts: ${toAuthError(err).message}`));
      core.emit();
      return true;
    }
    // The first account is not signed in (or there is only one): the active one is chosen among all of them.
    await others();
    await this.#finish(config, true);
    return true;
  }

  /** Resolves when the accounts a restore() left to the background have all been read. */
  async settled(): Promise<void> {
    await this.#background.catch(() => undefined);
  }

  /** After every account has been read: the active account (chosen anew, or kept if still signed in), the event. */
  async #finish(config: LatchkeyConfig, choose: boolean): Promise<void> {
    const core = this.#core;
    if (choose || core.activeKey === null || !core.isSignedIn(core.activeKey)) core.activeKey = core.pickActive(config.active_account ?? null);
    await core.options.events.record({ kind: 'restore', outcome: 'ok', detail: `${core.signedInKeys().length} signed in` });
    core.emit();
  }

  /** Many accounts arriving at once are announced together: one state event per turn of the event loop. */
  #emitSoon(): void {
    if (this.#emitScheduled) return;
    this.#emitScheduled = true;
    setImmediate(() => {
      this.#emitScheduled = false;
      if (!this.#core.closed) this.#core.emit();
    });
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
    // The later of config.yaml's times and the tokens' own (a refresh does not rewrite the file every time).
    const lastUse = lastUseMs(record, tokens);
    if (expiryDays > 0 && lastUse !== undefined && core.now() - lastUse > expiryDays * DAY_MS) {
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
