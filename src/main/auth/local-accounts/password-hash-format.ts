/**
 * The password hash formats Latchkey reads, recognised by shape only (no crypto here, so the config store can
 * tell a hash from a password written by hand without loading anything):
 *
 * - scrypt, Latchkey's own, in the PHC string format with its parameters inside:
 *   `$scrypt$ln=17,r=8,p=1$<salt, base64>$<hash, base64>` — so a later change of the default cost never
 *   breaks an older hash, and an older hash can be recognised as due for an upgrade;
 * - bcrypt (`$2a$`, `$2b$`, `$2y$`), as Streamlit-Authenticator writes it, accepted and upgraded to scrypt at
 *   the next successful sign-in.
 */

/** `$scrypt$ln=17,r=8,p=1$salt$hash` with standard base64 without padding (PHC). */
export const SCRYPT_HASH = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,88})\$([A-Za-z0-9+/]{43,88})$/;
/** `$2b$12$` + 22 characters of salt + 31 of hash, in bcrypt's own base64 alphabet. */
export const BCRYPT_HASH = /^\$(2[aby])\$(\d{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

export type HashKind = 'scrypt' | 'bcrypt';

export function hashKind(value: string): HashKind | null {
  if (SCRYPT_HASH.test(value)) return 'scrypt';
  if (BCRYPT_HASH.test(value)) return 'bcrypt';
  return null;
}

export function isPasswordHash(value: string): boolean {
  return hashKind(value) !== null;
}
