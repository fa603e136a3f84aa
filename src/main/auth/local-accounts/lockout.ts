/**
 * Lockout after wrong passwords (`access.max_login_attempts`, `access.lockout_minutes`): the count is kept in
 * the record as `failed_login_attempts` (Streamlit-Authenticator's field), so it holds across restarts and
 * processes; reaching the maximum sets `locked_until`. The lock lifts by itself at that time — the next wrong
 * password then starts a new count — and a successful sign-in resets the count. Pure: decisions on a record.
 */
import type { AccessConfig } from '../../store/access-schema';
import type { AccountRecord } from '../../store/schema';

/** The ISO time until which the account is locked, when that is still ahead. */
export function lockedUntil(record: Pick<AccountRecord, 'locked_until'>, now: number): string | undefined {
  if (!record.locked_until) return undefined;
  return Date.parse(record.locked_until) > now ? record.locked_until : undefined;
}

/** The record after one more wrong password. */
export function afterFailedAttempt(record: AccountRecord, access: AccessConfig, now: number): AccountRecord {
  const next = { ...record };
  const lockExpired = record.locked_until !== undefined && Date.parse(record.locked_until) <= now;
  if (lockExpired) delete next.locked_until;
  next.failed_login_attempts = (lockExpired ? 0 : record.failed_login_attempts ?? 0) + 1;
  if (access.max_login_attempts > 0 && next.failed_login_attempts >= access.max_login_attempts) {
    next.locked_until = new Date(now + access.lockout_minutes * 60_000).toISOString();
  }
  return next;
}

/** The record after a successful sign-in (or an administrator's unlock). */
export function afterSuccess(record: AccountRecord): AccountRecord {
  const next: AccountRecord = { ...record, failed_login_attempts: 0 };
  delete next.locked_until;
  return next;
}

/** "4 min 10 s" from now until `iso`, for messages. */
export function describeWait(iso: string, now: number): string {
  const seconds = Math.max(1, Math.ceil((Date.parse(iso) - now) / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}
