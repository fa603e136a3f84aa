/**
 * Judging a sealed token file against a keychain entry: does it open, is it the write the entry vouches for
 * (or the one written right after it), and does it hold a token set? Pure, so the vault's decisions can be
 * tested without a keychain, and so the same judgement serves every way the vault learns an entry (a read of
 * the entry, a batched search, or its own memory).
 */
import type { Buffer } from 'node:buffer';
import type { TokenSet } from '../auth/storage';
import { open, type WriteIds } from './vault-crypto';
import { freshness, type VaultEntry } from './vault-entry';

/** Something wrong with stored tokens that made the vault answer null. Never carries a token. */
export type ProblemKind = 'key_missing' | 'undecryptable' | 'malformed' | 'rolled_back';

export type Judgement =
  | { kind: 'problem'; problem: ProblemKind; message: string }
  | { kind: 'tokens'; tokens: TokenSet; freshness: 'current' | 'pending'; entry: VaultEntry; write: WriteIds | null };

/**
 * What the token file `bytes` (at `file`, for messages) holds under `entry`. `rolled_back`: it opens but is an
 * older copy than the keychain vouches for (it was put back).
 */
export function judgeTokenFile(accountKey: string, file: string, bytes: Buffer, entry: VaultEntry | null): Judgement {
  if (entry === null) {
    return { kind: 'problem', problem: 'key_missing', message: `The keychain has no usable key for the token file ${file}; the session is lost.` };
  }
  let opened;
  try {
    opened = open(entry.key, accountKey, bytes);
  } catch {
    return {
      kind: 'problem',
      problem: 'undecryptable',
      message: `The token file ${file} cannot be decrypted (it was altered, or belongs to another key); the session is lost.`,
    };
  }
  try {
    const fresh = freshness(entry, opened);
    if (fresh === 'stale') {
      return {
        kind: 'problem',
        problem: 'rolled_back',
        message: `The token file ${file} is an older copy than the one the keychain vouches for (it was put back); it is refused and the session is lost.`,
      };
    }
    const tokens = parseTokenSet(opened.plaintext);
    if (!tokens) return { kind: 'problem', problem: 'malformed', message: `The token file ${file} decrypts but does not hold a token set; the session is lost.` };
    return { kind: 'tokens', tokens, freshness: fresh, entry, write: opened.write };
  } finally {
    opened.plaintext.fill(0);
  }
}

/**
 * Whether `value` has the shape of a token set: an access token and when it was obtained, the optional fields
 * of the right types. Fields it does not know are kept (a newer version may store more). Written out rather
 * than as a schema: this runs in every `latchkey token`, which should not load a validation library for it.
 */
export function isTokenSet(value: unknown): value is TokenSet {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const optionalText = (field: unknown) => field === undefined || typeof field === 'string';
  const optionalNumber = (field: unknown) => field === undefined || (typeof field === 'number' && Number.isFinite(field));
  return (
    typeof v.accessToken === 'string' &&
    typeof v.obtainedAt === 'number' &&
    Number.isFinite(v.obtainedAt) &&
    optionalText(v.refreshToken) &&
    optionalText(v.idToken) &&
    optionalText(v.tokenType) &&
    optionalText(v.scope) &&
    optionalNumber(v.expiresAt)
  );
}

function parseTokenSet(bytes: Buffer): TokenSet | null {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  return isTokenSet(value) ? value : null;
}
