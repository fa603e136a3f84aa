/**
 * Using the session: `engine.fetchApi()` against the real demo provider's demo API (DPoP-bound tokens, server
 * nonces) and against plain HTTP servers on this machine playing other APIs, with Chromium as the system
 * browser and the real keychain. Covers what the one request path promises: only base_url and below; the
 * token attached in the main process; one refresh and a retry on a 401 `invalid_token` (also when many
 * requests hit it at once) or on a bare 401 to a token that is not brand new; redirects followed only below the base, never to another origin with the token;
 * answers bounded in size and time, with a safe subset of headers; coded refusals.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../src/main/app';
import { SecretVault } from '../src/main/store/secrets';
import { isAuthError } from '../src/shared/errors';
import { tempHome, type TempHome } from './helpers/engine-fixture';
import { createBrowserOpener } from './helpers/system-browser';
import { useCleanups, useSystemBrowser } from './helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

interface Seen {
  path: string;
  method: string;
  authorization: string | undefined;
  dpop: boolean;
}

/** A server that records who called it (the scheme of the Authorization header, never its value). */
async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', method: req.method ?? '', authorization: req.headers.authorization?.split(' ')[0], dpop: typeof req.headers.dpop === 'string' });
      handler(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function vaultFor(home: TempHome): SecretVault {
  return new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') });
}

/** Authorization values /v1/bare-401 refuses: the first token it sees (a bare 401, as GitHub's API answers). */
const refusedTokens = new Set<string>();

let other: Awaited<ReturnType<typeof listen>>;
let api: Awaited<ReturnType<typeof listen>>;
const held: ServerResponse[] = [];

beforeAll(async () => {
  other = await listen((_req, res) => json(res, 200, { stolen: 'nothing' }));
  api = await listen((req, res, body) => {
    const path = (req.url ?? '').split('?')[0];
    switch (path) {
      case '/v1/echo':
        return json(res, 200, { method: req.method, url: req.url, scheme: req.headers.authorization?.split(' ')[0], contentType: req.headers['content-type'] ?? null, body });
      case '/v1/elsewhere':
        return res.writeHead(302, { location: `${other.url}/steal` }).end();
      case '/v1/outside':
        return res.writeHead(302, { location: '/admin' }).end();
      case '/v1/moved':
        return res.writeHead(301, { location: '/v1/echo?moved=1' }).end();
      case '/v1/post-redirect':
        return res.writeHead(307, { location: '/v1/echo' }).end();
      case '/v1/huge': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(16 * 1024, 0x20);
        let sent = 0;
        const more = (): void => {
          while (sent < 400 && res.write(chunk)) sent += 1;
          if (sent < 400) res.once('drain', more);
          else res.end();
        };
        return more();
      }
      case '/v1/slow':
        held.push(res); // never answered while the test waits
        return;
      case '/v1/headers':
        return json(res, 200, { ok: true }, { etag: '"v1"', link: '<http://127.0.0.1/next>; rel="next"', 'set-cookie': 'session=secret', 'dpop-nonce': 'n-123', 'x-internal-token': 'secret' });
      case '/v1/bare-401': {
        const authorization = req.headers.authorization ?? '';
        if (refusedTokens.size === 0) refusedTokens.add(authorization);
        if (refusedTokens.has(authorization)) return json(res, 401, { message: 'Bad credentials' }, { 'www-authenticate': 'Bearer realm="api"' });
        return json(res, 200, { ok: true });
      }
      case '/v1/scope-401':
        return json(res, 401, { message: 'scope' }, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="admin"' });
      case '/v1/text':
        return res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('plain words');
      case '/v1/binary':
        return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0, 1, 2, 255]));
      case '/admin':
      default:
        return json(res, 404, { error: 'not_found' });
    }
  });
});

afterAll(async () => {
  for (const res of held) res.destroy();
  api.server.closeAllConnections();
  other.server.closeAllConnections();
  await new Promise((resolve) => api.server.close(resolve));
  await new Promise((resolve) => other.server.close(resolve));
});

/** A data folder whose config uses the built-in provider, its demo API, and the test server as a second API. */
async function homeWithApis(extraApis = ''): Promise<TempHome> {
  const home = await tempHome();
  defer(home.cleanup);
  await writeFile(
    home.configPath,
    `providers:\n  demo: { label: Demo, embedded: true }\napis:\n  demo: { provider: demo }\n  local:\n    provider: demo\n    base_url: ${api.url}/v1\n    timeout_seconds: 1\n    max_response_bytes: 65536\n${extraApis}`,
    { mode: 0o600 },
  );
  return home;
}

async function engine(home: TempHome, user: 'alice' | 'bob' = 'alice', options: Partial<Parameters<typeof createLatchkey>[0]> = {}): Promise<Latchkey> {
  const opener = createBrowserOpener(systemBrowser(), { user, consent: 'allow' });
  const latchkey = await createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    openBrowser: opener.openBrowser,
    embeddedProvider: { port: 0 },
    role: 'cli',
    ...options,
  });
  defer(() => latchkey.close());
  await latchkey.restore();
  return latchkey;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('the demo API with the signed-in session', () => {
  it("answers each person's own data, to a DPoP-bound token whose key stays in the vault", async () => {
    const home = await homeWithApis();
    const latchkey = await engine(home);
    // Before anyone signs in: a coded refusal, no request.
    expect(isAuthError(await rejection(latchkey.engine.fetchApi('demo', { path: '/projects' })), 'not_signed_in')).toBe(true);
    const account = await latchkey.engine.signIn('demo');
    expect(account.dpop).toBe(true);

    const answer = await latchkey.engine.fetchApi('demo', { path: '/projects', query: { days: 7 } });
    expect(answer).toMatchObject({ status: 200, bodyType: 'json', dpop: true, accountKey: account.key });
    const body = answer.body as { user: { sub: string }; days: number; projects: Array<{ id: string; activity: unknown[] }> };
    expect(body.user.sub).toBe('alice');
    expect(body.days).toBe(7);
    expect(body.projects.map((p) => p.id).sort()).toEqual(['field-notes', 'latchkey', 'orbit-api', 'pallet']);
    for (const project of body.projects) expect(project.activity).toHaveLength(7);
    expect((await latchkey.engine.fetchApi('demo', { path: 'me' })).body).toMatchObject({ sub: 'alice', dpop: true });
    // Someone else's project is not there for alice (an answer, not an error).
    expect((await latchkey.engine.fetchApi('demo', { path: '/projects/ledger' })).status).toBe(404);
    expect((await latchkey.engine.fetchApi('demo', { path: '/projects', query: { days: 0 } })).status).toBe(400);

    const stored = await vaultFor(home).get(account.key);
    expect(stored?.tokenType?.toLowerCase()).toBe('dpop');
    expect(stored?.dpopKey).toMatchObject({ kty: 'EC', crv: 'P-256' });
    const yaml = await import('node:fs/promises').then((fs) => fs.readFile(home.configPath, 'utf8'));
    expect(yaml).not.toContain(stored?.dpopKey?.d as string);
    expect(yaml).not.toContain(stored?.dpopKey?.x as string);

    // Bob, in his own data folder, gets his own projects and none of alice's.
    const bobHome = await homeWithApis();
    const bob = await engine(bobHome, 'bob');
    await bob.engine.signIn('demo');
    const bobs = (await bob.engine.fetchApi('demo', { path: '/projects' })).body as { user: { sub: string }; projects: Array<{ id: string }> };
    expect(bobs.user.sub).toBe('bob');
    expect(bobs.projects.map((p) => p.id).sort()).toEqual(['kiln', 'ledger', 'tidewatch']);
  });

  it('refuses, with a code, what it must not send: escapes, credentials in headers, unknown APIs, other providers', async () => {
    const home = await homeWithApis('  github-ish: { provider: gh, base_url: "https://api.github.example" }\n');
    await writeFile(home.configPath, (await import('node:fs/promises').then((fs) => fs.readFile(home.configPath, 'utf8'))).replace('providers:\n', 'providers:\n  gh: { preset: github, client_id: x, client_secret: y }\n'));
    const latchkey = await engine(home);
    await latchkey.engine.signIn('demo');
    const before = api.seen.length;
    for (const path of ['/../admin', '/%2e%2e/admin', '//evil.example/x', 'https://evil.example/', '/a%2f..%2fb', '/a\\b', '/x#y']) {
      const error = await rejection(latchkey.engine.fetchApi('local', { path }));
      expect(isAuthError(error, 'invalid_argument'), path).toBe(true);
    }
    expect(isAuthError(await rejection(latchkey.engine.fetchApi('local', { path: '/echo', headers: { Authorization: 'Bearer mine' } })), 'invalid_argument')).toBe(true);
    expect(isAuthError(await rejection(latchkey.engine.fetchApi('local', { path: '/echo', headers: { host: 'evil.example' } })), 'invalid_argument')).toBe(true);
    expect(api.seen.length).toBe(before); // nothing reached the server
    expect(isAuthError(await rejection(latchkey.engine.fetchApi('nope', { path: '/' })), 'unknown_api')).toBe(true);
    // An API of another provider needs an account of that provider.
    expect(isAuthError(await rejection(latchkey.engine.fetchApi('github-ish', { path: '/user' })), 'not_signed_in')).toBe(true);
    const alice = latchkey.engine.getState().activeAccountKey as string;
    expect(isAuthError(await rejection(latchkey.engine.fetchApi('github-ish', { path: '/user', accountKey: alice })), 'invalid_argument')).toBe(true);
    expect(latchkey.engine.listApis().map((a) => [a.name, a.provider, a.dashboard ?? null])).toEqual([
      ['demo', 'demo', 'demo-projects'],
      ['local', 'demo', 'demo-projects'],
      ['github-ish', 'gh', 'github-repositories'],
    ]);
  });
});

describe('refresh on a 401 invalid_token', () => {
  it('refreshes once and retries when the API says the token expired, even for many requests at once', async () => {
    const home = await homeWithApis();
    let offset = 0;
    const grants: string[] = [];
    const statuses: number[] = [];
    const latchkey = await engine(home, 'alice', {
      embeddedProvider: { port: 0, accessTokenTtlSeconds: 2 },
      now: () => Date.now() + offset,
      fetch: async (input, init) => {
        const body = init?.body;
        if (typeof body === 'string' || body instanceof URLSearchParams) {
          const grant = new URLSearchParams(body.toString()).get('grant_type');
          if (grant) grants.push(grant);
        }
        const response = await fetch(input, init);
        if (String(input).includes('/api/')) statuses.push(response.status);
        return response;
      },
    });
    const account = await latchkey.engine.signIn('demo');
    const first = (await vaultFor(home).get(account.key))?.accessToken;
    // The token expires at the provider; this machine's clock runs a minute behind, so Latchkey still thinks it
    // fresh and sends it: the API's 401 is the only way to learn.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    offset = -60_000;
    grants.length = 0;
    statuses.length = 0;
    const answers = await Promise.all(Array.from({ length: 5 }, () => latchkey.engine.fetchApi('demo', { path: '/me' })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(grants.filter((g) => g === 'refresh_token').length).toBe(1);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(1);
    expect((await vaultFor(home).get(account.key))?.accessToken).not.toBe(first);
    const events = await latchkey.engine.recentEvents(5);
    expect(events.some((e) => e.kind === 'refresh' && e.outcome === 'ok')).toBe(true);
  });

  it('tries one refresh when the token was revoked at the provider; a refused refresh ends the session, with no loop', async () => {
    const home = await homeWithApis();
    let refreshes = 0;
    const latchkey = await engine(home, 'alice', {
      fetch: (input, init) => {
        const body = init?.body;
        if ((typeof body === 'string' || body instanceof URLSearchParams) && new URLSearchParams(body.toString()).get('grant_type') === 'refresh_token') refreshes += 1;
        return fetch(input, init);
      },
    });
    const account = await latchkey.engine.signIn('demo');
    const tokens = await vaultFor(home).get(account.key);
    // A plain RFC 7009 request revokes the access token; the demo provider revokes the grant's other tokens with it.
    const issuer = new URL(latchkey.engine.listApis()[0]?.baseUrl as string).origin;
    const configuration = await oidc.discovery(new URL(issuer), 'latchkey-desktop', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    await oidc.tokenRevocation(configuration, tokens?.accessToken as string, { token_type_hint: 'access_token' });
    const error = await rejection(latchkey.engine.fetchApi('demo', { path: '/me' }));
    expect(isAuthError(error, 'invalid_grant')).toBe(true);
    expect(refreshes).toBe(1);
    const state = latchkey.engine.getState();
    expect(state.accounts[0]).toMatchObject({ signedIn: false });
    expect(state.accounts[0]?.signedOutReason).toMatch(/provider ended this session/);
    expect(await vaultFor(home).get(account.key)).toBeNull();
  });
});

describe('refresh on a bare 401', () => {
  it('refreshes once on a 401 with no error to a token that is not brand new, never on a fresh one or insufficient_scope', async () => {
    const home = await homeWithApis();
    let offset = 0;
    let refreshes = 0;
    refusedTokens.clear();
    const latchkey = await engine(home, 'alice', {
      now: () => Date.now() + offset,
      fetch: (input, init) => {
        const body = init?.body;
        if ((typeof body === 'string' || body instanceof URLSearchParams) && new URLSearchParams(body.toString()).get('grant_type') === 'refresh_token') refreshes += 1;
        return fetch(input, init);
      },
    });
    await latchkey.engine.signIn('demo');
    // Just obtained: a refused token is not expired, and a new one would not help.
    expect((await latchkey.engine.fetchApi('local', { path: '/bare-401' })).status).toBe(401);
    expect((await latchkey.engine.fetchApi('local', { path: '/scope-401' })).status).toBe(401);
    expect(refreshes).toBe(0);
    // Two minutes later (still valid by its expiry), the same bare 401 is worth one refresh, and the retry passes.
    offset = 120_000;
    const answer = await latchkey.engine.fetchApi('local', { path: '/bare-401' });
    expect(answer.status).toBe(200);
    expect(refreshes).toBe(1);
    expect((await latchkey.engine.fetchApi('local', { path: '/scope-401' })).status).toBe(401);
    expect(refreshes).toBe(1);
    expect(latchkey.engine.getState().accounts[0]).toMatchObject({ signedIn: true });
  });
});

describe('requests to other APIs', () => {
  it('follows redirects below the base only: never to another origin, nor outside the base, with the token', async () => {
    const home = await homeWithApis();
    const latchkey = await engine(home);
    await latchkey.engine.signIn('demo');
    const otherBefore = other.seen.length;

    const elsewhere = await latchkey.engine.fetchApi('local', { path: '/elsewhere' });
    expect(elsewhere.status).toBe(302);
    expect(elsewhere.headers.location).toBe(`${other.url}/steal`);
    expect(other.seen.length).toBe(otherBefore); // the other origin heard nothing at all

    const outside = await latchkey.engine.fetchApi('local', { path: '/outside' });
    expect(outside.status).toBe(302);
    expect(api.seen.some((s) => s.path === '/admin')).toBe(false);

    const moved = await latchkey.engine.fetchApi('local', { path: '/moved' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ method: 'GET', url: '/v1/echo?moved=1', scheme: 'DPoP' });

    const posted = await latchkey.engine.fetchApi('local', { method: 'POST', path: '/post-redirect', json: { a: 1 } });
    expect(posted.body).toMatchObject({ method: 'POST', url: '/v1/echo', contentType: 'application/json', body: '{"a":1}' });
    // Every request that reached the API carried the DPoP scheme and a proof.
    for (const seen of api.seen.filter((s) => s.path.startsWith('/v1/'))) expect(seen).toMatchObject({ authorization: 'DPoP', dpop: true });
  });

  it('bounds answers in size and time, and keeps the session when an API is too big or too slow', async () => {
    const home = await homeWithApis();
    const latchkey = await engine(home);
    await latchkey.engine.signIn('demo');
    expect(isAuthError(await rejection(latchkey.engine.fetchApi('local', { path: '/huge' })), 'response_too_large')).toBe(true);
    const started = Date.now();
    const slow = await rejection(latchkey.engine.fetchApi('local', { path: '/slow' }));
    expect(isAuthError(slow, 'network')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(latchkey.engine.getState().accounts[0]?.signedIn).toBe(true);
    expect((await latchkey.engine.fetchApi('demo', { path: '/me' })).status).toBe(200);
  });

  it('passes on a safe subset of headers, decodes bodies by type, and encodes queries', async () => {
    const home = await homeWithApis();
    const latchkey = await engine(home);
    await latchkey.engine.signIn('demo');
    const headers = await latchkey.engine.fetchApi('local', { path: '/headers' });
    expect(headers.headers).toMatchObject({ etag: '"v1"', link: '<http://127.0.0.1/next>; rel="next"', 'content-type': 'application/json' });
    for (const name of ['set-cookie', 'dpop-nonce', 'x-internal-token']) expect(headers.headers[name]).toBeUndefined();
    expect(await latchkey.engine.fetchApi('local', { path: '/text' })).toMatchObject({ bodyType: 'text', body: 'plain words' });
    expect(await latchkey.engine.fetchApi('local', { path: '/binary' })).toMatchObject({ bodyType: 'binary', body: Buffer.from([0, 1, 2, 255]).toString('base64') });
    expect((await latchkey.engine.fetchApi('local', { method: 'HEAD', path: '/echo' })).bodyType).toBe('empty');
    const echoed = await latchkey.engine.fetchApi('local', { path: '/echo?x=1', query: { q: 'a b&c=d', tag: ['x', 'y'] } });
    expect((echoed.body as { url: string }).url).toBe('/v1/echo?x=1&q=a+b%26c%3Dd&tag=x&tag=y');
  });
});
