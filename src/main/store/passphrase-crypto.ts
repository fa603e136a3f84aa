/**
 * The cryptography of the passphrase store (passphrase-key-store.ts), and nothing else: a key derived from the
 * passphrase with scrypt, a check value that tells a wrong passphrase from a damaged file, and AES-256-GCM over
 * the store's entries with the file's header as associated data.
 *
 * scrypt gives 64 bytes: the first 32 are the sealing key, the SHA-256 of the other 32 is the check value kept
 * in the file. The check lets a wrong passphrase be named as such; it tells an attacker with the file nothing
 * the sealed part would not (either way each guess costs one scrypt run). The parameters and the salt are
 * recorded in the file, so stronger ones can be used for new files without making older files unreadable;
 * files with parameters below MIN_KDF or above MAX_KDF are refused (a file weakened by someone, or one that
 * would ask for gigabytes of memory).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt's parameters as recorded in the file. */
export interface KdfParams {
  name: 'scrypt';
  /** CPU/memory cost (a power of two). */
  N: number;
  r: number;
  p: number;
  /** base64, 16 random bytes. */
  salt: string;
}

/** What new stores are made with: N = 2^17, r = 8 (128 MiB, a few hundred milliseconds), p = 1. */
export const CURRENT_KDF = { N: 2 ** 17, r: 8, p: 1 } as const;
/** The weakest parameters a file may name. */
export const MIN_KDF = { N: 2 ** 17, r: 8, p: 1 } as const;
/** The strongest a file may name: about 1 GiB of memory. */
const MAX_KDF_MEMORY = 1024 * 1024 * 1024;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The sealing key and the check value of one passphrase under one file's parameters. */
export interface DerivedKey {
  key: Buffer;
  check: Buffer;
}

/** Sealed bytes as the file keeps them (base64). */
export interface SealedData {
  iv: string;
  data: string;
  tag: string;
}

export function newKdfParams(): KdfParams {
  return { name: 'scrypt', ...CURRENT_KDF, salt: randomBytes(SALT_BYTES).toString('base64') };
}

/** Whether a file's parameters are within what Latchkey accepts (see the module comment). */
export function acceptableKdf(params: KdfParams): boolean {
  const { N, r, p } = params;
  const integers = [N, r, p].every((value) => Number.isSafeInteger(value) && value > 0);
  if (!integers || (N & (N - 1)) !== 0) return false;
  if (N < MIN_KDF.N || r < MIN_KDF.r || p < MIN_KDF.p) return false;
  if (Buffer.from(params.salt, 'base64').length !== SALT_BYTES) return false;
  return scryptMemory(params) <= MAX_KDF_MEMORY && p <= 16;
}

/** What scrypt needs in memory for these parameters (128 · N · r bytes, plus p blocks of 128 · r). */
function scryptMemory({ N, r, p }: Pick<KdfParams, 'N' | 'r' | 'p'>): number {
  return 128 * N * r + 128 * r * p;
}

/** Derives the key and check value; `maxmem` is raised to what the parameters need (Node's default is 32 MiB). */
export function deriveKey(passphrase: string, params: KdfParams): Promise<DerivedKey> {
  const salt = Buffer.from(params.salt, 'base64');
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 64, { N: params.N, r: params.r, p: params.p, maxmem: scryptMemory(params) + 16 * 1024 * 1024 }, (error, out) => {
      if (error) return reject(error);
      const key = Buffer.from(out.subarray(0, 32));
      const check = createHash('sha256').update('latchkey passphrase check\u0000').update(out.subarray(32)).digest();
      out.fill(0);
      resolve({ key, check });
    });
  });
}

/** Whether `derived` is the key of the file whose check value is `stored` (base64). */
export function checkMatches(derived: DerivedKey, stored: string): boolean {
  const expected = Buffer.from(stored, 'base64');
  return expected.length === derived.check.length && timingSafeEqual(expected, derived.check);
}

/** AES-256-GCM with a fresh IV; `header` is bound to the sealed bytes as associated data. */
export function sealData(key: Buffer, header: Buffer, plaintext: Buffer): SealedData {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(header);
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** The plaintext, or null when the bytes, the IV, the tag or the header are not what was sealed. */
export function openData(key: Buffer, header: Buffer, sealed: SealedData): Buffer | null {
  const iv = Buffer.from(sealed.iv, 'base64');
  const tag = Buffer.from(sealed.tag, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(header);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  } catch {
    return null;
  }
}
