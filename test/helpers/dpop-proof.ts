/**
 * For tests that use a session's access token directly against the provider (userinfo, the demo API): a
 * DPoP-bound token needs proofs by the session's own key, which the token set in the vault holds.
 */
import { webcrypto } from 'node:crypto';
import * as oidc from 'openid-client';
import type { TokenSet } from '../../src/main/store/secrets';

const P256 = { name: 'ECDSA', namedCurve: 'P-256' };

/** The session's key pair, imported from its token set; undefined for a Bearer session. */
export async function sessionKeyPair(tokens: TokenSet | null): Promise<oidc.CryptoKeyPair | undefined> {
  const jwk = tokens?.dpopKey;
  if (!jwk) return undefined;
  return {
    privateKey: await webcrypto.subtle.importKey('jwk', jwk, P256, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, P256, true, ['verify']),
  } as oidc.CryptoKeyPair;
}

/** openid-client's options for a request with the token set's access token: `{ DPoP }` when it is bound. */
export async function proofOptions(configuration: oidc.Configuration, tokens: TokenSet | null): Promise<oidc.DPoPOptions | undefined> {
  const pair = await sessionKeyPair(tokens);
  return pair ? { DPoP: oidc.getDPoPHandle(configuration, pair) } : undefined;
}
