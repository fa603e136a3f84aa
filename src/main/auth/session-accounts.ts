/**
 * The session engine's part about who may sign in, roles and local accounts (the AccountsEngine of
 * src/shared/accounts.ts): local sign-in, registration, password changes and details, `hasRole`, the admin
 * list, and the hashing of hand-written passwords after each restore. It works on the same core as the rest
 * of the engine, so a local session is restored, refreshed and signed out exactly like a third-party one.
 */
import { ADMIN_ROLE, type DetailsUpdate, type LocalAccountsInfo, type LocalSignInRequest, type PasswordChangeRequest, type RegistrationRequest, type TerminalTotpEnrollment, type TotpActivation, type TotpEnrollment, type UserSummary } from '../../shared/accounts';
import { AuthError } from '../../shared/errors';
import type { AccountSummary } from '../../shared/session';
import { recordHasRole } from './access/roles';
import { changePassword, updateDetails } from './local-accounts/account-edits';
import { localProvider } from './local-accounts/local-directory';
import { signInLocal } from './local-accounts/local-sign-in';
import { describePasswordPolicy } from './local-accounts/password-policy';
import { hashPlaintextPasswords } from './local-accounts/plaintext-passwords';
import { registerLocal } from './local-accounts/registration';
import { listUsers } from './local-accounts/user-admin';
import type { SessionCore } from './session-core';
import { TotpAccounts } from './totp/totp-accounts';

export class SessionAccounts {
  readonly #core: SessionCore;
  /** What people should be told once (the CLI prints these): e.g. a hand-written password was hashed. */
  readonly notices: string[] = [];
  readonly #totp: TotpAccounts;

  constructor(core: SessionCore) {
    this.#core = core;
    this.#totp = new TotpAccounts(core);
  }

  beginTotp(accountKey?: string): TotpEnrollment {
    return this.#totp.begin(accountKey);
  }

  beginTotpInTerminal(accountKey?: string): TerminalTotpEnrollment {
    return this.#totp.beginInTerminal(accountKey);
  }

  confirmTotp(code: string, accountKey?: string): Promise<TotpActivation> {
    return this.#totp.confirm(code, accountKey);
  }

  disableTotp(password: string, accountKey?: string): Promise<void> {
    return this.#totp.disable(password, accountKey);
  }

  info(): LocalAccountsInfo | null {
    const config = this.#core.config;
    const provider = config ? localProvider(config) : null;
    if (!config || !provider) return null;
    return {
      provider: provider.name,
      label: provider.label,
      registration: config.access.registration,
      passwordRules: describePasswordPolicy(config.access.password_policy),
      minLength: config.access.password_policy.min_length,
    };
  }

  signIn(request: LocalSignInRequest): Promise<AccountSummary> {
    return signInLocal(this.#core, request);
  }

  register(request: RegistrationRequest): Promise<AccountSummary> {
    return registerLocal(this.#core, request);
  }

  changePassword(request: PasswordChangeRequest): Promise<void> {
    return changePassword(this.#core, request);
  }

  updateDetails(update: DetailsUpdate): Promise<AccountSummary> {
    return updateDetails(this.#core, update);
  }

  /** Whether the account (default: the active one) is signed in and has `role`, its own or its provider's. */
  hasRole(role: string, accountKey?: string): boolean {
    const core = this.#core;
    const key = accountKey ?? core.activeKey;
    const record = key ? core.config?.credentials.usernames[key] : undefined;
    if (!key || !record || !core.config || !core.isSignedIn(key)) return false;
    return recordHasRole(record, core.config.access, role);
  }

  /** Every account, for the administration panel: only for an active account with the admin role. */
  listUsers(): UserSummary[] {
    const core = this.#core;
    if (!this.hasRole(ADMIN_ROLE)) {
      throw new AuthError('forbidden', `Listing accounts needs the "${ADMIN_ROLE}" role.`, { hint: `An administrator adds it with: latchkey users roles NAME --add ${ADMIN_ROLE}` });
    }
    return listUsers(core.requireConfig(), core.now(), (key) => core.isSignedIn(key));
  }

  /** After a restore: hand-written passwords are hashed and the file rewritten at once. */
  async afterRestore(): Promise<void> {
    if (!this.#core.config) return;
    const hashed = await hashPlaintextPasswords(this.#core);
    for (const key of hashed) {
      const notice = `The password written by hand for "${key}" in ${this.#core.options.store.path} was replaced by its hash.`;
      this.notices.push(notice);
      this.#core.options.log?.(notice);
    }
  }
}
