/**
 * Account records: what config.yaml stores about an account (from the provider's profile) and what the UI is
 * shown of it (a summary: no token, only expiry times). Pure functions, so both are easy to test and reuse.
 */
import type { AccountSummary } from '../../shared/session';
import type { AccountRecord } from '../store/config';
import type { TokenSet } from './storage';
import { isDpopBound } from './dpop';
import type { ProfileClaims } from './sign-in-flow';
import { isAccessTokenFresh } from './token-freshness';

/**
 * The YAML record for a profile; fields the provider did not send keep what the record had. `roles` are the
 * person's and are never taken from the profile (access/roles.ts): a new record gets `extra.roles`.
 */
export function recordFromProfile(profile: ProfileClaims, provider: string, previous: AccountRecord | undefined, extra: Partial<AccountRecord>): AccountRecord {
  const record: AccountRecord = {
    ...(previous ?? {}),
    name: profile.name ?? ([profile.givenName, profile.familyName].filter(Boolean).join(' ') || previous?.name || profile.email || profile.subject),
    provider,
    subject: profile.subject,
    roles: previous?.roles ?? [],
    logged_in: previous?.logged_in ?? true,
    last_login: previous?.last_login ?? new Date().toISOString(),
    ...extra,
  } as AccountRecord;
  if (profile.email) record.email = profile.email;
  if (profile.givenName) record.first_name = profile.givenName;
  if (profile.familyName) record.last_name = profile.familyName;
  if (profile.picture) record.picture = profile.picture;
  if (extra.logged_in) delete record.signed_out_reason;
  return record;
}

export interface SummaryInput {
  key: string;
  record: AccountRecord;
  providerLabel: string;
  signedIn: boolean;
  tokens: TokenSet | null;
  connectivity: 'online' | 'offline';
  now: number;
  /** Why a session cannot be used right now although YAML says signed in (e.g. keychain locked). */
  unavailableReason?: string;
}

/** The account as the renderer and the CLI see it. */
export function summarizeAccount(input: SummaryInput): AccountSummary {
  const { key, record, signedIn, tokens } = input;
  const summary: AccountSummary = {
    key,
    provider: record.provider,
    providerLabel: input.providerLabel,
    subject: record.subject,
    name: record.name,
    roles: [...(record.roles ?? [])],
    signedIn,
    connectivity: input.connectivity,
    stale: signedIn && tokens !== null && !isAccessTokenFresh(tokens, input.now),
  };
  if (record.email) summary.email = record.email;
  if (record.first_name) summary.firstName = record.first_name;
  if (record.last_name) summary.lastName = record.last_name;
  if (record.picture) summary.picture = record.picture;
  const signedInAt = record.signed_in_at ?? record.last_login;
  if (signedInAt) summary.signedInAt = signedInAt;
  if (record.last_refresh) summary.lastRefreshAt = record.last_refresh;
  if (signedIn && tokens?.expiresAt !== undefined) summary.accessTokenExpiresAt = new Date(tokens.expiresAt).toISOString();
  if (signedIn && tokens && isDpopBound(tokens)) summary.dpop = true;
  const reason = input.unavailableReason ?? record.signed_out_reason;
  if (!signedIn && reason) summary.signedOutReason = reason;
  return summary;
}
