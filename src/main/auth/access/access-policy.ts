/**
 * Who may sign in: config.yaml's `access.allowed_emails` and `access.allowed_domains`
 * (Streamlit-Authenticator's `pre-authorized`). With neither list, everyone who can sign in at a configured
 * provider may. With either, the account's e-mail must be on a list — for a third-party sign-in only when the
 * provider says it verified the address (`require_verified_email`, default true): otherwise anyone could
 * create an account at a provider with someone else's address and walk in.
 *
 * Pure: the same decision is made for a browser sign-in, a local sign-in, a registration and a restore.
 */
import type { AccessConfig } from '../../store/access-schema';

export interface AccessIdentity {
  email?: string | undefined;
  /** What the provider said about the address (`email_verified`); unknown for local accounts. */
  emailVerified?: boolean | undefined;
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

/** How an account signs in: a third-party provider vouches for the e-mail, a local account does not. */
export type AccountKind = 'provider' | 'local';

export function hasAllowLists(access: AccessConfig): boolean {
  return access.allowed_emails.length > 0 || access.allowed_domains.length > 0;
}

/** The domain of an address, lower-case (after the last @, as mail routing reads it). */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * Whether the lists let this address in. `checkVerification: false` is for decisions about an account already
 * in config.yaml (a restore), where verification was checked at its sign-in.
 */
export function decideAccess(access: AccessConfig, identity: AccessIdentity, kind: AccountKind, options: { checkVerification?: boolean } = {}): AccessDecision {
  if (!hasAllowLists(access)) return { allowed: true };
  const email = identity.email?.trim();
  if (!email || !email.includes('@')) {
    return { allowed: false, reason: 'The account has no e-mail address, and access.allowed_emails / access.allowed_domains admit accounts by e-mail.' };
  }
  const listed =
    access.allowed_emails.some((allowed) => allowed.toLowerCase() === email.toLowerCase()) ||
    access.allowed_domains.some((domain) => domain.toLowerCase() === emailDomain(email));
  if (!listed) return { allowed: false, reason: `${email} is not in access.allowed_emails or access.allowed_domains.` };
  if (kind === 'provider' && (options.checkVerification ?? true) && access.require_verified_email && identity.emailVerified !== true) {
    return {
      allowed: false,
      reason: `The provider did not say that it verified ${email}, and access.require_verified_email is on.`,
    };
  }
  return { allowed: true };
}

/**
 * Why an account already in config.yaml may no longer be signed in under the current rules (someone narrowed
 * the lists since it signed in), or null. Its address was checked for verification when it signed in.
 */
export function recordAccessRefusal(access: AccessConfig, record: { email?: string | undefined }, kind: AccountKind): string | null {
  const decision = decideAccess(access, { email: record.email }, kind, { checkVerification: false });
  return decision.allowed ? null : `The access rules in config.yaml no longer admit this account: ${decision.reason}`;
}
