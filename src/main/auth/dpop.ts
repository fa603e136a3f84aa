/**
 * DPoP (RFC 9449) for Latchkey's sessions. A copied bearer token works for whoever holds it; a DPoP-bound one
 * works only with proofs signed by a key that never leaves Latchkey's main process.
 *
 * At sign-in a per-account ES256 key pair is made; its private half is kept only inside the account's token
 * set, so the vault seals it exactly like the refresh token (keychain-held key, encrypted file) and it is never
 * written to config.yaml, a log or the window. The key becomes an openid-client DPoP handle that signs the
 * proofs for the token endpoint (sign-in with `dpop_jkt`, every refresh), userinfo and the account's APIs. A
 * handle also remembers each server's `DPoP-Nonce` (per origin) and openid-client retries once on
 * `use_dpop_nonce`, so handles are kept per key for the life of the process.
 */
import { webcrypto } from 'node:crypto';
import * as oidc from 'openid-client';
import { AuthError } from '../../shared/errors';
import type { DpopMode } from './provider-resolution';
import type { TokenSet } from './storage';
import { isDpopBound } from './token-binding';

/** The one algorithm Latchkey signs proofs with: ES256 is what RFC 9449 servers support most widely. */
export const DPOP_ALGORITHM = 'ES256';

/** The private key of an account's DPoP key pair, as kept (sealed) in its token set. */
export interface DpopPrivateJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  d: string;
}

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Whether a provider's metadata offers DPoP with ES256. */
export function offersDpop(metadata: Pick<oidc.ServerMetadata, 'dpop_signing_alg_values_supported'>): boolean {
  const algorithms = metadata.dpop_signing_alg_values_supported;
  return Array.isArray(algorithms) && algorithms.includes(DPOP_ALGORITHM);
}

/**
 * Whether a sign-in with this provider binds its tokens: `auto` where the metadata offers DPoP, `off` never,
 * `required` always — and a provider that does not offer it is refused before the browser opens.
 */
export function shouldUseDpop(provider: { name: string; dpop: DpopMode }, metadata: Pick<oidc.ServerMetadata, 'dpop_signing_alg_values_supported'>): boolean {
  if (provider.dpop === 'off') return false;
  if (offersDpop(metadata)) return true;
  if (provider.dpop === 'required') {
    throw new AuthError('provider_error', `Provider "${provider.name}" does not offer DPoP with ${DPOP_ALGORITHM} (its metadata lists no such dpop_signing_alg_values_supported), and its entry says dpop: required.`, {
      hint: `Set dpop: auto (bind tokens where the provider can) or dpop: off for "${provider.name}" in config.yaml.`,
    });
  }
  return false;
}

/** A new key pair for one account, as the private JWK that the token set keeps. */
export async function createDpopKey(): Promise<DpopPrivateJwk> {
  const pair = await oidc.randomDPoPKeyPair(DPOP_ALGORITHM, { extractable: true });
  const jwk = await webcrypto.subtle.exportKey('jwk', pair.privateKey);
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y || !jwk.d) throw new AuthError('internal', 'The DPoP key pair could not be exported.');
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d };
}

/** Handles per key (nonces live in them); a bounded map, since each sign-in makes a key. */
const MAX_HANDLES = 256;
const handles = new Map<string, Promise<oidc.DPoPHandle>>();

async function importKeyPair(jwk: DpopPrivateJwk): Promise<oidc.CryptoKeyPair> {
  const { kty, crv, x, y, d } = jwk;
  // The private key is imported as not extractable: once in memory, nothing can export it again.
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('jwk', { kty, crv, x, y, d }, EC_P256, false, ['sign']),
    webcrypto.subtle.importKey('jwk', { kty, crv, x, y }, EC_P256, true, ['verify']),
  ]);
  return { privateKey, publicKey } as oidc.CryptoKeyPair;
}

/** The DPoP handle of a key (the same one on every call in this process, so learned nonces are reused). */
export function dpopHandle(configuration: oidc.Configuration, jwk: DpopPrivateJwk): Promise<oidc.DPoPHandle> {
  const id = `${jwk.x}.${jwk.y}`;
  let handle = handles.get(id);
  if (!handle) {
    handle = importKeyPair(jwk).then((pair) => oidc.getDPoPHandle(configuration, pair));
    handle.catch(() => handles.delete(id));
    if (handles.size >= MAX_HANDLES) handles.delete(handles.keys().next().value as string);
    handles.set(id, handle);
  }
  return handle;
}

export { isDpopBound };

/** The handle for requests with the token set's access token (userinfo, APIs); none for a bearer token. */
export async function resourceDpop(configuration: oidc.Configuration, tokens: Pick<TokenSet, 'dpopKey' | 'tokenType'>): Promise<oidc.DPoPHandle | undefined> {
  return isDpopBound(tokens) && tokens.dpopKey ? dpopHandle(configuration, tokens.dpopKey) : undefined;
}

/**
 * After a sign-in's code exchange with a proof: the key to keep. A provider that answered with a bearer token
 * did not bind it, so the key is dropped — unless the entry requires DPoP, which makes it a refusal.
 */
export function keyToKeep(tokenType: string | undefined, mode: DpopMode, key: DpopPrivateJwk | undefined): DpopPrivateJwk | undefined {
  if (!key) return undefined;
  if (tokenType?.toLowerCase() === 'dpop') return key;
  if (mode === 'required') {
    throw new AuthError('provider_error', `The provider answered with a ${tokenType ?? 'untyped'} token although DPoP is required for it.`, {
      hint: 'Set dpop: auto or off for this provider in config.yaml, or ask the provider to bind tokens with DPoP.',
    });
  }
  return undefined;
}
