/**
 * Checking and making password hashes, whatever format the record holds: scrypt (Latchkey's), bcrypt (from
 * Streamlit-Authenticator) or — only until the file is next written — a password written by hand. Every
 * comparison takes constant time, and an unknown username costs the same work as a wrong password, so neither
 * the time of an answer nor its words tell whether an account exists.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { verifyBcrypt } from './bcrypt';
import { hashKind } from './password-hash-format';
import { hashScrypt, scryptBelow, verifyScrypt } from './scrypt-hash';

export { hashScrypt as hashPassword } from './scrypt-hash';

/** Whether `password` matches what the record holds. Throws an AuthError when the stored hash is unusable. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  switch (hashKind(stored)) {
    case 'scrypt':
      return verifyScrypt(stored, password);
    case 'bcrypt':
      return verifyBcrypt(stored, password);
    default: {
      // Written by hand and not hashed yet: compare digests, so the comparison's time does not depend on the text.
      const digest = (text: string) => createHash('sha256').update(text.normalize('NFC')).digest();
      return timingSafeEqual(digest(stored), digest(password));
    }
  }
}

/** Whether a matching password should be hashed again now: not scrypt, or scrypt with less than `cost`. */
export function needsRehash(stored: string, cost: number): boolean {
  return hashKind(stored) !== 'scrypt' || scryptBelow(stored, cost);
}

/** A hash made once per process and cost, verified against when there is no account, to spend the same time. */
const decoys = new Map<number, Promise<string>>();

/** The work of one verification at `cost`, for a sign-in whose username matched no account. */
export async function spendVerificationTime(password: string, cost: number): Promise<void> {
  let decoy = decoys.get(cost);
  if (!decoy) {
    decoy = hashScrypt('latchkey-no-such-account', cost);
    decoys.set(cost, decoy);
  }
  await verifyScrypt(await decoy, password);
}
