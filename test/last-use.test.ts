/**
 * When an account was last refreshed and used (auth/last-use.ts): config.yaml's times and the token set's own,
 * and when a refresh rewrites the record.
 */
import { describe, expect, it } from 'vitest';
import { LAST_REFRESH_WRITE_INTERVAL_MS, lastRefreshAt, lastUseMs, recordNeedsWrite } from '../src/main/auth/last-use';
import type { TokenSet } from '../src/main/auth/storage';
import type { AccountRecord } from '../src/main/store/schema';

const SIGNED_IN = Date.parse('2026-11-26T18:00:00.000Z');
const HOUR = 3_600_000;

function record(extra: Partial<AccountRecord> = {}): AccountRecord {
  return {
    name: 'Alice Anders',
    email: 'alice@latchkey.example',
    provider: 'demo',
    subject: 'alice',
    roles: ['user'],
    logged_in: true,
    last_login: new Date(SIGNED_IN).toISOString(),
    signed_in_at: new Date(SIGNED_IN).toISOString(),
    ...extra,
  } as AccountRecord;
}

function tokens(obtainedAt: number): TokenSet {
  return { accessToken: 'at', refreshToken: 'rt', obtainedAt, expiresAt: obtainedAt + HOUR };
}

describe('lastRefreshAt', () => {
  it('is absent for an account whose tokens are the sign-in\'s own', () => {
    expect(lastRefreshAt(record(), tokens(SIGNED_IN - 5))).toBeUndefined();
    expect(lastRefreshAt(record(), null)).toBeUndefined();
  });

  it('is the tokens\' time when they came from a refresh the file has not recorded yet', () => {
    expect(lastRefreshAt(record({ last_refresh: new Date(SIGNED_IN + HOUR).toISOString() }), tokens(SIGNED_IN + 5 * HOUR))).toBe(new Date(SIGNED_IN + 5 * HOUR).toISOString());
  });

  it('is the file\'s time when that is later (tokens adopted from before, or none in memory)', () => {
    const later = new Date(SIGNED_IN + 9 * HOUR).toISOString();
    expect(lastRefreshAt(record({ last_refresh: later }), tokens(SIGNED_IN + HOUR))).toBe(later);
    expect(lastRefreshAt(record({ last_refresh: later }), null)).toBe(later);
  });
});

describe('lastUseMs (session.expiry_days)', () => {
  it('takes the latest of the sign-in, the recorded refresh and the tokens', () => {
    expect(lastUseMs(record(), null)).toBe(SIGNED_IN);
    expect(lastUseMs(record({ last_refresh: new Date(SIGNED_IN + HOUR).toISOString() }), tokens(SIGNED_IN + 30 * HOUR))).toBe(SIGNED_IN + 30 * HOUR);
    expect(lastUseMs(record({ last_refresh: new Date(SIGNED_IN + 40 * HOUR).toISOString() }), tokens(SIGNED_IN + 30 * HOUR))).toBe(SIGNED_IN + 40 * HOUR);
  });

  it('is undefined when nothing says when the session was used', () => {
    expect(lastUseMs(record({ last_login: 'not a time', signed_in_at: undefined }), null)).toBeUndefined();
  });
});

describe('recordNeedsWrite', () => {
  const now = SIGNED_IN + 10 * HOUR;

  it('writes the first refresh, and then once the file is a day behind', () => {
    expect(recordNeedsWrite(record(), record({ last_refresh: new Date(now).toISOString() }), now)).toBe(true);
    const recent = record({ last_refresh: new Date(now - HOUR).toISOString() });
    expect(recordNeedsWrite(recent, { ...recent, last_refresh: new Date(now).toISOString() }, now)).toBe(false);
    const old = record({ last_refresh: new Date(now - LAST_REFRESH_WRITE_INTERVAL_MS).toISOString() });
    expect(recordNeedsWrite(old, { ...old, last_refresh: new Date(now).toISOString() }, now)).toBe(true);
  });

  it('writes whenever the profile changed, however recent the last write', () => {
    const recent = record({ last_refresh: new Date(now - HOUR).toISOString() });
    expect(recordNeedsWrite(recent, { ...recent, email: 'alice@new.example' }, now)).toBe(true);
    expect(recordNeedsWrite(recent, { ...recent, roles: ['user', 'admin'] }, now)).toBe(true);
    const { email: _dropped, ...withoutEmail } = recent;
    expect(recordNeedsWrite(recent, withoutEmail as AccountRecord, now)).toBe(true);
  });

  it('writes when the recorded time is in the future (the clock went back)', () => {
    const future = record({ last_refresh: new Date(now + HOUR).toISOString() });
    expect(recordNeedsWrite(future, future, now)).toBe(true);
  });
});
