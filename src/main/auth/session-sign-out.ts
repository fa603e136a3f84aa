/**
 * Signing out: revocation at the provider (with an honest report of what the provider did), the local
 * sign-out (keychain entry deleted, record marked or forgotten), and the provider's sign-out page, built here
 * with `id_token_hint` and opened only by the main process, once.
 */
import { AuthError, toAuthError } from '../../shared/errors';
import type { SignOutOptions, SignOutResult } from '../../shared/session';
import type { ProviderClient } from './provider-client';
import { endSessionUrl, revokeTokens, type RevocationReport } from './revocation';
import { unknownAccount, type SessionCore } from './session-core';
import { serveSignedOutPage } from './signed-out-page';
import type { TokenSet } from './storage';

interface EndSessionPage {
  url: string;
  postLogoutRedirectUri?: string;
  label: string;
}

export class SignOutCoordinator {
  readonly #core: SessionCore;
  readonly #openBrowser: (url: string) => Promise<void>;
  /** Sign-out pages with id_token_hint: main-process memory only, opened on request, never shown. */
  readonly #pages = new Map<string, EndSessionPage>();

  constructor(core: SessionCore, options: { openBrowser: (url: string) => Promise<void> }) {
    this.#core = core;
    this.#openBrowser = options.openBrowser;
  }

  async signOut(options: SignOutOptions = {}): Promise<SignOutResult> {
    const core = this.#core;
    const config = core.requireConfig();
    const key = options.accountKey ?? core.activeKey;
    if (!key) throw new AuthError('not_signed_in', 'No account is signed in.');
    const record = config.credentials.usernames[key];
    if (!record) throw unknownAccount(key);
    // An account a restore is still reading: its read must not bring the tokens back after this sign-out.
    await core.loaded(key);
    const tokens = core.runtimeFor(key).tokens ?? (await core.options.vault.get(key));
    const revocation: RevocationReport = tokens ? await this.revoke(key, tokens) : { outcome: 'not_supported', detail: 'There were no tokens to revoke.' };
    const endSession = await this.#prepareEndSession(record.provider, tokens?.idToken);
    await core.signOutLocally(key, undefined, options.forget === true);
    if (endSession.page) this.#pages.set(key, endSession.page);
    else this.#pages.delete(key);
    const revoked = revocation.outcome === 'revoked';
    await core.options.events.record({
      kind: 'sign_out',
      accountKey: key,
      outcome: 'ok',
      detail: revoked ? 'revoked at the provider' : `not revoked (${revocation.outcome}): ${revocation.detail ?? ''}`.trim(),
    });
    core.emit();
    const result: SignOutResult = { accountKey: key, revoked, revocation: revocation.outcome, endSessionAvailable: endSession.page !== undefined };
    if (revocation.detail && !revoked) result.revocationDetail = revocation.detail;
    if (endSession.note) result.endSessionNote = endSession.note;
    return result;
  }

  async openEndSession(accountKey: string): Promise<void> {
    const page = this.#pages.get(accountKey);
    if (!page) throw new AuthError('invalid_argument', 'There is no provider sign-out page for this account.');
    // One use: the URL carries the ID token, and a second sign-out page visit would find no session anyway.
    this.#pages.delete(accountKey);
    if (page.postLogoutRedirectUri) await serveSignedOutPage(page.postLogoutRedirectUri, page.label);
    await this.#openBrowser(page.url);
  }

  /** Revocation at the provider (RFC 7009 or the provider's own API). Never throws. */
  async revoke(key: string, tokens: TokenSet): Promise<RevocationReport> {
    const record = this.#core.config?.credentials.usernames[key];
    const providers = this.#core.providers;
    if (!record || !providers) return { outcome: 'failed', detail: 'The provider is not configured any more.' };
    // A local session is nothing but its secret in the keychain: deleting it (signOutLocally) ends it for good.
    if (this.#core.isLocalProvider(record.provider)) return { outcome: 'revoked' };
    let client: ProviderClient;
    try {
      client = await providers.client(record.provider);
    } catch (err) {
      return { outcome: 'failed', detail: `The provider could not be reached to revoke the tokens (${toAuthError(err).message}).` };
    }
    const report = await revokeTokens(client, tokens);
    if (report.outcome !== 'revoked') this.#core.options.log?.(`revocation for ${key}: ${report.outcome}`);
    return report;
  }

  /**
   * The provider's sign-out page for this account, with `id_token_hint` (kept from the vault) and the
   * registered `post_logout_redirect_uri`; or why there is none.
   */
  async #prepareEndSession(provider: string, idToken: string | undefined): Promise<{ page?: EndSessionPage; note?: string }> {
    if (this.#core.isLocalProvider(provider)) return {};
    let client: ProviderClient;
    try {
      client = await this.#core.requireProviders().client(provider);
    } catch {
      return { note: 'The provider could not be reached, so its sign-out page is not available now.' };
    }
    if (!client.provider.endSession.offered) return client.provider.endSession.explanation ? { note: client.provider.endSession.explanation } : {};
    const url = endSessionUrl(client, idToken);
    if (!url) return { note: `${client.provider.label} has no sign-out page: you may still be signed in there in your browser.` };
    return { page: { url, label: client.provider.label, ...(client.provider.postLogoutRedirectUri ? { postLogoutRedirectUri: client.provider.postLogoutRedirectUri } : {}) } };
  }
}
