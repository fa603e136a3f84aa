/**
 * Sign-in on another device against a provider that answers polls with other HTTP statuses than RFC 8628's
 * 400: Auth0 documents `authorization_pending`, `expired_token` and `access_denied` with 403 and `slow_down`
 * with 429. What decides is the OAuth `error` in the JSON body, whatever the status: a 429 slow_down must slow
 * the polling down (not count as "provider unavailable, back off and retry"), a 403 pending must keep waiting.
 * The device flow run (device-flow.ts) against a real local HTTP server playing such a provider, as a plain
 * OAuth 2.0 entry with written-out endpoints and a userinfo mapping.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { beginDeviceSignIn } from '../src/main/auth/device-flow';
import { createProviderClient } from '../src/main/auth/provider-client';
import { resolveProvider } from '../src/main/auth/provider-resolution';
import { isAuthError } from '../src/shared/errors';
import { providerSchema } from '../src/main/store/schema';

type Answer = { status: number; body: Record<string, unknown> };

interface Provider {
  url: string;
  /** When each poll of the token endpoint arrived (ms since the first). */
  polls: number[];
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** A provider whose token endpoint gives `answers` in order (the last one again once they run out). */
async function startProvider(answers: Answer[]): Promise<Provider> {
  const polls: number[] = [];
  let first = 0;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    req.resume();
    req.on('end', () => {
      if (path === '/oauth/device/code') {
        return json(res, 200, { device_code: 'dc-1', user_code: 'WDJB-MJHT', verification_uri: `${url}/activate`, verification_uri_complete: `${url}/activate?user_code=WDJB-MJHT`, expires_in: 900, interval: 1 });
      }
      if (path === '/oauth/token') {
        const now = Date.now();
        if (polls.length === 0) first = now;
        polls.push(now - first);
        const answer = answers[Math.min(polls.length - 1, answers.length - 1)] as Answer;
        return json(res, answer.status, answer.body);
      }
      if (path === '/userinfo') return json(res, 200, { id: 'auth0|42', name: 'Ada Device', email: 'ada@example.com' });
      return json(res, 404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    polls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let provider: Provider | undefined;
afterEach(async () => {
  await provider?.close();
  provider = undefined;
});

async function run(answers: Answer[]) {
  provider = await startProvider(answers);
  const entry = providerSchema.parse({
    label: 'Auth0-like',
    client_id: 'device-client',
    authorization_endpoint: `${provider.url}/authorize`,
    token_endpoint: `${provider.url}/oauth/token`,
    userinfo_endpoint: `${provider.url}/userinfo`,
    device_authorization_endpoint: `${provider.url}/oauth/device/code`,
    scopes: ['profile', 'email'],
    claims: { subject: 'id', name: 'name', email: 'email' },
  });
  const client = await createProviderClient(resolveProvider('auth0ish', entry, { embeddedClientId: 'unused' }));
  return beginDeviceSignIn({ client });
}

const PENDING_403: Answer = { status: 403, body: { error: 'authorization_pending', error_description: 'User has yet to authorize device code.' } };
const SLOW_DOWN_429: Answer = { status: 429, body: { error: 'slow_down', error_description: 'You are polling faster than allowed.' } };
const TOKENS: Answer = { status: 200, body: { access_token: 'at-device', token_type: 'Bearer', expires_in: 3600 } };

describe('device flow polling answers with the statuses Auth0 documents', () => {
  it('keeps waiting on a 403 authorization_pending, slows down by five seconds on a 429 slow_down, then signs in', async () => {
    const started = await run([PENDING_403, SLOW_DOWN_429, TOKENS]);
    const result = await started.result;
    expect(result.profile).toMatchObject({ subject: 'auth0|42', name: 'Ada Device', email: 'ada@example.com' });
    expect(result.tokens.accessToken).toBe('at-device');
    const polls = provider?.polls ?? [];
    expect(polls).toHaveLength(3);
    // interval 1 s, then 1 + 5 = 6 s after the slow_down (and not the network back-off).
    expect((polls[1] ?? 0) - (polls[0] ?? 0)).toBeGreaterThanOrEqual(900);
    expect((polls[2] ?? 0) - (polls[1] ?? 0)).toBeGreaterThanOrEqual(5_900);
    expect(started.authorization.interval).toBe(6);
  }, 30_000);

  it('ends with access_denied on a 403 access_denied, and with timeout on a 403 expired_token', async () => {
    const denied = await run([PENDING_403, { status: 403, body: { error: 'access_denied', error_description: 'User cancelled the confirmation prompt.' } }]);
    const refusal = await denied.result.then(() => undefined, (error: unknown) => error);
    expect(isAuthError(refusal, 'access_denied')).toBe(true);
    await provider?.close();

    const expired = await run([{ status: 403, body: { error: 'expired_token', error_description: 'The device code has expired.' } }]);
    const lapse = await expired.result.then(() => undefined, (error: unknown) => error);
    expect(isAuthError(lapse, 'timeout')).toBe(true);
  }, 30_000);
});
