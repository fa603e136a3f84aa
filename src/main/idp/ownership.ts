/**
 * Proving that the demo provider answering on a port belongs to this data folder.
 *
 * Any local program can listen on the demo port first and serve a discovery document with the expected
 * issuer; a Latchkey that took it for its own provider would send people's passwords, authorization codes
 * and refresh tokens to it. A discovery document, or the public JWKS, proves nothing (anyone can copy
 * them). So the provider answers a fresh random challenge with an HMAC under a key derived from its
 * private key file (`keys.json`, mode 0600 in the data folder), and the checking process recomputes it from
 * the same file: only a process that can read this data folder's secrets can answer.
 *
 * The answer covers the issuer the provider serves, so a program on the demo port cannot pass the challenge
 * on to a genuine provider of the same folder listening elsewhere. The key is derived for this one purpose
 * (HKDF with its own label), so answering challenges gives nothing usable for the cookie keys it comes from.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FormError, readForm } from './http-util';
import { readProviderKeys, type ProviderKeys } from './keys';

/** Where the demo provider answers challenges (POST, form field `challenge`). */
export const OWNERSHIP_PATH = '/latchkey/ownership';

/** 32 random bytes, base64url: what a checking process sends, and all the provider accepts. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** A proof is 43 characters; anything much larger is not an answer of ours. */
const MAX_ANSWER_BYTES = 4096;

export function ownershipKey(keys: ProviderKeys): Buffer {
  const secret = keys.cookieKeys[0];
  if (secret === undefined) throw new Error('the demo provider has no cookie key');
  return Buffer.from(hkdfSync('sha256', secret, 'latchkey demo provider', 'ownership proof v1', 32));
}

export function ownershipProof(key: Buffer, issuer: string, challenge: string): string {
  return createHmac('sha256', key).update(`latchkey demo provider ownership v1\n${issuer}\n${challenge}`).digest('base64url');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(JSON.stringify(body));
}

/** The provider's side: answers `POST OWNERSHIP_PATH` with `{ proof }`. */
export async function answerOwnershipChallenge(req: IncomingMessage, res: ServerResponse, key: Buffer, issuer: string): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    sendJson(res, 405, { error: 'method_not_allowed' });
    return;
  }
  let form: URLSearchParams;
  try {
    form = await readForm(req);
  } catch (error) {
    if (error instanceof FormError) {
      sendJson(res, error.status, { error: 'invalid_request' });
      return;
    }
    throw error;
  }
  const challenge = form.get('challenge');
  if (challenge === null || !CHALLENGE.test(challenge)) {
    sendJson(res, 400, { error: 'invalid_request' });
    return;
  }
  sendJson(res, 200, { proof: ownershipProof(key, issuer, challenge) });
}

/** `answered`: whether anything answered at all (when nothing did, the port may be free again). */
export type OwnershipCheck = { ours: true } | { ours: false; answered: boolean; reason: string };

export interface OwnershipCheckOptions {
  /** The issuer expected on the port, e.g. http://127.0.0.1:4600. */
  issuer: string;
  /** This data folder's demo-provider folder (where keys.json is). */
  dataDir: string;
  fetch?: typeof fetch;
  /** How long a provider that is still starting (503) or restarting may take to answer. Default 5 s. */
  timeoutMs?: number;
}

async function readCapped(response: Response): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function proofIn(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const proof = (JSON.parse(text) as { proof?: unknown } | null)?.proof;
    return typeof proof === 'string' ? proof : undefined;
  } catch {
    return undefined;
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks whatever answers at `issuer` to prove it is this data folder's demo provider. Waits while it
 * answers 503 (a provider between listening and being ready) or cannot be reached (one restarting).
 */
export async function checkOwnership(options: OwnershipCheckOptions): Promise<OwnershipCheck> {
  const fetchImpl = options.fetch ?? fetch;
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  let lastProblem = 'it did not answer';
  let answered = false;
  while (Date.now() < deadline) {
    const challenge = randomBytes(32).toString('base64url');
    let response: Response;
    try {
      response = await fetchImpl(`${options.issuer}${OWNERSHIP_PATH}`, {
        method: 'POST',
        body: new URLSearchParams({ challenge }),
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.max(100, Math.min(2_000, deadline - Date.now()))),
      });
    } catch {
      lastProblem = 'it did not answer';
      await pause(100);
      continue;
    }
    answered = true;
    if (response.status === 503) {
      await response.body?.cancel().catch(() => undefined);
      lastProblem = 'it kept answering 503';
      await pause(100);
      continue;
    }
    const proof = response.status === 200 ? proofIn(await readCapped(response)) : undefined;
    if (response.status !== 200) await response.body?.cancel().catch(() => undefined);
    if (proof === undefined) return { ours: false, answered, reason: `it does not answer Latchkey's ownership challenge (HTTP ${response.status})` };
    const keys = await readProviderKeys(options.dataDir);
    if (keys === undefined) return { ours: false, answered, reason: 'this data folder has no demo-provider keys to check its answer against' };
    const expected = Buffer.from(ownershipProof(ownershipKey(keys), options.issuer, challenge));
    const given = Buffer.from(proof);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ours: true };
    return { ours: false, answered, reason: "its answer to the ownership challenge does not match this data folder's keys" };
  }
  return { ours: false, answered, reason: lastProblem };
}
