/**
 * Password hashes: bcrypt (implemented here, as no dependency may be added) against published test vectors of
 * OpenBSD's bcrypt / Openwall's crypt_blowfish, hashes made by the system's crypt(3) (libxcrypt) for UTF-8 and
 * over-long passwords, and Streamlit-Authenticator's own example hashes; Blowfish's initial state computed
 * from π against its well-known words; scrypt in the PHC format with its parameters, their bounds, and when a
 * stored hash is due for an upgrade; the password policy.
 */
import { describe, expect, it } from 'vitest';
import { bcryptHash, parseBcrypt, verifyBcrypt } from '../../src/main/auth/local-accounts/bcrypt';
import { blowfishInitialState } from '../../src/main/auth/local-accounts/blowfish-init';
import { describePasswordPolicy, passwordProblems } from '../../src/main/auth/local-accounts/password-policy';
import { hashKind } from '../../src/main/auth/local-accounts/password-hash-format';
import { hashPassword, needsRehash, verifyPassword } from '../../src/main/auth/local-accounts/passwords';
import { parseScrypt } from '../../src/main/auth/local-accounts/scrypt-hash';
import { passwordPolicySchema } from '../../src/main/store/access-schema';
import { isAuthError } from '../../src/shared/errors';

/** Published vectors (OpenBSD regress, Openwall crypt_blowfish wrapper.c): [hash, password]. */
const PUBLISHED: Array<[string, string]> = [
  ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U'],
  ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK', 'U*U*'],
  ['$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a', 'U*U*U'],
  ['$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui', '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored'],
  ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy', ''],
];

/** Made with Python's crypt.crypt (libxcrypt) on Debian 12: [hash, password]. */
const CRYPT3: Array<[string, string]> = [
  ['$2b$04$oBJvz12oduMkwYeJDz0B1ekxggih1jjjU3TuhlMbLmtG0sJdO0Z9.', 'Pässwörd ✓ 🔑'],
  ['$2b$04$RNd3t6WKhpvzbMigNaG8TO5dNXxi2q6BLhyw6k7P5ss8ZIhj72tjy', 'correct horse battery staple'],
  ['$2b$04$dt6wNSGyWz7QvnG8KIqtTOufFZXO9rHQMUno1NkYHCke9YB/tSCjq', 'x'.repeat(80)],
];

/** Streamlit-Authenticator's example config.yaml: jsmith's "abc" (cost 12, as its hasher makes them). */
const STREAMLIT_EXAMPLE = '$2b$12$lhOfbg3eMo9/TIcgFOvlbuYTGJQBdTLU/ek3SiDOooJNrIktqfKr6';

describe('bcrypt', () => {
  it("starts Blowfish from π's hexadecimal digits", () => {
    const { p, s } = blowfishInitialState();
    expect([...p.slice(0, 4)].map((w) => w.toString(16))).toEqual(['243f6a88', '85a308d3', '13198a2e', '3707344']);
    expect(p[17]?.toString(16)).toBe('8979fb1b');
    expect([s[0], s[256], s[512], s[768], s[1023]].map((w) => w?.toString(16))).toEqual(['d1310ba6', '4b7a70e9', 'e93d5a68', '3a39ce37', '3ac372e6']);
  });

  it.each(PUBLISHED)('matches the published vector %s', (hash, password) => {
    const { cost, salt } = parseBcrypt(hash);
    expect(`${hash.slice(0, 29)}${bcryptHash(password, cost, salt)}`).toBe(hash);
    expect(verifyBcrypt(hash, password)).toBe(true);
    expect(verifyBcrypt(hash, `${password}x`)).toBe(password.length >= 72);
  });

  it.each(CRYPT3)("agrees with the system's crypt(3) on %s", (hash, password) => {
    expect(verifyBcrypt(hash, password)).toBe(true);
    // One character less is another password, unless both go past the 72 bytes bcrypt reads.
    expect(verifyBcrypt(hash, password.slice(0, -1))).toBe(Buffer.byteLength(password) > 72);
  });

  it('reads only the first 72 bytes, as every bcrypt does', () => {
    const [hash] = CRYPT3[2] as [string, string];
    expect(verifyBcrypt(hash, 'x'.repeat(72))).toBe(true);
    expect(verifyBcrypt(hash, 'x'.repeat(200))).toBe(true);
    expect(verifyBcrypt(hash, 'x'.repeat(71))).toBe(false);
  });

  it("verifies Streamlit-Authenticator's own example hash, and refuses costs that would stall a sign-in", () => {
    expect(verifyBcrypt(STREAMLIT_EXAMPLE, 'abc')).toBe(true);
    expect(verifyBcrypt(STREAMLIT_EXAMPLE, 'abd')).toBe(false);
    const stall = () => verifyBcrypt('$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U');
    expect(stall).toThrow(/cost 31/);
    expect(hashKind('$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW')).toBeNull();
  });
});

describe('scrypt', () => {
  it('writes its parameters into each hash, verifies, and says when a hash is due for an upgrade', async () => {
    const hash = await hashPassword('correct horse', 14);
    expect(hash).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(parseScrypt(hash).parameters).toEqual({ ln: 14, r: 8, p: 1 });
    expect(await verifyPassword(hash, 'correct horse')).toBe(true);
    expect(await verifyPassword(hash, 'correct horsf')).toBe(false);
    expect(await hashPassword('correct horse', 14)).not.toBe(hash); // a fresh salt every time
    expect(needsRehash(hash, 14)).toBe(false);
    expect(needsRehash(hash, 15)).toBe(true);
    expect(needsRehash(STREAMLIT_EXAMPLE, 14)).toBe(true);
    expect(needsRehash('written by hand', 14)).toBe(true);
  });

  it('treats canonically equal Unicode as the same password', async () => {
    const hash = await hashPassword('Ame\u0301lie', 14);
    expect(await verifyPassword(hash, 'Am\u00e9lie')).toBe(true);
  });

  it('refuses stored parameters that would exhaust memory or time, without quoting the hash', async () => {
    const hostile = '$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const error = await verifyPassword(hostile, 'x').catch((e: unknown) => e);
    expect(isAuthError(error, 'invalid_argument')).toBe(true);
    expect((error as Error).message).toContain('ln=30');
    expect((error as Error).message).not.toContain('AAAA');
  });

  it('compares a not-yet-hashed password (written by hand) in constant time, exactly', async () => {
    expect(await verifyPassword('secret one', 'secret one')).toBe(true);
    expect(await verifyPassword('secret one', 'secret one ')).toBe(false);
  });
});

describe('password policy', () => {
  it('asks for length by default, and for character classes when configured', () => {
    const lenient = passwordPolicySchema.parse({});
    expect(passwordProblems(lenient, 'short')).toEqual(['it must have at least 8 characters']);
    expect(passwordProblems(lenient, 'long enough passphrase')).toEqual([]);
    expect(passwordProblems(lenient, 'ada@example.com', { email: 'Ada@Example.com' })).toEqual(['it must not be your username or e-mail address']);
    const strict = passwordPolicySchema.parse({ min_length: 10, require_uppercase: true, require_digit: true, require_symbol: true });
    expect(passwordProblems(strict, 'alllowercase')).toEqual(['it needs an upper-case letter', 'it needs a digit', 'it needs a symbol']);
    expect(passwordProblems(strict, 'Good-Passw0rd')).toEqual([]);
    expect(passwordProblems(lenient, '🔑🔑🔑🔑🔑🔑🔑🔑')).toEqual([]); // eight characters, sixteen UTF-16 units
    expect(describePasswordPolicy(strict)).toContain('A digit');
  });
});
