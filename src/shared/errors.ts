/**
 * The one error type of Latchkey. Callers decide by `code`, never by message text.
 * Pure: imported by main, preload and renderer alike.
 */

/** Every error code the engine can produce. Add new codes here and give them words in the renderer. */
export const AUTH_ERROR_CODES = [
  /** The person cancelled the sign-in (in the app, or closed the flow). */
  'cancelled',
  /** The browser never came back to the loopback redirect in time. */
  'timeout',
  /** A redirect arrived whose `state` does not belong to this sign-in. */
  'state_mismatch',
  /** The person (or the provider) refused consent. */
  'access_denied',
  /** The provider definitively rejected a grant (refresh token revoked, expired or reused). */
  'invalid_grant',
  /** The provider does not know this client (wrong client id / secret / redirect). */
  'invalid_client',
  /** The redirect back from the provider is malformed (no code, bad `iss`, bad ID token...). */
  'invalid_callback',
  /** Any other OAuth/OIDC error answer from the provider. */
  'provider_error',
  /** The provider could not be reached. Never a reason to delete credentials. */
  'network',
  /** The OS keychain is missing, locked, or refused access. */
  'keychain_unavailable',
  /** The passphrase store (`storage: passphrase`) is locked and its passphrase has not been given in this run. */
  'passphrase_required',
  /** The passphrase does not open the passphrase store. */
  'passphrase_wrong',
  /** The passphrase store's file is damaged or was changed by something other than Latchkey: refused, not used. */
  'secret_store_damaged',
  /** An account's secrets are in the other secret store than the one chosen (`storage:` / LATCHKEY_STORAGE). */
  'secrets_in_other_store',
  /** config.yaml cannot be parsed or violates the schema; nothing is written until it is fixed. */
  'config_invalid',
  /** The data folder (or a file in it) can be changed by another user, or is not a plain file of ours: refused, not used. */
  'data_folder_unsafe',
  /** No provider of that name is configured. */
  'unknown_provider',
  /** No account with that key. */
  'unknown_account',
  /** The operation needs a signed-in account and there is none. */
  'not_signed_in',
  /** config.yaml's `access:` rules do not let this person sign in (or register with that e-mail). */
  'not_allowed',
  /** The account lacks the role the operation needs. */
  'forbidden',
  /** A local sign-in with a username or password that does not match (never says which). */
  'invalid_credentials',
  /** Too many failed attempts: sign-ins of this local account are refused until `retryAt`. */
  'locked_out',
  /** The password was a one-time code (or expired): choose a new one to finish signing in. */
  'password_change_required',
  /** A new password does not meet `access.password_policy`. */
  'weak_password',
  /** `access.registration` is off. */
  'registration_closed',
  /** That username or e-mail already belongs to an account. */
  'account_exists',
  /** The password was right; the account's second factor (a TOTP or recovery code) is needed too. */
  'totp_required',
  /** A sign-in is already in progress. */
  'busy',
  /** The loopback redirect URI(s) registered for the provider cannot be listened on (port in use). */
  'redirect_unavailable',
  /** An argument from outside (IPC, CLI) failed validation (an API path that leaves its base_url, too). */
  'invalid_argument',
  /** No API of that name in config.yaml's `apis:`. */
  'unknown_api',
  /** An API answered with more than the configured bound (max_response_bytes). */
  'response_too_large',
  /** A bug: something that should not happen. */
  'internal',
] as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/** What crosses process boundaries (IPC, CLI JSON) of an error: never the cause, never a secret. */
export interface ErrorInfo {
  code: AuthErrorCode;
  message: string;
  /** What the person can do about it, when there is something. */
  hint?: string;
  /** For config_invalid: where the problem is. */
  location?: { file: string; line?: number; column?: number };
  /** For locked_out: the ISO time from which another attempt is accepted. */
  retryAt?: string;
}

export interface AuthErrorOptions {
  cause?: unknown;
  hint?: string;
  location?: ErrorInfo['location'];
  retryAt?: string;
}

export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  readonly hint?: string;
  readonly location?: ErrorInfo['location'];
  readonly retryAt?: string;

  constructor(code: AuthErrorCode, message: string, options: AuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.hint !== undefined) this.hint = options.hint;
    if (options.location !== undefined) this.location = options.location;
    if (options.retryAt !== undefined) this.retryAt = options.retryAt;
  }

  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.hint !== undefined) info.hint = this.hint;
    if (this.location !== undefined) info.location = this.location;
    if (this.retryAt !== undefined) info.retryAt = this.retryAt;
    return info;
  }
}

export function isAuthError(value: unknown, code?: AuthErrorCode): value is AuthError {
  return value instanceof AuthError && (code === undefined || value.code === code);
}

/** Wraps anything thrown into an AuthError, keeping the original as `cause`. */
export function toAuthError(value: unknown, fallbackCode: AuthErrorCode = 'internal'): AuthError {
  if (value instanceof AuthError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new AuthError(fallbackCode, message, { cause: value });
}
