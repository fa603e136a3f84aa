/**
 * The sealed format of a token blob. Token sets can be larger than a keychain entry may hold (Windows
 * Credential Manager: 2,560 bytes), so the keychain keeps only a per-account 256-bit key and the tokens are
 * sealed with AES-256-GCM into a file. GCM authenticates: a tampered blob, a blob of another account
 * (AAD binds the account key) or a blob under a lost key fails to open instead of yielding garbage.
 *
 * Authentication alone does not stop an older blob of the same account from opening (same key), so each
 * write also carries a random write id and the id of the write it replaces (see vault-entry.ts for how the
 * keychain side uses them to refuse a rolled-back file). Both are in the clear but bound by the AAD.
 *
 * Layout, version 2: "LKV" + 0x02 | write id (16) | previous write id (16, zeros: none) | IV (12) | tag (16) | ciphertext.
 * Version 1 (read only, written before write ids existed): "LKV" + 0x01 | IV (12) | tag (16) | ciphertext.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const VAULT_FORMAT_VERSION = 2;
export const VAULT_KEY_BYTES = 32;
export const WRITE_ID_BYTES = 16;
const MAGIC = Buffer.from('LKV', 'latin1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const NO_WRITE_ID = Buffer.alloc(WRITE_ID_BYTES);

/** Which write a blob is: its own id, and the id the keychain held when it was written (null: none). */
export interface WriteIds {
  id: Buffer;
  previous: Buffer | null;
}

export interface OpenedBlob {
  plaintext: Buffer;
  /** null for a version 1 blob, which predates write ids. */
  write: WriteIds | null;
}

/** A fresh random account key. */
export function newVaultKey(): Buffer {
  return randomBytes(VAULT_KEY_BYTES);
}

/** A fresh random write id. */
export function newWriteId(): Buffer {
  return randomBytes(WRITE_ID_BYTES);
}

/** Encrypts `plaintext` for `accountKey` under `key`, as the write `write`. */
export function seal(key: Buffer, accountKey: string, plaintext: Buffer, write: WriteIds): Buffer {
  if (write.id.length !== WRITE_ID_BYTES || (write.previous !== null && write.previous.length !== WRITE_ID_BYTES)) {
    throw new Error('a write id has the wrong length');
  }
  const header = Buffer.concat([MAGIC, Buffer.from([VAULT_FORMAT_VERSION]), write.id, write.previous ?? NO_WRITE_ID]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(header, accountKey));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
}

/** Decrypts a blob; throws if it is not ours, was tampered with, or the key is not the one that sealed it. */
export function open(key: Buffer, accountKey: string, blob: Buffer): OpenedBlob {
  const version = blob.length > MAGIC.length && blob.subarray(0, MAGIC.length).equals(MAGIC) ? blob[MAGIC.length] : undefined;
  const headerBytes = version === 2 ? MAGIC.length + 1 + 2 * WRITE_ID_BYTES : version === 1 ? MAGIC.length + 1 : -1;
  if (headerBytes < 0 || blob.length < headerBytes + IV_BYTES + TAG_BYTES) throw new Error('not a Latchkey token blob of a known format');
  const header = blob.subarray(0, headerBytes);
  const iv = blob.subarray(headerBytes, headerBytes + IV_BYTES);
  const tag = blob.subarray(headerBytes + IV_BYTES, headerBytes + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad(header, accountKey));
  decipher.setAuthTag(tag);
  const plaintext = Buffer.concat([decipher.update(blob.subarray(headerBytes + IV_BYTES + TAG_BYTES)), decipher.final()]);
  if (version === 1) return { plaintext, write: null };
  const id = Buffer.from(header.subarray(MAGIC.length + 1, MAGIC.length + 1 + WRITE_ID_BYTES));
  const previous = Buffer.from(header.subarray(MAGIC.length + 1 + WRITE_ID_BYTES));
  return { plaintext, write: { id, previous: previous.equals(NO_WRITE_ID) ? null : previous } };
}

/** Binds a blob to its account, format version and write ids, so none of them can be swapped. */
function aad(header: Buffer, accountKey: string): Buffer {
  return Buffer.concat([header, Buffer.from(accountKey, 'utf8')]);
}
