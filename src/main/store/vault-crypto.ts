/**
 * The sealed format of a token blob. Token sets can be larger than a keychain entry may hold (Windows
 * Credential Manager: 2,560 bytes), so the keychain keeps only a per-account 256-bit key and the tokens are
 * sealed with AES-256-GCM into a file. GCM authenticates: a tampered blob, a blob of another account
 * (AAD binds the account key) or a blob under a lost key fails to open instead of yielding garbage.
 *
 * Layout: "LKV" + format version (1 byte) | IV (12 bytes) | auth tag (16 bytes) | ciphertext.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const VAULT_FORMAT_VERSION = 1;
export const VAULT_KEY_BYTES = 32;
const HEADER = Buffer.from([0x4c, 0x4b, 0x56, VAULT_FORMAT_VERSION]); // "LKV" + version
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A fresh random account key. */
export function newVaultKey(): Buffer {
  return randomBytes(VAULT_KEY_BYTES);
}

/** Encrypts `plaintext` for `accountKey` under `key`. */
export function seal(key: Buffer, accountKey: string, plaintext: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(accountKey));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([HEADER, iv, cipher.getAuthTag(), ciphertext]);
}

/** Decrypts a blob; throws if it is not ours, was tampered with, or the key is not the one that sealed it. */
export function open(key: Buffer, accountKey: string, blob: Buffer): Buffer {
  if (blob.length < HEADER.length + IV_BYTES + TAG_BYTES || !blob.subarray(0, HEADER.length).equals(HEADER)) {
    throw new Error('not a Latchkey token blob of a known format');
  }
  const iv = blob.subarray(HEADER.length, HEADER.length + IV_BYTES);
  const tag = blob.subarray(HEADER.length + IV_BYTES, HEADER.length + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad(accountKey));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(blob.subarray(HEADER.length + IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/** Binds a blob to its account and format version, so blobs cannot be swapped between accounts. */
function aad(accountKey: string): Buffer {
  return Buffer.concat([HEADER, Buffer.from(accountKey, 'utf8')]);
}
