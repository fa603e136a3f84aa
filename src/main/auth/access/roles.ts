/**
 * Roles. An account record's `roles` are the person's: Latchkey writes them once, when the account is created
 * (from `access.default_roles`), and never again — an edit in config.yaml survives every later sign-in and
 * refresh. A provider can contribute roles too, where `access.roles_claim` names the claim (`groups`,
 * `realm_access.roles`, `https://example.com/roles`): those go to `provider_roles`, replaced at each sign-in
 * (and at a refresh whose ID token carries the claim). An account has a role when either list holds it.
 */
import { stripControlAndFormat } from '../../../shared/untrusted-text';
import type { AccessConfig } from '../../store/access-schema';
import type { AccountRecord } from '../../store/schema';

const MAX_ROLES = 200;
const MAX_ROLE_CHARS = 100;

function valueAt(claims: Record<string, unknown>, claim: string): unknown {
  // A namespaced claim name may itself contain dots (https://example.com/roles): the whole name first.
  if (Object.hasOwn(claims, claim)) return claims[claim];
  let current: unknown = claims;
  for (const part of claim.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** The roles a provider's claims give, cleaned and bounded; undefined when the claim is absent. */
export function rolesFromClaim(claims: Record<string, unknown> | undefined, claim: string): string[] | undefined {
  if (!claims) return undefined;
  const value = valueAt(claims, claim);
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : [value];
  const roles: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') continue;
    const role = stripControlAndFormat(item).trim().slice(0, MAX_ROLE_CHARS);
    if (role && !roles.includes(role)) roles.push(role);
    if (roles.length >= MAX_ROLES) break;
  }
  return roles;
}

/** The account's roles: its own, then those the provider contributes (only while `roles_claim` is set). */
export function effectiveRoles(record: Pick<AccountRecord, 'roles' | 'provider_roles'>, access: Pick<AccessConfig, 'roles_claim'>): string[] {
  const roles = [...(record.roles ?? [])];
  if (access.roles_claim !== undefined) for (const role of record.provider_roles ?? []) if (!roles.includes(role)) roles.push(role);
  return roles;
}

export function recordHasRole(record: Pick<AccountRecord, 'roles' | 'provider_roles'>, access: Pick<AccessConfig, 'roles_claim'>, role: string): boolean {
  return effectiveRoles(record, access).includes(role);
}

/**
 * `record` with its `provider_roles` brought up to date from the provider's claims. `claimsComplete`: at a
 * sign-in the claims are the ID token and userinfo together, so a missing claim means "no roles"; at a
 * refresh only a new ID token is seen, so a missing claim leaves the last known roles.
 */
export function withProviderRoles(record: AccountRecord, access: Pick<AccessConfig, 'roles_claim'>, claims: Record<string, unknown> | undefined, claimsComplete: boolean): AccountRecord {
  const next = { ...record };
  if (access.roles_claim === undefined) {
    delete next.provider_roles;
    return next;
  }
  if (!claims) return next;
  const roles = rolesFromClaim(claims, access.roles_claim);
  if (roles === undefined && !claimsComplete) return next;
  next.provider_roles = roles ?? [];
  return next;
}

/**
 * The roles part of a record written at a sign-in: a new account starts with `access.default_roles`, an
 * existing one keeps its own; `provider_roles` follow the claim.
 */
export function signInRoles(previous: AccountRecord | undefined, access: AccessConfig): Partial<AccountRecord> {
  return previous ? {} : { roles: [...access.default_roles] };
}
