/**
 * What an administrator does to accounts (`latchkey users …`, and the admin panel's list): list them, add a
 * local account, remove one, edit roles, reset a password to a one-time code, unlock. Whoever can run these
 * can edit config.yaml anyway; the window's list is limited to the `admin` role (session-manager.ts). Each
 * change is one locked, atomic, comment-keeping write of config.yaml; removing an account also deletes its
 * session from the keychain. Nothing returned holds a hash.
 */
import type { UserSummary } from '../../../shared/accounts';
import { AuthError } from '../../../shared/errors';
import type { AccountRecord, LatchkeyConfig } from '../../store/schema';
import { decideAccess } from '../access/access-policy';
import { roleName } from '../../store/access-schema';
import type { ConfigStore, MutableConfigView } from '../../store/config';
import type { TokenVault } from '../storage';
import { emailInUse, isLocalRecord, localProvider, normaliseEmail, normaliseUsername } from './local-directory';
import { afterSuccess, lockedUntil } from './lockout';
import { newOneTimeCode } from './one-time-code';
import { assertPasswordAcceptable } from './password-policy';
import { hashPassword } from './passwords';
import { deleteTotp } from '../totp/totp-vault';
import { cleanNamePart } from './registration';

/** Where the local accounts live when config.yaml has no `local: true` provider yet. */
export const DEFAULT_LOCAL_PROVIDER = { name: 'local', label: 'Local accounts' } as const;

export function summarizeUser(config: LatchkeyConfig, key: string, record: AccountRecord, signedIn: boolean, now: number): UserSummary {
  const summary: UserSummary = {
    key,
    name: record.name,
    provider: record.provider,
    local: isLocalRecord(config, record),
    roles: [...record.roles],
    providerRoles: config.access.roles_claim !== undefined ? [...(record.provider_roles ?? [])] : [],
    signedIn,
    failedLoginAttempts: record.failed_login_attempts ?? 0,
    mustChangePassword: record.change_at_next_login === true,
    totp: record.totp === true,
  };
  if (record.email) summary.email = record.email;
  const locked = lockedUntil(record, now);
  if (locked) summary.lockedUntil = locked;
  if (record.last_login) summary.lastLogin = record.last_login;
  return summary;
}

export function listUsers(config: LatchkeyConfig, now: number, isSignedIn: (key: string) => boolean = (key) => config.credentials.usernames[key]?.logged_in === true): UserSummary[] {
  return Object.entries(config.credentials.usernames).map(([key, record]) => summarizeUser(config, key, record, isSignedIn(key), now));
}

export interface NewUser {
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  roles?: string[];
  /** Set this password (checked against the policy); without it a one-time code is made. */
  password?: string;
}

export interface UserAdminOptions {
  store: ConfigStore;
  vault: TokenVault;
  now?: () => number;
}

export class UserAdmin {
  readonly #store: UserAdminOptions['store'];
  readonly #vault: TokenVault;
  readonly #now: () => number;

  constructor(options: UserAdminOptions) {
    this.#store = options.store;
    this.#vault = options.vault;
    this.#now = options.now ?? Date.now;
  }

  /** Reads config.yaml as it is now (validated). */
  load(): Promise<LatchkeyConfig> {
    return this.#store.load();
  }

  /** Any administrator's edit of config.yaml (an import), as one locked, atomic, comment-keeping write. */
  updateConfig(mutate: (draft: MutableConfigView) => void): Promise<LatchkeyConfig> {
    return this.#store.update(mutate);
  }

  async list(): Promise<UserSummary[]> {
    return listUsers(await this.#store.load(), this.#now());
  }

  /**
   * Adds a local account (and the `local` provider entry when the file has none yet). Resolves with its key,
   * whether the provider entry was added, and the one-time code when no password was given.
   */
  async add(user: NewUser): Promise<{ key: string; oneTimeCode?: string; addedProvider?: string }> {
    const loaded = await this.#store.load();
    const key = normaliseUsername(user.username);
    const email = user.email === undefined ? undefined : normaliseEmail(user.email);
    const access = loaded.access;
    if (email !== undefined) {
      const decision = decideAccess(access, { email }, 'local');
      if (!decision.allowed) throw new AuthError('not_allowed', `${decision.reason} This account could not sign in.`, { hint: 'Add the address to access.allowed_emails first, or give another one.' });
    }
    const oneTimeCode = user.password === undefined ? newOneTimeCode() : undefined;
    if (user.password !== undefined) assertPasswordAcceptable(access.password_policy, user.password, { username: key, email });
    const hash = await hashPassword(user.password ?? (oneTimeCode as string), access.password_hash_cost);
    const firstName = cleanNamePart(user.firstName);
    const lastName = cleanNamePart(user.lastName);
    let addedProvider: string | undefined;
    await this.#store.update((draft) => {
      if (draft.getAccount(key)) throw new AuthError('account_exists', `There is already an account "${key}".`);
      if (email !== undefined && emailInUse(Object.fromEntries(draft.accounts()), email)) throw new AuthError('account_exists', 'That e-mail address already belongs to an account.');
      let provider = localProvider(draft.loaded)?.name;
      if (!provider) {
        if (Object.hasOwn(draft.loaded.providers, DEFAULT_LOCAL_PROVIDER.name)) {
          throw new AuthError('invalid_argument', `config.yaml has a provider named "${DEFAULT_LOCAL_PROVIDER.name}" that is not for local accounts.`, {
            hint: 'Add a provider entry with local: true under another name, e.g.  team: { label: Team, local: true }',
          });
        }
        draft.setSetting(['providers', DEFAULT_LOCAL_PROVIDER.name], { label: DEFAULT_LOCAL_PROVIDER.label, local: true });
        provider = DEFAULT_LOCAL_PROVIDER.name;
        addedProvider = provider;
      }
      const record: AccountRecord = {
        name: [firstName, lastName].filter(Boolean).join(' ') || key,
        password: hash,
        provider,
        subject: key,
        roles: user.roles ? [...user.roles] : [...access.default_roles],
        failed_login_attempts: 0,
        logged_in: false,
      };
      if (email) record.email = email;
      if (firstName) record.first_name = firstName;
      if (lastName) record.last_name = lastName;
      if (oneTimeCode) record.change_at_next_login = true;
      draft.setAccount(key, record);
    });
    return { key, ...(oneTimeCode ? { oneTimeCode } : {}), ...(addedProvider ? { addedProvider } : {}) };
  }

  /** Removes the account's record and its session in the keychain (any kind of account). */
  async remove(key: string): Promise<void> {
    const loaded = await this.#store.load();
    if (!loaded.credentials.usernames[key]) throw new AuthError('unknown_account', `There is no account "${key}" in config.yaml.`);
    await this.#vault.delete(key);
    await deleteTotp(this.#vault, key);
    await this.#store.update((draft) => {
      draft.removeAccount(key);
    });
  }

  /** Changes an account's own roles (any kind of account); resolves with the new list. */
  async editRoles(key: string, change: { add?: string[]; remove?: string[]; set?: string[] }): Promise<string[]> {
    for (const role of [...(change.add ?? []), ...(change.set ?? [])]) {
      const checked = roleName.safeParse(role);
      if (!checked.success) throw new AuthError('invalid_argument', `A role ${checked.error.issues[0]?.message ?? 'is not valid'}.`);
    }
    let roles: string[] = [];
    await this.#store.update((draft) => {
      const current = draft.getAccount(key);
      if (!current) throw new AuthError('unknown_account', `There is no account "${key}" in config.yaml.`);
      roles = change.set ? [...change.set] : [...current.roles];
      for (const role of change.add ?? []) if (!roles.includes(role)) roles.push(role);
      roles = roles.filter((role) => !(change.remove ?? []).includes(role));
      draft.setAccount(key, { ...current, roles });
    });
    return roles;
  }

  /**
   * Gives a local account a one-time code as its password (it must choose its own at the next sign-in),
   * lifts a lock, and ends its session. Resolves with the code, to be handed to the person.
   */
  async resetPassword(key: string): Promise<string> {
    const loaded = await this.#store.load();
    const record = loaded.credentials.usernames[key];
    if (!record) throw new AuthError('unknown_account', `There is no account "${key}" in config.yaml.`);
    if (!isLocalRecord(loaded, record)) throw new AuthError('invalid_argument', `Account "${key}" signs in with ${record.provider}: its password is managed there.`);
    const code = newOneTimeCode();
    const hash = await hashPassword(code, loaded.access.password_hash_cost);
    await this.#vault.delete(key);
    await this.#store.update((draft) => {
      const current = draft.getAccount(key);
      if (!current) throw new AuthError('unknown_account', `There is no account "${key}" in config.yaml.`);
      // A reset is also the way back in after a lost authenticator: the second factor goes with the password.
      const next: AccountRecord = { ...afterSuccess(current), password: hash, change_at_next_login: true, logged_in: false };
      delete next.totp;
      draft.setAccount(key, next);
    });
    await deleteTotp(this.#vault, key);
    return code;
  }

  /** Lifts a lock and clears the count of wrong passwords. */
  async unlock(key: string): Promise<void> {
    await this.#store.update((draft) => {
      const current = draft.getAccount(key);
      if (!current) throw new AuthError('unknown_account', `There is no account "${key}" in config.yaml.`);
      draft.setAccount(key, afterSuccess(current));
    });
  }
}
