/**
 * DPoP nonces (RFC 9449 §8, §9) for the demo provider and its demo API, which share one origin.
 *
 * A client keeps one nonce per origin (openid-client's DPoP handle does), so the token endpoint and the API on
 * the same origin must accept each other's nonces, or every switch between them would cost a refused request.
 * Both therefore use the same scheme with the same secret: this is the construction oidc-provider uses for its
 * own nonces (HKDF-SHA256 of a 32-byte secret over 60-second steps, info "DPoP"; a nonce is accepted for five
 * steps around now, the one handed out is the next step's), and the secret given to oidc-provider as
 * `features.dPoP.nonceSecret` is the one used here. Stateless: nothing to store, valid across restarts.
 */
import { hkdfSync, timingSafeEqual } from 'node:crypto';
import type { ProviderKeys } from './keys';

const STEP_SECONDS = 60;
const INFO = 'DPoP';

/** The nonce secret of a data folder: derived from its cookie key for this one purpose (HKDF, own label). */
export function dpopNonceSecret(keys: ProviderKeys): Buffer {
  const secret = keys.cookieKeys[0];
  if (secret === undefined) throw new Error('the demo provider has no cookie key');
  return Buffer.from(hkdfSync('sha256', secret, 'latchkey demo provider', 'dpop nonce secret v1', 32));
}

export class DpopNonces {
  readonly #secret: Buffer;
  readonly #now: () => number;
  #step = Number.NaN;
  #window: string[] = [];

  constructor(secret: Buffer, now: () => number = Date.now) {
    if (secret.byteLength !== 32) throw new TypeError('a DPoP nonce secret is 32 bytes');
    this.#secret = secret;
    this.#now = now;
  }

  #compute(step: number): string {
    const salt = Buffer.alloc(8);
    salt.writeBigUInt64BE(BigInt(step));
    return Buffer.from(hkdfSync('sha256', this.#secret, salt, INFO, 32)).toString('base64url');
  }

  #values(): string[] {
    const step = Math.floor(this.#now() / 1000 / STEP_SECONDS);
    if (step !== this.#step) {
      this.#step = step;
      this.#window = [step - 2, step - 1, step, step + 1, step + 2].map((s) => this.#compute(s));
    }
    return this.#window;
  }

  /** The nonce to hand out now. */
  next(): string {
    return this.#values()[3] as string;
  }

  /** Whether a nonce from a proof is current (compared in constant time). */
  check(nonce: string): boolean {
    const given = Buffer.from(nonce);
    let matched = false;
    for (const value of this.#values()) {
      const expected = Buffer.from(value);
      if (expected.length === given.length && timingSafeEqual(expected, given)) matched = true;
    }
    return matched;
  }
}
