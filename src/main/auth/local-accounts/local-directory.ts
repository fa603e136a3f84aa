/**
 * Finding local accounts in config.yaml: the provider entry that holds them (`local: true`), an account by
 * username or e-mail, and the rules of usernames. A local account's key under credentials.usernames is its
 * username — as in Streamlit-Authenticator's files — which cannot collide with a third-party account's key:
 * those are `provider:subject`, and a username has no `:`.
 */
import { z } from 'zod';
import { AuthError } from '../../../shared/errors';
import type { AccountRecord, LatchkeyConfig } from '../../store/schema';

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const emailSchema = z.email().max(254);

export interface LocalProviderRef {
  name: string;
  label: string;
}

/** The `local: true` entry of providers, or null when the file has none. */
export function localProvider(config: LatchkeyConfig): LocalProviderRef | null {
  for (const [name, entry] of Object.entries(config.providers)) {
    if (entry.local === true) return { name, label: entry.label ?? 'Local accounts' };
  }
  return null;
}

export function requireLocalProvider(config: LatchkeyConfig): LocalProviderRef {
  const provider = localProvider(config);
  if (!provider) {
    throw new AuthError('unknown_provider', 'There are no local accounts here: config.yaml has no provider with local: true.', {
      hint: 'Add one under providers:, e.g.  team: { label: Team, local: true }  (latchkey users add does it for you).',
    });
  }
  return provider;
}

export function isLocalRecord(config: LatchkeyConfig, record: AccountRecord): boolean {
  return config.providers[record.provider]?.local === true;
}

/** The key of the local account whose username or e-mail (either case) is `identifier`. */
export function findLocalAccount(config: LatchkeyConfig, identifier: string): string | undefined {
  const wanted = identifier.trim().toLowerCase();
  if (wanted === '') return undefined;
  const records = config.credentials.usernames;
  const local = Object.keys(records).filter((key) => isLocalRecord(config, records[key] as AccountRecord));
  return (
    local.find((key) => key.toLowerCase() === wanted) ??
    local.find((key) => records[key]?.email !== undefined && records[key]?.email?.toLowerCase() === wanted)
  );
}

/** A username as typed, made canonical (lower case), or `invalid_argument` saying what is allowed. */
export function normaliseUsername(raw: string): string {
  const username = raw.trim().toLowerCase();
  if (!USERNAME_PATTERN.test(username)) {
    throw new AuthError('invalid_argument', 'A username is 1 to 64 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit.');
  }
  return username;
}

/** An e-mail address as typed, trimmed, or `invalid_argument`. */
export function normaliseEmail(raw: string): string {
  const email = raw.trim();
  if (!emailSchema.safeParse(email).success) throw new AuthError('invalid_argument', 'That is not an e-mail address such as ada@example.com.');
  return email;
}

/** Whether another account (any kind) already uses `email`. */
export function emailInUse(records: Record<string, Pick<AccountRecord, 'email'>>, email: string, exceptKey?: string): boolean {
  const wanted = email.toLowerCase();
  return Object.entries(records).some(([key, record]) => key !== exceptKey && record.email?.toLowerCase() === wanted);
}
