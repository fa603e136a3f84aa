/**
 * A sign-in on another device as the engine runs it (RFC 8628; the protocol run is device-flow.ts): one
 * sign-in at a time, shared with the browser sign-in (either refuses with `busy` while the other runs), the
 * code, the page and its QR code in the state while the provider is polled, and the same ending as a browser
 * sign-in — the access rules, then keychain, then config.yaml (sign-in-persist.ts), then the announcement.
 */
import { AuthError, toAuthError } from '../../shared/errors';
import type { AccountSummary, DeviceSignInProgress } from '../../shared/session';
import { beginDeviceSignIn, type DeviceRun } from './device-flow';
import { qrSvg } from './qr/qr-svg';
import type { SessionCore } from './session-core';
import type { SessionRefresher } from './session-refresh';
import { keepSignIn } from './sign-in-persist';

export interface DeviceSignInOptions {
  /** Whether another kind of sign-in (the browser's) is in progress. */
  otherSignInBusy: () => boolean;
}

export class DeviceSignInCoordinator {
  readonly #core: SessionCore;
  readonly #refresher: SessionRefresher;
  readonly #options: DeviceSignInOptions;
  #current: { run: DeviceRun; progress: DeviceSignInProgress } | null = null;
  #starting = false;
  #cancelRequested = false;

  constructor(core: SessionCore, refresher: SessionRefresher, options: DeviceSignInOptions) {
    this.#core = core;
    this.#refresher = refresher;
    this.#options = options;
    core.deviceSignInProgress = () => this.#current?.progress ?? null;
  }

  get busy(): boolean {
    return this.#current !== null || this.#starting;
  }

  async signIn(providerName: string): Promise<AccountSummary> {
    const core = this.#core;
    core.requireConfig();
    if (this.busy || this.#options.otherSignInBusy()) throw new AuthError('busy', 'A sign-in is already in progress. Finish or cancel it first.');
    const providers = core.requireProviders();
    providers.resolve(providerName);
    core.lastSignInError = undefined;
    let run: DeviceRun;
    // Claimed before the first await, so two clicks cannot start two sign-ins.
    this.#starting = true;
    this.#cancelRequested = false;
    try {
      const client = await providers.client(providerName);
      if (this.#cancelRequested) throw new AuthError('cancelled', 'The sign-in on another device was cancelled.');
      run = await beginDeviceSignIn({
        client,
        now: () => core.now(),
        onInterval: (seconds) => {
          if (this.#current?.run !== run) return;
          this.#current.progress.interval = seconds;
          core.emit();
        },
      });
      if (this.#cancelRequested) run.cancel();
    } catch (err) {
      return this.#fail(toAuthError(err), providerName);
    } finally {
      this.#starting = false;
    }
    const { authorization } = run;
    const progress: DeviceSignInProgress = {
      provider: providerName,
      userCode: authorization.userCode,
      verificationUri: authorization.verificationUri,
      // The page with the code filled in when there is one: a phone that scans it has nothing to type.
      qrSvg: qrSvg(authorization.verificationUriComplete ?? authorization.verificationUri),
      startedAt: new Date(authorization.startedAt).toISOString(),
      expiresAt: new Date(authorization.expiresAt).toISOString(),
      interval: authorization.interval,
    };
    if (authorization.verificationUriComplete) progress.verificationUriComplete = authorization.verificationUriComplete;
    this.#current = { run, progress };
    core.emit();
    try {
      const obtained = await run.result;
      // No browser waits for a page here: the other device has the provider's own "done" page.
      const key = await keepSignIn(core, this.#refresher, providerName, { ...obtained, finish: () => undefined });
      this.#current = null;
      const summary = core.summary(key);
      void core.options.events.record({ kind: 'sign_in', accountKey: key, outcome: 'ok', detail: 'on another device' });
      core.emit();
      return summary;
    } catch (err) {
      this.#current = null;
      return this.#fail(toAuthError(err), providerName);
    }
  }

  cancel(): void {
    if (this.#starting) this.#cancelRequested = true;
    this.#current?.run.cancel();
  }

  async #fail(error: AuthError, provider: string): Promise<never> {
    if (error.code !== 'cancelled') this.#core.lastSignInError = error.toInfo();
    await this.#core.options.events.record({ kind: 'failure', outcome: 'error', code: error.code, detail: `sign-in on another device with ${provider}` });
    this.#core.emit();
    throw error;
  }
}
