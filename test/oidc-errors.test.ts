/**
 * The one translation of token-endpoint answers into coded errors, fed with what openid-client really throws
 * for real HTTP answers of a local server: a refusal of a refresh token ends the session (invalid_grant) even
 * when it comes as an empty 400 or a non-RFC error; 5xx, 408, 429, "try later" and unreachable servers keep it
 * (network). Provider text is cleaned of control characters before it reaches a message.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateOidcError, type OidcOperation } from '../src/main/auth/oidc-errors';
import { freePort } from './helpers/engine-fixture';

let answer: { status: number; body: string; type?: string } = { status: 400, body: '' };
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, answer.body ? { 'content-type': answer.type ?? 'application/json' } : {});
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function configurationFor(origin: string): oidc.Configuration {
  const configuration = new oidc.Configuration(
    { issuer: origin, token_endpoint: `${origin}/token`, revocation_endpoint: `${origin}/revoke` },
    'client',
    undefined,
    oidc.None(),
  );
  oidc.allowInsecureRequests(configuration);
  return configuration;
}

async function refreshFailure(status: number, body: string, type?: string, operation: OidcOperation = 'refresh') {
  answer = { status, body, ...(type ? { type } : {}) };
  try {
    await oidc.refreshTokenGrant(configurationFor(base), 'rt');
  } catch (err) {
    return translateOidcError(err, operation);
  }
  throw new Error('expected the grant to fail');
}

describe('refresh answers', () => {
  it('an empty 400 is a refusal: invalid_grant', async () => {
    const error = await refreshFailure(400, '');
    expect(error.code).toBe('invalid_grant');
    expect(error.message).toMatch(/refused the refresh token \(HTTP 400/);
  });

  it('a 401 or 403 without a body is a refusal too', async () => {
    expect((await refreshFailure(401, '')).code).toBe('invalid_grant');
    expect((await refreshFailure(403, '<html>forbidden</html>', 'text/html')).code).toBe('invalid_grant');
  });

  it('any RFC 6749 error but "try later" ends the session, with the provider\'s own error named', async () => {
    const invalidGrant = await refreshFailure(400, JSON.stringify({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }));
    expect(invalidGrant.code).toBe('invalid_grant');
    expect(invalidGrant.message).toMatch(/"invalid_grant" \(Token has been expired or revoked\.\)/);
    const invalidClient = await refreshFailure(401, JSON.stringify({ error: 'invalid_client' }));
    expect(invalidClient.code).toBe('invalid_grant');
    expect(invalidClient.message).toMatch(/invalid_client/);
    expect((await refreshFailure(400, JSON.stringify({ error: 'temporarily_unavailable' }))).code).toBe('network');
  });

  it('5xx, 408 and 429 are transient: network', async () => {
    expect((await refreshFailure(503, '')).code).toBe('network');
    expect((await refreshFailure(500, JSON.stringify({ error: 'server_error' }))).code).toBe('network');
    expect((await refreshFailure(408, '')).code).toBe('network');
    expect((await refreshFailure(429, '')).code).toBe('network');
  });

  it('an unreachable provider is network', async () => {
    const port = await freePort();
    let translated;
    try {
      await oidc.refreshTokenGrant(configurationFor(`http://127.0.0.1:${port}`), 'rt');
    } catch (err) {
      translated = translateOidcError(err, 'refresh');
    }
    expect(translated?.code).toBe('network');
  });

  it('strips control characters from the provider\'s error text', async () => {
    const error = await refreshFailure(400, JSON.stringify({ error: 'invalid_grant', error_description: 'bad\u001b]52;c;ZXZpbA==\u0007 token\u202e' }));
    // eslint-disable-next-line no-control-regex -- the point of the test: no control character gets through
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f\u202e]/);
    expect(error.message).toMatch(/bad\]52;c;ZXZpbA== token/);
  });
});

describe('other operations', () => {
  it('an empty 400 to a code exchange is provider_error with a hint about the client settings', async () => {
    const error = await refreshFailure(400, '', undefined, 'sign-in');
    expect(error.code).toBe('provider_error');
    expect(error.hint).toMatch(/client_id/);
  });

  it('a 401 invalid_client to revocation stays invalid_client (the caller reports "refused")', async () => {
    answer = { status: 401, body: JSON.stringify({ error: 'invalid_client' }) };
    let translated;
    try {
      await oidc.tokenRevocation(configurationFor(base), 'rt');
    } catch (err) {
      translated = translateOidcError(err, 'revocation');
    }
    expect(translated?.code).toBe('invalid_client');
  });
});
