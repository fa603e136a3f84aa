/**
 * When an account was last refreshed and last used, from what is stored about it. Pure, so the rules are easy
 * to test.
 *
 * The exact time of the last refresh is in the vault: the stored token set's `obtainedAt` (sealed with the
 * tokens, so it is as trustworthy as they are). config.yaml's `last_refresh` is written by a refresh only when
 * the record changes anyway, or when it has fallen a day behind (LAST_REFRESH_WRITE_INTERVAL_MS): rewriting
 * the whole file (lock, parse, validate, two fsyncs) for one timestamp on every hourly refresh would double
 * the cost of a refresh. What the app shows (summary.lastRefreshAt) and the `session.expiry_days` rule read
 * both sources and take the later, so neither depends on how fresh the YAML is.
 */
import type { AccountRecord } from '../store/schema';
import type { TokenSet } from './storage';

/** The record's times these rules read. */
type RecordTimes = Pick<AccountRecord, 'last_refresh' | 'signed_in_at' | 'last_login'>;

/** A day: `session.expiry_days` counts whole days, so the file never lags behind by a unit the rule uses. */
export const LAST_REFRESH_WRITE_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** The time of the last refresh (epoch ms), or undefined if the account was never refreshed. */
export function lastRefreshMs(record: RecordTimes, tokens: TokenSet | null | undefined): number | undefined {
  const written = parseTime(record.last_refresh);
  // Tokens obtained after the sign-in was recorded came from a refresh (the sign-in's own tokens are obtained
  // just before its record is written).
  const signedIn = parseTime(record.signed_in_at ?? record.last_login);
  const refreshed = tokens && signedIn !== undefined && tokens.obtainedAt > signedIn ? tokens.obtainedAt : undefined;
  return latest(written, refreshed);
}

/** The last refresh as an ISO time, for the account summary. */
export function lastRefreshAt(record: RecordTimes, tokens: TokenSet | null | undefined): string | undefined {
  const at = lastRefreshMs(record, tokens);
  return at === undefined ? undefined : new Date(at).toISOString();
}

/** The last use of a session (sign-in or refresh, epoch ms), for `session.expiry_days`; undefined if unknown. */
export function lastUseMs(record: RecordTimes, tokens: TokenSet | null | undefined): number | undefined {
  return latest(parseTime(record.last_refresh), parseTime(record.signed_in_at ?? record.last_login), tokens?.obtainedAt);
}

/**
 * Whether a refresh must write the account's record: its profile changed (names, e-mail, picture... from the
 * new ID token), or the file's `last_refresh` is missing or a day old.
 */
export function recordNeedsWrite(current: AccountRecord, next: AccountRecord, now: number): boolean {
  const keys = new Set([...Object.keys(current), ...Object.keys(next)]);
  keys.delete('last_refresh');
  for (const key of keys) {
    if (JSON.stringify(current[key as keyof AccountRecord]) !== JSON.stringify(next[key as keyof AccountRecord])) return true;
  }
  const written = parseTime(current.last_refresh);
  return written === undefined || now - written >= LAST_REFRESH_WRITE_INTERVAL_MS || written > now;
}

function parseTime(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

function latest(...times: Array<number | undefined>): number | undefined {
  const known = times.filter((time): time is number => time !== undefined && Number.isFinite(time));
  return known.length === 0 ? undefined : Math.max(...known);
}
