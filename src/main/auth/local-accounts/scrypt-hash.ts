/**
 * Latchkey's own password hashes: scrypt from node:crypto (argon2id would need a native module), in the PHC
 * string format `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` — the parameters travel with each hash, so raising the
 * default cost later never breaks an existing hash and shows which ones are due for an upgrade.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { AuthError } from '../../../shared/errors';
import { SCRYPT_HASH } from './password-hash-format';

export const SCRYPT_BLOCK_SIZE = 8;
export const SCRYPT_PARALLELISM = 1;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Bounds of what a stored hash may ask for: a hash in a file must not be able to exhaust memory or time. */
const LIMITS = { ln: [10, 22], r: [1, 32], p: [1, 4] } as const;

export interface ScryptParameters {
  /** log2(N) */
  ln: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Buffer, parameters: ScryptParameters, length: number): Promise<Buffer> {
  const N = 2 ** parameters.ln;
  const maxmem = 128 * N * parameters.r + 128 * parameters.r * parameters.p + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, { N, r: parameters.r, p: parameters.p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '');

/** A new hash of `password` with cost 2^ln (r=8, p=1) and a random salt. */
export async function hashScrypt(password: string, ln: number): Promise<string> {
  const parameters = { ln, r: SCRYPT_BLOCK_SIZE, p: SCRYPT_PARALLELISM };
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, parameters, HASH_BYTES);
  return `$scrypt$ln=${ln},r=${parameters.r},p=${parameters.p}$${b64(salt)}$${b64(hash)}`;
}

/** The parameters, salt and hash of a stored scrypt hash; an AuthError (never quoting it) when unusable. */
export function parseScrypt(stored: string): { parameters: ScryptParameters; salt: Buffer; hash: Buffer } {
  const match = SCRYPT_HASH.exec(stored);
  if (!match) throw new AuthError('invalid_argument', 'The stored password is not an scrypt hash.');
  const parameters = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  for (const name of ['ln', 'r', 'p'] as const) {
    const [min, max] = LIMITS[name];
    if (parameters[name] < min || parameters[name] > max) {
      throw new AuthError('invalid_argument', `The stored scrypt hash has ${name}=${parameters[name]}; Latchkey accepts ${min} to ${max}.`, {
        hint: 'Give the account a new password: latchkey users reset-password NAME',
      });
    }
  }
  return { parameters, salt: Buffer.from(match[4] as string, 'base64'), hash: Buffer.from(match[5] as string, 'base64') };
}

/** Whether `password` matches `stored`, compared in constant time. */
export async function verifyScrypt(stored: string, password: string): Promise<boolean> {
  const { parameters, salt, hash } = parseScrypt(stored);
  const computed = await derive(password, salt, parameters, hash.length);
  return timingSafeEqual(computed, hash);
}

/** Whether `stored` was made with less than today's parameters. */
export function scryptBelow(stored: string, ln: number): boolean {
  const { parameters } = parseScrypt(stored);
  return parameters.ln < ln || parameters.r < SCRYPT_BLOCK_SIZE;
}
