/**
 * Time-based one-time passwords (RFC 6238) over HOTP (RFC 4226): the codes an authenticator app shows. Pure
 * functions of the secret and the time, checked against the RFCs' test vectors.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpOptions {
  /** Seconds per step (RFC 6238's X); 30, as every authenticator app uses. */
  step?: number;
  digits?: number;
  algorithm?: TotpAlgorithm;
}

/** RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation, modulo 10^digits. */
export function hotp(secret: Buffer, counter: number, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(message).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The step a time (epoch ms) falls in. */
export function totpStep(nowMs: number, step = 30): number {
  return Math.floor(nowMs / 1000 / step);
}

export function totp(secret: Buffer, nowMs: number, options: TotpOptions = {}): string {
  return hotp(secret, totpStep(nowMs, options.step), options.digits, options.algorithm);
}

/**
 * The step whose code `code` is, within `window` steps either side of now (clocks drift; a code typed just as
 * it changes is still accepted), or null. Compared in constant time.
 */
export function matchTotp(secret: Buffer, code: string, nowMs: number, options: TotpOptions & { window?: number } = {}): number | null {
  const digits = options.digits ?? 6;
  if (!new RegExp(`^\\d{${digits}}$`).test(code)) return null;
  const current = totpStep(nowMs, options.step);
  const window = options.window ?? 1;
  let matched: number | null = null;
  for (let step = current - window; step <= current + window; step += 1) {
    const expected = Buffer.from(hotp(secret, step, digits, options.algorithm));
    if (timingSafeEqual(expected, Buffer.from(code)) && matched === null) matched = step;
  }
  return matched;
}
