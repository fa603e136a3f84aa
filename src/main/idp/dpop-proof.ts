/**
 * Checking a DPoP proof at the demo API (RFC 9449 §4.3, §7.1), the resource-server side of what oidc-provider
 * checks at its token endpoint: a `dpop+jwt` signed with the public key in its own header (ES256 or EdDSA,
 * never a private key), for this method and URL, recent (iat), with a current server nonce, bound to the
 * presented access token (ath), by the key the token was issued to (its `jkt`), and seen only once (jti).
 *
 * The answer is a verdict, not an exception: the API turns it into the 401 and WWW-Authenticate challenge that
 * RFC 9449 prescribes (`use_dpop_nonce` with a fresh DPoP-Nonce, or `invalid_dpop_proof`).
 */
import { createHash, createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import type { DpopNonces } from './dpop-nonce';

/** How far a proof's iat may be from the server's clock (oidc-provider's window). */
const IAT_WINDOW_SECONDS = 300;
const MAX_PROOF_CHARS = 8192;
const MAX_REPLAY_ENTRIES = 100_000;

export type ProofVerdict =
  | { ok: true; thumbprint: string }
  | { ok: false; error: 'invalid_dpop_proof' | 'use_dpop_nonce'; description: string };

/** The jti values of accepted proofs, kept for as long as their iat could still pass. */
export class ReplayCache {
  readonly #seen = new Map<string, number>();

  /** Records `id`; false if it was seen before (a replay). */
  remember(id: string, expiresAt: number, now: number): boolean {
    if (this.#seen.size >= MAX_REPLAY_ENTRIES) {
      for (const [seen, until] of this.#seen) if (until <= now) this.#seen.delete(seen);
      if (this.#seen.size >= MAX_REPLAY_ENTRIES) this.#seen.delete(this.#seen.keys().next().value as string);
    }
    const until = this.#seen.get(id);
    if (until !== undefined && until > now) return false;
    this.#seen.set(id, expiresAt);
    return true;
  }
}

/** RFC 7638 JWK thumbprint (SHA-256) of an EC P-256 or OKP Ed25519 public key. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function publicJwkOf(header: Record<string, unknown>): JsonWebKey | undefined {
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (!jwk || typeof jwk !== 'object' || 'd' in jwk) return undefined;
  if (header.alg === 'ES256' && jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') {
    return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  }
  if ((header.alg === 'EdDSA' || header.alg === 'Ed25519') && jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') {
    return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
  }
  return undefined;
}

function signatureValid(alg: unknown, jwk: JsonWebKey, signingInput: string, signature: Buffer): boolean {
  try {
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    if (alg === 'ES256') return verify('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' }, signature);
    return verify(null, Buffer.from(signingInput), key, signature);
  } catch {
    return false;
  }
}

export interface ProofCheck {
  /** The DPoP request header (exactly one proof). */
  proof: string | undefined;
  method: string;
  /** The request URL as the client addressed it (scheme, host, path; query and fragment are ignored). */
  url: URL;
  accessToken: string;
  /** The thumbprint the access token is bound to (`cnf.jkt`). */
  boundTo: string;
  nonces: DpopNonces;
  replays: ReplayCache;
  now?: () => number;
}

function invalid(description: string): ProofVerdict {
  return { ok: false, error: 'invalid_dpop_proof', description };
}

export function checkDpopProof(check: ProofCheck): ProofVerdict {
  const nowSeconds = Math.floor((check.now ?? Date.now)() / 1000);
  const { proof } = check;
  if (!proof || proof.length > MAX_PROOF_CHARS) return invalid('a DPoP proof is required with a DPoP-bound access token');
  const parts = proof.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return invalid('the DPoP proof is not a compact JWS');
  const [rawHeader, rawPayload, rawSignature] = parts as [string, string, string];
  const header = decodePart(rawHeader);
  const payload = decodePart(rawPayload);
  if (!header || !payload) return invalid('the DPoP proof cannot be decoded');
  if (header.typ !== 'dpop+jwt') return invalid('the DPoP proof is not of type dpop+jwt');
  const jwk = publicJwkOf(header);
  if (!jwk) return invalid('the DPoP proof has no usable public key (ES256 or EdDSA, and never a private key)');
  if (!signatureValid(header.alg, jwk, `${rawHeader}.${rawPayload}`, Buffer.from(rawSignature, 'base64url'))) return invalid('the DPoP proof signature does not verify');

  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) return invalid('the DPoP proof has no jti');
  if (payload.htm !== check.method) return invalid('the DPoP proof is for another method (htm)');
  let htu: URL;
  try {
    htu = new URL(typeof payload.htu === 'string' ? payload.htu : '');
  } catch {
    return invalid('the DPoP proof has no valid htu');
  }
  if (htu.origin !== check.url.origin || htu.pathname !== check.url.pathname) return invalid('the DPoP proof is for another URL (htu)');
  if (typeof payload.iat !== 'number' || Math.abs(nowSeconds - payload.iat) > IAT_WINDOW_SECONDS) return invalid('the DPoP proof is not recent (iat)');
  if (typeof payload.nonce !== 'string' || !check.nonces.check(payload.nonce)) {
    return { ok: false, error: 'use_dpop_nonce', description: 'the resource server requires a current nonce in the DPoP proof' };
  }
  if (payload.ath !== createHash('sha256').update(check.accessToken).digest('base64url')) return invalid('the DPoP proof is for another access token (ath)');
  const thumbprint = jwkThumbprint(jwk);
  if (thumbprint !== check.boundTo) return invalid('the DPoP proof is signed with another key than the access token is bound to');
  if (!check.replays.remember(`${thumbprint}:${payload.jti}`, nowSeconds + 2 * IAT_WINDOW_SECONDS, nowSeconds)) return invalid('the DPoP proof was used before (replay)');
  return { ok: true, thumbprint };
}
