/**
 * A browser sign-in as the engine runs it: one at a time, the account chooser for another account of a provider
 * already used, a hint after a while when the browser does not come back (almost always a redirect URI that
 * the provider does not accept), and the order that makes it durable — keychain first, then config.yaml, then
 * the browser hears "signed in", then listeners.
 */
import { AuthError, toAuthError } from '../../shared/errors';
import type { AccountSummary, SignInOptions as SignInRequest, SignInProgress } from '../../shared/session';
import { describeRedirect, type ResolvedProvider } from './provider-resolution';
import type { SessionCore } from './session-core';
import type { SessionRefresher } from './session-refresh';
import { beginSignIn, type SignInRun } from './sign-in-flow';
import { keepSignIn } from './sign-in-persist';

/** After this long without the browser coming back, the waiting screen and the CLI say what to check. */
export const WAITING_HINT_AFTER_MS = 20_000;

export interface SignInOptions {
  openBrowser: (url: string) => Promise<void>;
  signInTimeoutMs?: number;
  waitingHintAfterMs?: number;
}

/** How one browser sign-in is asked for: a login hint (renewing a known account), no browser (SSH). */
export type SignInRequestOptions = SignInRequest;

export class SignInCoordinator {
  readonly #core: SessionCore;
  readonly #refresher: SessionRefresher;
  readonly #options: SignInOptions;
  #current: { run: SignInRun; progress: SignInProgress } | null = null;
  #starting = false;

  constructor(core: SessionCore, refresher: SessionRefresher, options: SignInOptions) {
    this.#core = core;
    this.#refresher = refresher;
    this.#options = options;
    core.signInProgress = () => this.#current?.progress ?? null;
  }

  get busy(): boolean {
    return this.#current !== null || this.#starting;
  }

  async signIn(providerName: string, options: SignInRequestOptions = {}): Promise<AccountSummary> {
    const core = this.#core;
    core.requireConfig();
    if (this.busy) throw new AuthError('busy', 'A sign-in is already in progress. Finish or cancel it first.');
    const providers = core.requireProviders();
    const provider = providers.resolve(providerName);
    core.lastSignInError = undefined;
    let run: SignInRun;
    // A browser that could not be opened is told to whoever watches the sign-in (the CLI suggests --no-browser).
    let browserError: string | undefined;
    let reportBrowserError = (): void => undefined;
    // Claimed before the first await, so two clicks cannot start two sign-ins.
    this.#starting = true;
    try {
      const client = await providers.client(providerName);
      // Another account of a provider already used: ask the provider for its account chooser, so the
      // browser's existing session is not silently reused.
      const selectAccount = Object.values(core.requireConfig().credentials.usernames).some((record) => record.provider === providerName);
      run = await beginSignIn({
        client,
        openBrowser: options.noBrowser ? async () => undefined : this.#options.openBrowser,
        now: () => core.now(),
        selectAccount,
        ...(options.loginHint ? { loginHint: options.loginHint } : {}),
        ...(this.#options.signInTimeoutMs !== undefined ? { timeoutMs: this.#options.signInTimeoutMs } : {}),
        onBrowserError: (error) => {
          core.options.log?.(`could not open the browser: ${error.message}`);
          browserError = error.message;
          reportBrowserError();
        },
      });
      if (!client.provider.pkce) {
        await core.options.events.record({ kind: 'failure', outcome: 'error', code: 'provider_error', detail: `sign-in with ${providerName} without PKCE (pkce: false)` });
      }
    } catch (err) {
      return this.#fail(toAuthError(err), providerName);
    } finally {
      this.#starting = false;
    }
    const current = {
      run,
      progress: {
        provider: providerName,
        authorizationUrl: run.authorizationUrl,
        redirectUri: run.redirectUri,
        startedAt: new Date(run.startedAt).toISOString(),
        expiresAt: new Date(run.expiresAt).toISOString(),
      } as SignInProgress,
    };
    this.#current = current;
    if (browserError) current.progress.browserError = browserError;
    reportBrowserError = () => {
      if (this.#current !== current || !browserError) return;
      current.progress.browserError = browserError;
      core.emit();
    };
    const hintTimer = setTimeout(() => {
      if (this.#current !== current) return;
      current.progress.waitingHint = waitingHint(provider, run.redirectUri, core.options.store.path);
      core.emit();
    }, this.#options.waitingHintAfterMs ?? WAITING_HINT_AFTER_MS);
    hintTimer.unref?.();
    void run.result.finally(() => clearTimeout(hintTimer)).catch(() => undefined);
    core.emit();
    try {
      const result = await run.result;
      // The access rules, the account's key, keychain then config.yaml (sign-in-persist.ts).
      const key = await keepSignIn(core, this.#refresher, providerName, result);
      this.#current = null;
      const summary = core.summary(key);
      result.finish({ ok: true, detail: `Signed in as ${summary.name}${summary.email ? ` <${summary.email}>` : ''}. You can close this tab and return to Latchkey.` });
      // Not awaited: the log is an append that never fails the sign-in; close() waits for it.
      void core.options.events.record({ kind: 'sign_in', accountKey: key, outcome: 'ok' });
      core.emit();
      await result.closed().catch(() => undefined);
      return summary;
    } catch (err) {
      this.#current = null;
      return this.#fail(toAuthError(err), providerName);
    }
  }

  cancel(): void {
    this.#current?.run.cancel();
  }

  /**
   * The redirect pasted by the person (`latchkey login --no-browser`: the browser ran on another machine and
   * could not reach the loopback listener). Checked and exchanged exactly like the browser's own return; throws
   * a coded AuthError for an address that is not this sign-in's redirect, and the sign-in keeps waiting.
   */
  completeSignIn(url: string): void {
    if (!this.#current) throw new AuthError('invalid_argument', 'No sign-in is in progress.');
    this.#current.run.submitRedirect(url);
  }

  async reopenBrowser(): Promise<void> {
    if (!this.#current) throw new AuthError('invalid_argument', 'No sign-in is in progress.');
    await this.#options.openBrowser(this.#current.run.authorizationUrl);
  }

  async #fail(error: AuthError, provider: string): Promise<never> {
    if (error.code !== 'cancelled') this.#core.lastSignInError = error.toInfo();
    await this.#core.options.events.record({ kind: 'failure', outcome: 'error', code: error.code, detail: `sign-in with ${provider}` });
    this.#core.emit();
    throw error;
  }
}

/** What to check when the browser has not come back: almost always the redirect URI registered at the provider. */
export function waitingHint(provider: Pick<ResolvedProvider, 'name' | 'label' | 'redirects'>, redirectUri: string, configPath: string): string {
  const url = new URL(redirectUri);
  const exact = provider.redirects[0]?.port !== 0;
  const registered = exact ? redirectUri : describeRedirect({ host: url.hostname, port: 0, path: url.pathname });
  return exact
    ? `No answer from the browser yet. If ${provider.label} shows an error page, check that exactly ${registered} is registered there as a redirect URI (it is the redirect_uri of "${provider.name}" in ${configPath}).`
    : `No answer from the browser yet. If ${provider.label} shows an error page about the redirect URI, register ${registered} there (any port). If ${provider.label} compares redirect URIs exactly, register one with a fixed port, e.g. http://127.0.0.1:53682${url.pathname}, and set it as redirect_uri of "${provider.name}" in ${configPath}.`;
}
