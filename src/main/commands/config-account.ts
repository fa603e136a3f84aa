/**
 * What `latchkey token` reads from config.yaml, read with the same YAML stage every command uses (config-yaml.ts:
 * size, nesting, repeated and reserved keys, tags, aliases) but without the schema. Loaded only when
 * config-lookup.ts has no remembered answer for the file.
 */
import type { AccountRecord } from '../store/schema';
import { MAX_ALIAS_COUNT, readConfigSyntax } from '../store/config-yaml';

/** The account the token is for, the record fields `token` uses, and the expiry rule. */
export interface AccountLookup {
  key: string;
  record: Pick<AccountRecord, 'provider' | 'subject' | 'logged_in' | 'last_login' | 'signed_in_at' | 'last_refresh'>;
  expiryDays: number;
}

/** The account the token is for, its record and the expiry rule, when the file says all of it plainly. */
export function accountOf(text: string, accountKey: string | undefined): AccountLookup | null {
  const syntax = readConfigSyntax(text);
  if (!syntax.ok || syntax.forbidden.length > 0) return null;
  let data: unknown;
  try {
    data = syntax.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    return null;
  }
  if (!isObject(data) || !leavesSessionsAlone(data.access)) return null;
  // Secrets in the passphrase store are read by the engine, which asks for the passphrase (or an unclear value).
  if (data.storage !== undefined && data.storage !== null && data.storage !== 'keychain') return null;
  const expiryDays = isObject(data.session) ? data.session.expiry_days : undefined;
  if (typeof expiryDays !== 'number' || !Number.isFinite(expiryDays) || expiryDays < 0) return null;
  const key = accountKey ?? data.active_account;
  const usernames = isObject(data.credentials) ? data.credentials.usernames : undefined;
  if (typeof key !== 'string' || !isObject(usernames) || !Object.hasOwn(usernames, key)) return null;
  const record = usernames[key];
  if (!isObject(record) || record.logged_in !== true || typeof record.provider !== 'string' || typeof record.subject !== 'string') return null;
  for (const field of ['last_login', 'signed_in_at', 'last_refresh'] as const) {
    if (record[field] !== undefined && typeof record[field] !== 'string') return null;
  }
  const providers = data.providers;
  if (!isObject(providers) || !Object.hasOwn(providers, record.provider)) return null;
  const provider = providers[record.provider];
  if (!isObject(provider) || provider.local === true) return null;
  const kept: AccountLookup['record'] = { provider: record.provider, subject: record.subject, logged_in: true };
  for (const field of ['last_login', 'signed_in_at', 'last_refresh'] as const) if (typeof record[field] === 'string') kept[field] = record[field];
  return { key, record: kept, expiryDays };
}

/**
 * Whether `access:` says nothing about who may stay signed in. Its allow-lists do: the engine signs out an
 * account they no longer admit when it restores it, so `token` must run the engine then. The rest (roles,
 * registration, the rules of local accounts' passwords) changes nothing about an existing session's token.
 */
function leavesSessionsAlone(access: unknown): boolean {
  if (access === undefined || access === null) return true;
  if (!isObject(access)) return false;
  const empty = (list: unknown): boolean => list === undefined || list === null || (Array.isArray(list) && list.length === 0);
  return empty(access.allowed_emails) && empty(access.allowed_domains);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
