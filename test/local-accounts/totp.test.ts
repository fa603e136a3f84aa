/**
 * A TOTP second factor: HOTP and TOTP against the RFCs' test vectors, base32, the QR encoder read back by zbar
 * (an independent decoder), and local accounts through the engine with the real keychain and a clock moved
 * step by step — turning it on from the QR code, codes a step early or late accepted and further off refused,
 * a code good only once, wrong codes counted towards the lockout, recovery codes good once, turning it off with
 * the password, an administrator's reset; the secret never in config.yaml or the event log.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { base32Decode, base32Encode } from '../../src/main/auth/totp/base32';
import { qrSvg } from '../../src/main/auth/qr/qr-svg';
import { hotp, matchTotp, totp, totpStep } from '../../src/main/auth/totp/totp';
import { SecretVault } from '../../src/main/store/secrets';
import { assertCliBuilt } from '../helpers/cli-runner';
import { runCliWithInput } from '../helpers/cli-with-stdin';
import { tempHome, type TempHome } from '../helpers/engine-fixture';
import { readQrSvg } from '../helpers/qr-reader';
import { useCleanups } from '../helpers/test-lifecycle';

const defer = useCleanups();

/** RFC 6238 Appendix B: time (s) and the 8-digit codes for SHA-1, SHA-256 and SHA-512. */
const RFC6238: Array<[number, string, string, string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];
const SEED = { sha1: Buffer.from('12345678901234567890'), sha256: Buffer.from('12345678901234567890123456789012'), sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234') };

describe('TOTP and HOTP', () => {
  it('matches RFC 4226 Appendix D', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(SEED.sha1, counter))).toEqual(expected);
  });

  it.each(RFC6238)('matches RFC 6238 Appendix B at %i s', (seconds, sha1, sha256, sha512) => {
    expect(totp(SEED.sha1, seconds * 1000, { digits: 8 })).toBe(sha1);
    expect(totp(SEED.sha256, seconds * 1000, { digits: 8, algorithm: 'sha256' })).toBe(sha256);
    expect(totp(SEED.sha512, seconds * 1000, { digits: 8, algorithm: 'sha512' })).toBe(sha512);
  });

  it('accepts one step either side and nothing further', () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    for (const offset of [-1, 0, 1]) expect(matchTotp(SEED.sha1, hotp(SEED.sha1, step + offset), now)).toBe(step + offset);
    for (const offset of [-3, -2, 2, 3]) expect(matchTotp(SEED.sha1, hotp(SEED.sha1, step + offset), now)).toBeNull();
    expect(matchTotp(SEED.sha1, 'abcdef', now)).toBeNull();
  });

  it('encodes base32 as RFC 4648 does', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('MZXW6YTBOI').toString()).toBe('foobar');
    expect(base32Decode(base32Encode(SEED.sha512)).equals(SEED.sha512)).toBe(true);
  });

  it('draws QR codes that zbar reads back, from a short text to a version with version bits', async () => {
    for (const text of ['A', 'otpauth://totp/Latchkey%3Aada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Latchkey&algorithm=SHA1&digits=6&period=30', 'Ünïcödé ✓ '.repeat(20)]) {
      expect(await readQrSvg(qrSvg(text))).toBe(text);
    }
  });
});

async function localHome(access: Record<string, unknown> = {}): Promise<TempHome> {
  const at = await tempHome();
  defer(at.cleanup);
  await writeFile(at.configPath, stringify({ providers: { team: { label: 'Team', local: true } }, access: { password_hash_cost: 14, ...access }, credentials: { usernames: {} } }), { mode: 0o600 });
  return at;
}

async function engine(at: TempHome, now: () => number): Promise<Latchkey> {
  const latchkey = await createLatchkey({ configPath: at.configPath, keychainService: at.keychainService, openBrowser: async () => undefined, embeddedProvider: false, role: 'cli', now });
  defer(() => latchkey.close());
  await latchkey.restore();
  return latchkey;
}

async function codeOf(latchkey: Latchkey, promise: Promise<unknown>): Promise<string | undefined> {
  void latchkey;
  return promise.then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );
}

describe('TOTP for local accounts', () => {
  it('is turned on from the QR code, asked at sign-in, tolerates one step of drift, is good once, and counts wrong codes', async () => {
    const at = await localHome({ max_login_attempts: 3 });
    let now = Date.parse('2026-07-01T12:00:10.000Z');
    const clock = () => now;
    const latchkey = await engine(at, clock);
    await latchkey.users.add({ username: 'ada', email: 'ada@example.com', password: 'a long password' });
    await latchkey.engine.signInLocal({ identifier: 'ada', password: 'a long password' });

    const enrolment = latchkey.engine.beginTotp();
    expect(enrolment.label).toBe('Latchkey:ada@example.com');
    const uri = new URL(await readQrSvg(enrolment.qrSvg));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('issuer')).toBe('Latchkey');
    const secretText = uri.searchParams.get('secret') as string;
    expect(enrolment.qrSvg).not.toContain(secretText);
    const secret = base32Decode(secretText);
    expect(await codeOf(latchkey, latchkey.engine.confirmTotp('000000'))).toBe('invalid_credentials');
    const { recoveryCodes } = await latchkey.engine.confirmTotp(totp(secret, now));
    expect(recoveryCodes).toHaveLength(8);
    expect(latchkey.engine.getState().accounts[0]?.totp).toBe(true);

    const yaml = await readFile(at.configPath, 'utf8');
    expect(parse(yaml).credentials.usernames.ada.totp).toBe(true);
    const log = await readFile(join(at.dir, 'auth-events.jsonl'), 'utf8');
    for (const text of [yaml, log]) {
      expect(text).not.toContain(secretText);
      for (const code of recoveryCodes) expect(text).not.toContain(code);
    }
    expect(await new SecretVault({ service: at.keychainService, dir: join(at.dir, 'secrets') }).get('ada#totp')).toMatchObject({ tokenType: 'latchkey-totp' });

    await latchkey.engine.signOut();
    const sign = (totpCode?: string) => latchkey.engine.signInLocal({ identifier: 'ada', password: 'a long password', ...(totpCode ? { totpCode } : {}) });
    expect(await codeOf(latchkey, sign())).toBe('totp_required');
    expect(await codeOf(latchkey, sign(totp(secret, now)))).toBe('invalid_credentials'); // spent when it was confirmed
    now += 30_000; // the next step
    expect(await codeOf(latchkey, sign(totp(secret, now + 60_000)))).toBe('invalid_credentials'); // two steps ahead: refused
    expect((await sign(totp(secret, now + 30_000))).signedIn).toBe(true); // one step ahead (the phone's clock runs fast)
    await latchkey.engine.signOut();
    expect(parse(await readFile(at.configPath, 'utf8')).credentials.usernames.ada.failed_login_attempts).toBe(0);

    now += 120_000; // a jump: the code of the step just used is long gone, today's works once
    expect((await sign(totp(secret, now))).signedIn).toBe(true);
    await latchkey.engine.signOut();
    expect(await codeOf(latchkey, sign(totp(secret, now)))).toBe('invalid_credentials');
    expect(await codeOf(latchkey, sign('123 456'))).toBe('invalid_credentials');
    expect(await codeOf(latchkey, sign(totp(secret, now)))).toBe('locked_out'); // three wrong codes in a row
  });

  it('takes a recovery code once, turns off with the password, and is removed by an administrator reset', async () => {
    const at = await localHome();
    let now = Date.parse('2026-07-01T12:00:10.000Z');
    const latchkey = await engine(at, () => now);
    await latchkey.users.add({ username: 'bo', password: 'a long password' });
    await latchkey.engine.signInLocal({ identifier: 'bo', password: 'a long password' });
    const secret = base32Decode(new URL(await readQrSvg(latchkey.engine.beginTotp().qrSvg)).searchParams.get('secret') as string);
    const { recoveryCodes } = await latchkey.engine.confirmTotp(totp(secret, now));
    await latchkey.engine.signOut();

    const recovery = (recoveryCodes[0] as string).toLowerCase().replace('-', ' ');
    expect((await latchkey.engine.signInLocal({ identifier: 'bo', password: 'a long password', totpCode: recovery })).signedIn).toBe(true);
    await latchkey.engine.signOut();
    expect(await codeOf(latchkey, latchkey.engine.signInLocal({ identifier: 'bo', password: 'a long password', totpCode: recoveryCodes[0] as string }))).toBe('invalid_credentials');
    now += 30_000;
    await latchkey.engine.signInLocal({ identifier: 'bo', password: 'a long password', totpCode: totp(secret, now) });

    expect(await codeOf(latchkey, latchkey.engine.disableTotp('wrong'))).toBe('invalid_credentials');
    await latchkey.engine.disableTotp('a long password');
    expect(parse(await readFile(at.configPath, 'utf8')).credentials.usernames.bo.totp).toBeUndefined();
    await latchkey.engine.signOut();
    expect((await latchkey.engine.signInLocal({ identifier: 'bo', password: 'a long password' })).signedIn).toBe(true);

    // On again, then the phone is lost: an administrator's reset takes the second factor away with the password.
    const again = base32Decode(new URL(await readQrSvg(latchkey.engine.beginTotp().qrSvg)).searchParams.get('secret') as string);
    await latchkey.engine.confirmTotp(totp(again, now));
    const code = await latchkey.users.resetPassword('bo');
    expect(parse(await readFile(at.configPath, 'utf8')).credentials.usernames.bo.totp).toBeUndefined();
    expect(await new SecretVault({ service: at.keychainService, dir: join(at.dir, 'secrets') }).get('bo#totp')).toBeNull();
    expect((await latchkey.engine.signInLocal({ identifier: 'bo', password: code, newPassword: 'a new long password' })).signedIn).toBe(true);
  });

  it('asks for the code in latchkey login --local', async () => {
    assertCliBuilt();
    const at = await localHome();
    const latchkey = await engine(at, Date.now);
    await latchkey.users.add({ username: 'cy', password: 'a long password' });
    await latchkey.engine.signInLocal({ identifier: 'cy', password: 'a long password' });
    const secret = base32Decode(new URL(await readQrSvg(latchkey.engine.beginTotp().qrSvg)).searchParams.get('secret') as string);
    const { recoveryCodes } = await latchkey.engine.confirmTotp(totp(secret, Date.now()));
    await latchkey.engine.signOut();
    await latchkey.close();
    const env = { ...process.env, LATCHKEY_CONFIG: at.configPath, LATCHKEY_KEYCHAIN_SERVICE: at.keychainService, BROWSER: 'false' };
    const login = await runCliWithInput(env, `a long password\n${recoveryCodes[1]}\n`, 'login', '--local', '--user', 'cy');
    expect(login.stdout).toBe('Signed in as cy via Team\n');
    expect(login.code).toBe(0);
  });
});
