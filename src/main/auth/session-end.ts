/**
 * When a signed-in account's session will end unless the person signs in again, and why: the provider's own
 * limit on the refresh token (`refreshExpiresAt`, from `refresh_expires_in` or GitHub Apps'
 * `refresh_token_expires_in`), or Latchkey's `session.expiry_days`, which ends a session not used (signed in
 * or refreshed) for that many days (session-restore.ts applies it). The earlier of the two counts. Pure, so the
 * rule is easy to test; the dashboard warns `session.warn_days` before it and `latchkey status` prints it.
 */
import type { AccountRecord } from '../store/schema';
import { lastUseMs } from './last-use';
import type { TokenSet } from './storage';

const DAY_MS = 24 * 60 * 60 * 1000;

export type SessionEndReason = 'refresh_token' | 'expiry_days';

export interface SessionEnd {
  /** epoch ms */
  at: number;
  because: SessionEndReason;
}

export interface SessionEndInput {
  record: Pick<AccountRecord, 'last_refresh' | 'signed_in_at' | 'last_login'>;
  tokens: TokenSet | null | undefined;
  /** `session.expiry_days`; 0 ends the session when the app quits, which is no date. */
  expiryDays: number | undefined;
}

/** The end of the session, or undefined when neither the provider nor the settings set one. */
export function sessionEnd(input: SessionEndInput): SessionEnd | undefined {
  const ends: SessionEnd[] = [];
  const refreshEnd = input.tokens?.refreshExpiresAt;
  if (refreshEnd !== undefined && Number.isFinite(refreshEnd)) ends.push({ at: refreshEnd, because: 'refresh_token' });
  const lastUse = lastUseMs(input.record, input.tokens);
  if (input.expiryDays !== undefined && input.expiryDays > 0 && lastUse !== undefined) {
    ends.push({ at: lastUse + input.expiryDays * DAY_MS, because: 'expiry_days' });
  }
  // The earlier one ends it; on a tie the provider's limit is named (signing in again is the only fix for it).
  return ends.sort((a, b) => a.at - b.at || (a.because === 'refresh_token' ? -1 : 1))[0];
}

/** Whether `end` is within `warnDays` days of `now` (0 turns the warning off). */
export function endsSoon(end: SessionEnd, now: number, warnDays: number): boolean {
  return warnDays > 0 && end.at - now <= warnDays * DAY_MS;
}
