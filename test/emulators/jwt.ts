/**
 * RS256 signing for the emulators' ID tokens (RFC 7515/7519, OpenID Connect Core §2) and the JWKS that
 * publishes the key (RFC 7517). Each emulator gets its own RSA 2048 key with a `kid`, so a client that
 * checks signatures against the wrong provider's keys fails as it would for real.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, verify, type JsonWebKey } from 'node:crypto';

export interface Jwks {
  keys: Array<JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' }>;
}

export interface Signer {
  kid: string;
  jwks: Jwks;
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
  /** The claims of a token this signer issued (signature checked, expiry NOT checked), or undefined. */
  verify(token: string): Record<string, unknown> | undefined;
}

export function createSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const jwk = publicKey.export({ format: 'jwk' });
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    kid,
    jwks: { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] },
    sign(claims, header = {}) {
      const input = `${encode({ alg: 'RS256', kid, typ: 'JWT', ...header })}.${encode(claims)}`;
      return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    },
    verify(token) {
      const [head, body, signature] = token.split('.');
      if (!head || !body || signature === undefined) return undefined;
      try {
        const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string; kid?: string };
        if (header.alg !== 'RS256' || header.kid !== kid) return undefined;
        if (!verify('sha256', Buffer.from(`${head}.${body}`), publicKey, Buffer.from(signature, 'base64url'))) return undefined;
        return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    },
  };
}

/** OpenID Connect Core §3.1.3.6: left half of SHA-256 of the access token, base64url. */
export function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');
}
