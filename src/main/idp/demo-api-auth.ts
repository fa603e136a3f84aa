/**
 * Who is calling the demo API: an access token the demo provider issued to Latchkey, not expired or revoked,
 * presented the way it was bound. A DPoP-bound token (one with a `jkt`) is accepted only with the DPoP scheme
 * and a valid proof by its key (dpop-proof.ts) — a copied token without the key is refused, and so is the
 * bound token sent as a plain Bearer token (RFC 9449 §7.2). A token that was not bound is a Bearer token.
 *
 * Refusals are RFC 6750 / RFC 9449 challenges: `invalid_token` for a token that is expired, revoked or
 * presented wrongly (the client may refresh and retry), `invalid_dpop_proof`, or `use_dpop_nonce` with a fresh
 * `DPoP-Nonce`. The demo API runs in the provider's process and looks tokens up in its store, as a resource
 * server beside its authorization server may.
 */
import type { IncomingMessage } from 'node:http';
import type Provider from 'oidc-provider';
import { DEMO_CLIENT_ID } from './config';
import type { DpopNonces } from './dpop-nonce';
import { checkDpopProof, type ReplayCache } from './dpop-proof';
import { findDemoUser, type DemoUser } from './users';

/** The signing algorithms the demo API accepts in DPoP proofs (advertised in its challenges). */
const ALGS = 'algs="ES256 EdDSA"';
const AUTHORIZATION = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i;

export interface ApiAuthDeps {
  provider: Provider;
  nonces: DpopNonces;
  replays: ReplayCache;
}

export type ApiAuthResult =
  | { ok: true; user: DemoUser; dpop: boolean }
  | { ok: false; challenge: string; nonce?: string; description: string };

function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, '')}"`;
}

function refuse(scheme: 'DPoP' | 'Bearer', error: string | undefined, description: string, nonce?: string): ApiAuthResult {
  const parts = [error ? `error=${quoted(error)}` : '', error ? `error_description=${quoted(description)}` : '', scheme === 'DPoP' ? ALGS : ''].filter(Boolean);
  return { ok: false, challenge: `${scheme} ${parts.join(', ')}`.trim(), description, ...(nonce ? { nonce } : {}) };
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

export async function authenticateApiRequest(req: IncomingMessage, url: URL, deps: ApiAuthDeps): Promise<ApiAuthResult> {
  const match = AUTHORIZATION.exec(singleHeader(req.headers.authorization) ?? '');
  if (!match) {
    // No credentials at all: say which schemes work, with no error code (RFC 6750 §3.1).
    return { ok: false, challenge: `DPoP ${ALGS}, Bearer realm="demo API"`, description: 'an access token is required' };
  }
  const scheme = (match[1] as string).toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
  const value = match[2] as string;
  const token = await deps.provider.AccessToken.find(value, { ignoreExpiration: true });
  if (!token || token.clientId !== DEMO_CLIENT_ID) return refuse(scheme, 'invalid_token', 'the access token is unknown or was revoked');
  if (token.isExpired) return refuse(scheme, 'invalid_token', 'the access token expired');
  const user = findDemoUser(token.accountId);
  if (!user) return refuse(scheme, 'invalid_token', 'the access token belongs to no demo user');

  if (!token.jkt) {
    if (scheme === 'DPoP') return refuse('DPoP', 'invalid_token', 'the access token is not DPoP-bound: present it as a Bearer token');
    return { ok: true, user, dpop: false };
  }
  if (scheme !== 'DPoP') return refuse('DPoP', 'invalid_token', 'the access token is DPoP-bound: present it with the DPoP scheme and a proof');
  const verdict = checkDpopProof({
    proof: singleHeader(req.headers.dpop),
    method: req.method ?? 'GET',
    url,
    accessToken: value,
    boundTo: token.jkt,
    nonces: deps.nonces,
    replays: deps.replays,
  });
  if (!verdict.ok) return refuse('DPoP', verdict.error, verdict.description, verdict.error === 'use_dpop_nonce' ? deps.nonces.next() : undefined);
  return { ok: true, user, dpop: true };
}
