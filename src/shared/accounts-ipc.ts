/**
 * The IPC channels of who may sign in, roles and local accounts: part of the one contract (ipc.ts extends
 * it), kept here so that contract reads in one place. Passwords travel renderer -> main only; no answer holds
 * a password, a hash or a session secret.
 */
import type { DetailsUpdate, LocalAccountsInfo, LocalSignInRequest, PasswordChangeRequest, RegistrationRequest, TotpActivation, TotpEnrollment, UserSummary } from './accounts';
import type { AccountSummary } from './session';

export interface AccountsIpcContract {
  /** Whether the account (default: the active one) is signed in and has the role. */
  'access:has-role': { args: [role: string, accountKey?: string]; result: boolean };
  /** Every account with its roles and lock state: only for an active account with the admin role. */
  'admin:users': { args: []; result: UserSummary[] };
  'local:info': { args: []; result: LocalAccountsInfo | null };
  /** Resolves when signed in and persisted; rejects e.g. with invalid_credentials, locked_out, password_change_required. */
  'local:sign-in': { args: [request: LocalSignInRequest]; result: AccountSummary };
  'local:register': { args: [request: RegistrationRequest]; result: AccountSummary };
  'local:change-password': { args: [request: PasswordChangeRequest]; result: null };
  'account:update-details': { args: [update: DetailsUpdate]; result: AccountSummary };
  'totp:begin': { args: [accountKey?: string]; result: TotpEnrollment };
  'totp:confirm': { args: [code: string, accountKey?: string]; result: TotpActivation };
  'totp:disable': { args: [password: string, accountKey?: string]; result: null };
}

export type AccountsChannel = keyof AccountsIpcContract;

export const ACCOUNTS_CHANNELS = [
  'access:has-role',
  'admin:users',
  'local:info',
  'local:sign-in',
  'local:register',
  'local:change-password',
  'account:update-details',
  'totp:begin',
  'totp:confirm',
  'totp:disable',
] as const satisfies readonly AccountsChannel[];

/** `window.latchkey.accounts`: methods resolve with values or reject with AuthError. */
export interface AccountsApi {
  hasRole(role: string, accountKey?: string): Promise<boolean>;
  listUsers(): Promise<UserSummary[]>;
  localInfo(): Promise<LocalAccountsInfo | null>;
  signInLocal(request: LocalSignInRequest): Promise<AccountSummary>;
  register(request: RegistrationRequest): Promise<AccountSummary>;
  changePassword(request: PasswordChangeRequest): Promise<void>;
  updateDetails(update: DetailsUpdate): Promise<AccountSummary>;
  beginTotp(accountKey?: string): Promise<TotpEnrollment>;
  confirmTotp(code: string, accountKey?: string): Promise<TotpActivation>;
  disableTotp(password: string, accountKey?: string): Promise<void>;
}
