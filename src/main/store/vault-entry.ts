/**
 * What the keychain holds for an account, and which token blob it vouches for.
 *
 * Sealing alone lets an older blob of the same account open under the same key, so someone who can write the
 * data folder could put back a copy from last week and make Latchkey use an older refresh token. The keychain
 * (which that person cannot write) therefore holds, next to the key, the id of the last completed write, and
 * every blob carries its own write id and the id it replaces (vault-crypto.ts). A write seals the blob first
 * and then records its id in the keychain; one keychain write per vault write, no extra read.
 *
 * A blob is:
 * - `current` when its id is the one the keychain holds;
 * - `pending` when it replaces the write the keychain holds: it was written, and the keychain update after
 *   it had not happened yet (a writer between its two steps, or one that died there). It is the newest
 *   token set, so it is used, and the keychain is brought up to date (secrets.ts). This is what keeps "a
 *   crash at any point leaves the old or the new token set readable";
 * - `stale` otherwise: an older (or foreign) copy, refused.
 *
 * Entries written before write ids existed hold only the key ("legacy"): their version 1 blobs stay
 * readable, and the next write turns both into the new format.
 */
import { Buffer } from 'node:buffer';
import type { OpenedBlob } from './vault-crypto';
import { VAULT_KEY_BYTES, WRITE_ID_BYTES } from './vault-crypto';

export interface VaultEntry {
  key: Buffer;
  /** The id of the last completed write; null for a legacy entry (the key alone, base64). */
  writeId: Buffer | null;
}

export type Freshness = 'current' | 'pending' | 'stale';

const PREFIX = 'v2:';

/** The keychain text of an entry: `v2:<base64 key>:<hex write id>`. */
export function encodeEntry(entry: { key: Buffer; writeId: Buffer }): string {
  return `${PREFIX}${entry.key.toString('base64')}:${entry.writeId.toString('hex')}`;
}

/** The entry in a keychain text, or null when there is none or it is not one (counts as no key). */
export function decodeEntry(stored: string | null): VaultEntry | null {
  if (stored === null) return null;
  if (!stored.startsWith(PREFIX)) {
    const key = Buffer.from(stored, 'base64');
    return key.length === VAULT_KEY_BYTES ? { key, writeId: null } : null;
  }
  const [keyText = '', idText = ''] = stored.slice(PREFIX.length).split(':');
  const key = Buffer.from(keyText, 'base64');
  const writeId = /^[0-9a-f]+$/.test(idText) ? Buffer.from(idText, 'hex') : Buffer.alloc(0);
  return key.length === VAULT_KEY_BYTES && writeId.length === WRITE_ID_BYTES ? { key, writeId } : null;
}

/** Whether an opened blob is the one the keychain entry vouches for (see the module comment). */
export function freshness(entry: VaultEntry, blob: Pick<OpenedBlob, 'write'>): Freshness {
  const write = blob.write;
  if (entry.writeId === null) {
    // Legacy entry: its own (version 1) blob, or the first new-format write that had not yet updated it.
    if (write === null) return 'current';
    return write.previous === null ? 'pending' : 'stale';
  }
  if (write === null) return 'stale';
  if (write.id.equals(entry.writeId)) return 'current';
  return write.previous !== null && write.previous.equals(entry.writeId) ? 'pending' : 'stale';
}
