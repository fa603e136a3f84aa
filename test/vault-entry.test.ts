/**
 * Which token blob the keychain entry vouches for (src/main/store/vault-entry.ts), case by case: the rule
 * that refuses a rolled-back file while keeping the blob of an interrupted write readable.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, freshness } from '../src/main/store/vault-entry';

const key = randomBytes(32);
const [a, b, c] = [randomBytes(16), randomBytes(16), randomBytes(16)];
const v2 = (id: Buffer, previous: Buffer | null) => ({ write: { id, previous } });
const v1 = { write: null };

describe('freshness', () => {
  it('with a write id in the keychain: its blob is current, the next one pending, anything else stale', () => {
    const entry = { key, writeId: b };
    expect(freshness(entry, v2(b, a))).toBe('current');
    expect(freshness(entry, v2(c, b))).toBe('pending');
    expect(freshness(entry, v2(a, null))).toBe('stale');
    expect(freshness(entry, v2(a, c))).toBe('stale');
    expect(freshness(entry, v1)).toBe('stale');
  });

  it('with a key-only (earlier format) entry: its own blob is current, the first new-format write pending', () => {
    const legacy = { key, writeId: null };
    expect(freshness(legacy, v1)).toBe('current');
    expect(freshness(legacy, v2(a, null))).toBe('pending');
    expect(freshness(legacy, v2(b, a))).toBe('stale');
  });
});

describe('keychain entry text', () => {
  it('round-trips, reads the earlier key-only form, and treats anything else as no key', () => {
    const decoded = decodeEntry(encodeEntry({ key, writeId: a }));
    expect(decoded?.key.equals(key)).toBe(true);
    expect(decoded?.writeId?.equals(a)).toBe(true);
    expect(decodeEntry(key.toString('base64'))).toEqual({ key, writeId: null });
    for (const bad of [null, '', 'v2:', `v2:${key.toString('base64')}`, `v2:${key.toString('base64')}:zz`, randomBytes(16).toString('base64')]) {
      expect(decodeEntry(bad)).toBeNull();
    }
  });
});
