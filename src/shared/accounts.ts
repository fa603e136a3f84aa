/**
 * Contracts of who may sign in, roles and local accounts (username + password), shared by the engine, the IPC
 * layer, the preload API and the renderer. Requests carry a password one way only (renderer -> main); nothing
 * here that travels back ever holds a password, a hash or a session secret.
 * Pure: imported by main, preload and renderer alike.
 */
import type { AccountSummary } from './session';

/** What the sign-in screen needs to offer local accounts: their provider, registration and the password rules. */
export interface LocalAccountsInfo {
  /** The `providers:` entry with `local: true`. */
  provider: string;
  label: string;
  /** `access.registration`: whether people may create their own account here. */
  registration: boolean;
  /** The password policy in plain words, one rule a line ("At least 8 characters"). */
  passwordRules: string[];
  minLength: number;
}

/** A sign-in with a local account. `newPassword` answers `password_change_required`. */
export interface LocalSignInRequest {
  /** The username, or the account's e-mail address. */
  identifier: string;
  password: string;
  newPassword?: string;
  /** Answers `totp_required`: the authenticator app's code, or a recovery code. */
  totpCode?: string;
}

export interface RegistrationRequest {
  username: string;
  email: string;
  firstName?: string;
  lastName?: string;
  password: string;
}

export interface PasswordChangeRequest {
  /** Default: the active account. */
  accountKey?: string;
  currentPassword: string;
  newPassword: string;
}

/** A local account's details, each persisted at once. Absent fields stay as they are. */
export interface DetailsUpdate {
  accountKey: string;
  firstName?: string;
  lastName?: string;
  /** The display name; default: first and last name. */
  name?: string;
  email?: string;
}

/** One account as an administrator sees it (the admin panel, `latchkey users list`): never a hash. */
export interface UserSummary {
  key: string;
  name: string;
  email?: string;
  provider: string;
  local: boolean;
  roles: string[];
  /** Roles the provider's claim contributed (`access.roles_claim`), shown apart from the file's own. */
  providerRoles: string[];
  signedIn: boolean;
  failedLoginAttempts: number;
  /** ISO time until which sign-ins are refused (too many failed attempts), when that is in the future. */
  lockedUntil?: string;
  mustChangePassword: boolean;
  /** A TOTP second factor is on. */
  totp: boolean;
  lastLogin?: string;
}

/** The start of turning on TOTP: a QR code to scan (an SVG drawing: no text of the secret) and when it lapses. */
export interface TotpEnrollment {
  qrSvg: string;
  /** The name the authenticator app will show. */
  label: string;
  /** The first code must be confirmed before this ISO time. */
  expiresAt: string;
}

/**
 * The start of turning on TOTP from the command line: the `otpauth://` URI (the CLI draws its QR code in the
 * terminal) and the secret as text, for an authenticator app that cannot scan. It carries the secret, so it is
 * for the main process only: it is not part of the engine the IPC router serves (see app.ts, `Latchkey`).
 */
export interface TerminalTotpEnrollment {
  otpauthUri: string;
  /** Base32, as authenticator apps take it when typed in. */
  secret: string;
  label: string;
  expiresAt: string;
}

/** Shown once, when TOTP is turned on: codes that each stand in for one TOTP code. */
export interface TotpActivation {
  recoveryCodes: string[];
}

/**
 * Who may sign in, roles and local accounts, as the IPC router and the CLI use them (implemented by the
 * session manager). Each change is on disk before it is announced.
 */
export interface AccountsEngine {
  /** null when config.yaml has no `local: true` provider. */
  localAccountsInfo(): LocalAccountsInfo | null;
  signInLocal(request: LocalSignInRequest): Promise<AccountSummary>;
  register(request: RegistrationRequest): Promise<AccountSummary>;
  changePassword(request: PasswordChangeRequest): Promise<void>;
  updateDetails(update: DetailsUpdate): Promise<AccountSummary>;
  /** Whether the account (default: the active, signed-in one) has the role, from the file or the provider. */
  hasRole(role: string, accountKey?: string): boolean;
  /** Every account with its roles and lock state; needs the `admin` role on the active account. */
  listUsers(): UserSummary[];
  /** Starts turning on TOTP for a signed-in local account (default: the active one). */
  beginTotp(accountKey?: string): TotpEnrollment;
  /** Finishes it with a first code; resolves with recovery codes, shown once. */
  confirmTotp(code: string, accountKey?: string): Promise<TotpActivation>;
  /** Turns TOTP off; the password is asked again. */
  disableTotp(password: string, accountKey?: string): Promise<void>;
}

/** The role that may see the administration panel and list every account over IPC. */
export const ADMIN_ROLE = 'admin';
