/**
 * The loopback redirect server under hostile traffic. Anything on the machine (other programs, web pages via
 * the browser) can reach 127.0.0.1, so the server must survive whatever arrives, reflect none of it, and end
 * the sign-in only for the one redirect that carries this sign-in's state.
 *
 * 1,000 generated requests go to a real server over TCP (bare sockets, plus fetch for ordinary ones): odd
 * paths and methods, oversized headers and query strings, wrong, missing and doubled states, `error`
 * parameters full of markup, wrong Host headers, absolute-form targets, random bytes. The right state also
 * appears in requests that must still be refused (wrong path, method, host). Then the real redirect arrives.
 * The generator is seeded; a failure prints the seed (replay with LATCHKEY_FUZZ_SEED=<seed>).
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startLoopbackServer, type LoopbackServer } from '../../src/main/auth/loopback-server';
import { createRng, fuzzSeed, type Rng } from './fuzz-random';
import { rawExchange, type RawOutcome } from './raw-http';

const REQUESTS = 1_000;
const CONCURRENCY = 6;
/** Every injected payload carries this token: it must never come back, escaped or not. */
const MARKER = 'LKFUZZ';
/** What an unescaped reflection would look like in a page. */
const RAW_MARKUP = ['<script', '"><img', "'><svg", '<iframe', '<img', '<svg', 'onerror=', 'onload=', '<!--'];

const INJECTIONS = [
  `<script>alert("${MARKER}")</script>`,
  `"><img src=x onerror=alert(${MARKER})>`,
  `'><svg onload=alert('${MARKER}')>`,
  `</title><script>${MARKER}</script>`,
  `javascript:alert(${MARKER})`,
  `<iframe src="javascript:${MARKER}">`,
  `{{${MARKER}}}\${${MARKER}}`,
  `<!--${MARKER}-->`,
  `\u202e<b>${MARKER}</b>`,
  `<style>@import "http://${MARKER}.example"</style>`,
  `${MARKER}\r\nSet-Cookie: ${MARKER}=1`,
  `%3Cscript%3E${MARKER}%3C%2Fscript%3E`,
];

const running: LoopbackServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) {
    server.cancel();
    await server.close();
  }
});

interface Context {
  port: number;
  host: string;
  state: string;
}

type FuzzRequest =
  | { via: 'raw'; label: string; bytes: Buffer | string }
  | { via: 'fetch'; label: string; url: string; method: string };

function injection(rng: Rng): string {
  return rng.pick(INJECTIONS);
}

/** A value for `state` that is certainly not this sign-in's state once URL-decoded; undefined = leave it out. */
function wrongState(rng: Rng, state: string): string | undefined {
  const candidates: (string | undefined)[] = [
    undefined,
    '',
    randomBytes(16).toString('base64url'),
    `${state}x`,
    state.slice(1),
    state.slice(0, -1),
    `${state.slice(0, 5)}${state[5] === 'A' ? 'B' : 'A'}${state.slice(6)}`,
    ` ${state}`,
    `${state}\u0000`,
    state.toLowerCase() === state ? `${state}Z` : state.toLowerCase(),
    injection(rng),
    rng.string(rng.int(1, 300)),
  ];
  const picked = rng.pick(candidates);
  return picked === state ? `${state}!` : picked;
}

function query(params: [string, string | undefined][]): string {
  return params
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

function httpRequest(method: string, target: string, headers: [string, string][], body = ''): string {
  const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `${method} ${target} HTTP/1.1\r\n${lines}\r\n${body}`;
}

/** Extra headers a hostile page or program might add; none of them may matter or come back. */
function noiseHeaders(rng: Rng): [string, string][] {
  const headers: [string, string][] = [];
  const count = rng.int(0, 4);
  for (let i = 0; i < count; i += 1) {
    const name = rng.pick(['Referer', 'User-Agent', 'Cookie', 'X-Forwarded-Host', 'Origin', 'Accept-Language', 'X-Original-URL']);
    // Header values cannot carry CR/LF; strip them so the request reaches the handler.
    headers.push([name, injection(rng).replace(/[\r\n]/g, ' ')]);
  }
  return headers;
}

function randomPath(rng: Rng): string {
  const pieces = ['callback', 'Callback', 'CALLBACK', '..', '%2e%2e', '%2f', '%00', '%', '%zz', ';x', '', 'favicon.ico', '.well-known', '%63allback', 'callback%3F', '%E2%80%AE', 'index.html', '~', '*'];
  let path = '';
  const segments = rng.int(1, 5);
  for (let i = 0; i < segments; i += 1) path += `/${rng.chance(0.8) ? rng.pick(pieces) : encodeURIComponent(rng.string(rng.int(1, 40)))}`;
  if (rng.chance(0.05)) path += `/${'a'.repeat(rng.int(1_000, 8_000))}`;
  return path === '/callback' ? '/callback/' : path;
}

function buildRequest(rng: Rng, ctx: Context, index: number): FuzzRequest {
  const { state } = ctx;
  const host: [string, string] = ['Host', ctx.host];
  const code = `${MARKER}-code-${index}`;
  const kind = rng.pick([
    'path', 'path', 'method', 'method', 'headers', 'query', 'state', 'state', 'state', 'error', 'error', 'error',
    'host', 'host', 'bytes', 'bytes', 'absolute', 'partial', 'body', 'fetch', 'fetch',
  ] as const);
  const label = `#${index} ${kind}`;
  switch (kind) {
    case 'path': {
      // Even the right state and a code may not end the sign-in on another path.
      const q = query([['code', code], ['state', rng.chance(0.5) ? state : wrongState(rng, state)], ['x', injection(rng)]]);
      return { via: 'raw', label, bytes: httpRequest('GET', `${randomPath(rng)}?${q}`, [host, ...noiseHeaders(rng)]) };
    }
    case 'method': {
      const picked = rng.pick(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'get', 'GETT', rng.string(rng.int(1, 12), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')]);
      // A random name could spell GET, which with the right state would rightly be accepted.
      const method = picked === 'GET' ? 'GETX' : picked;
      const q = query([['code', code], ['state', rng.chance(0.6) ? state : wrongState(rng, state)]]);
      return { via: 'raw', label: `${label} ${method}`, bytes: httpRequest(method, `/callback?${q}`, [host, ...noiseHeaders(rng)]) };
    }
    case 'headers': {
      // Beyond the 16 KiB limit, in one header or in many.
      const big = rng.chance(0.5)
        ? [['X-Filler', `${injection(rng).replace(/[\r\n]/g, ' ')}${'a'.repeat(rng.int(17_000, 60_000))}`] as [string, string]]
        : Array.from({ length: rng.int(400, 900) }, (_, i) => [`X-H${i}`, `${MARKER}${'b'.repeat(40)}`] as [string, string]);
      const q = query([['code', code], ['state', rng.chance(0.5) ? state : wrongState(rng, state)]]);
      return { via: 'raw', label, bytes: httpRequest('GET', `/callback?${q}`, [host, ...big]) };
    }
    case 'query': {
      const filler = rng.chance(0.5) ? encodeURIComponent(injection(rng)).repeat(rng.int(300, 2_000)) : 'q'.repeat(rng.int(5_000, 70_000));
      const q = query([['code', code], ['state', wrongState(rng, state)]]);
      return { via: 'raw', label, bytes: httpRequest('GET', `/callback?${q}&pad=${filler}`, [host]) };
    }
    case 'state': {
      const params: [string, string | undefined][] = [['code', code], ['state', wrongState(rng, state)]];
      // The right state twice is forbidden by RFC 6749 §3.1 and must not count as the redirect either.
      if (rng.chance(0.2)) params.push(['state', state], ['state', state]);
      if (rng.chance(0.3)) params.push(['iss', injection(rng)]);
      return { via: 'raw', label, bytes: httpRequest('GET', `/callback?${query(params)}`, [host, ...noiseHeaders(rng)]) };
    }
    case 'error': {
      const params: [string, string | undefined][] = [
        ['error', rng.chance(0.7) ? injection(rng) : rng.pick(['access_denied', 'server_error', 'invalid_request'])],
        ['error_description', injection(rng)],
        ['error_uri', `javascript:alert('${MARKER}')`],
        ['state', wrongState(rng, state)],
      ];
      return { via: 'raw', label, bytes: httpRequest('GET', `/callback?${query(params)}`, [host, ...noiseHeaders(rng)]) };
    }
    case 'host': {
      // A DNS-rebinding page or a proxy sends another Host: refused even with the right state.
      const value = rng.pick([
        `evil.example:${ctx.port}`,
        '127.0.0.1',
        `127.0.0.1:${ctx.port + 1}`,
        `localhost:${ctx.port}`,
        `${ctx.host}.evil.example`,
        `127.0.0.1:${ctx.port}@evil.example`,
        '',
        `${MARKER}<script>`,
      ]);
      const headers: [string, string][] = [['Host', value]];
      if (rng.chance(0.2)) headers.push(host);
      const q = query([['code', code], ['state', state]]);
      return { via: 'raw', label: `${label} ${value}`, bytes: httpRequest('GET', `/callback?${q}`, headers) };
    }
    case 'bytes': {
      const junk = rng.bytes(rng.int(1, 2_048));
      const prefix = rng.pick(['', 'GET ', `GET /callback?state=${state}&code=`, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', '\u0016\u0003\u0001']);
      return { via: 'raw', label, bytes: Buffer.concat([Buffer.from(prefix, 'latin1'), junk]) };
    }
    case 'absolute': {
      // Absolute-form target: req.url is not "/callback...", so not the redirect.
      const q = query([['code', code], ['state', state]]);
      return { via: 'raw', label, bytes: httpRequest('GET', `http://${ctx.host}/callback?${q}`, [host]) };
    }
    case 'partial': {
      // Headers that never end: the server must give up on them once we stop sending.
      const q = query([['code', code], ['state', rng.chance(0.5) ? state : wrongState(rng, state)]]);
      return { via: 'raw', label, bytes: `GET /callback?${q} HTTP/1.1\r\nHost: ${ctx.host}\r\nX-Half: ${MARKER}` };
    }
    case 'body': {
      const body = `state=${encodeURIComponent(state)}&code=${code}&x=${encodeURIComponent(injection(rng))}`;
      const method = rng.pick(['POST', 'PUT', 'GET']);
      const q = query([['state', wrongState(rng, state)]]);
      return {
        via: 'raw',
        label: `${label} ${method}`,
        bytes: httpRequest(method, `/callback?${q}`, [host, ['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', String(Buffer.byteLength(body))]], body),
      };
    }
    case 'fetch': {
      const params = new URLSearchParams();
      params.set('code', code);
      const s = wrongState(rng, state);
      if (s !== undefined) params.set('state', s);
      if (rng.chance(0.5)) params.set('error', injection(rng));
      if (rng.chance(0.5)) params.set('error_description', injection(rng));
      return { via: 'fetch', label, url: `http://${ctx.host}/callback?${params.toString()}`, method: 'GET' };
    }
  }
}

interface Answer {
  label: string;
  status: number;
  headers: Record<string, string>;
  /** Headers and body as received. */
  text: string;
}

async function send(request: FuzzRequest, ctx: Context): Promise<Answer | { label: string; failure: string } | null> {
  if (request.via === 'fetch') {
    try {
      const res = await fetch(request.url, { method: request.method, redirect: 'manual' });
      const body = await res.text();
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => (headers[name] = value));
      return { label: request.label, status: res.status, headers, text: `${JSON.stringify(headers)}\n${body}` };
    } catch (error) {
      return { label: request.label, failure: `fetch failed: ${String(error)}` };
    }
  }
  const outcome: RawOutcome = await rawExchange(request.bytes, { port: ctx.port });
  switch (outcome.kind) {
    case 'response':
      return { label: request.label, status: outcome.response.status, headers: outcome.response.headers, text: outcome.response.raw };
    case 'closed':
      return null;
    case 'refused':
      return { label: request.label, failure: `connection refused (${outcome.code}): the server went away` };
    case 'timeout':
      return { label: request.label, failure: 'no answer within 8 s' };
  }
}

/** Our own pages carry this policy; Node's answers to unparseable requests (400, 431) do not. */
function isHandlerPage(answer: Answer): boolean {
  return (answer.headers['content-security-policy'] ?? '').includes("default-src 'none'");
}

function problemsOf(answer: Answer, state: string): string[] {
  const problems: string[] = [];
  const lower = answer.text.toLowerCase();
  for (const markup of RAW_MARKUP) if (lower.includes(markup)) problems.push(`reflected raw markup ${JSON.stringify(markup)}`);
  if (answer.text.includes(MARKER)) problems.push('reflected injected input');
  if (answer.text.includes(state)) problems.push('revealed the state');
  if (answer.headers['set-cookie'] !== undefined) problems.push('set a cookie');
  if (answer.status < 400) problems.push(`answered ${answer.status}`);
  if (isHandlerPage(answer)) {
    if (answer.headers['content-type'] !== 'text/html; charset=utf-8') problems.push(`content-type ${answer.headers['content-type']}`);
    if (answer.headers['cache-control'] !== 'no-store') problems.push('cacheable page');
    if (answer.headers['x-content-type-options'] !== 'nosniff') problems.push('no nosniff');
  }
  return problems;
}

function track(promise: Promise<unknown>): { settled: boolean } {
  const tracker = { settled: false };
  promise.then(
    () => (tracker.settled = true),
    () => (tracker.settled = true),
  );
  return tracker;
}

describe('loopback redirect server under hostile traffic', () => {
  it(`survives ${REQUESTS} hostile requests, reflects none, and accepts only the real redirect`, async ({ onTestFailed }) => {
    const seed = fuzzSeed();
    onTestFailed(() => {
      console.error(`loopback fuzz failed with seed ${seed}: replay with LATCHKEY_FUZZ_SEED=${seed}`);
    });
    const rng = createRng(seed);
    const state = randomBytes(16).toString('base64url');
    const server = await startLoopbackServer({ expectedState: state, timeoutMs: 120_000, holdMs: 20_000 });
    running.push(server);
    const url = new URL(server.redirectUri);
    const ctx: Context = { port: Number(url.port), host: url.host, state };
    const settled = track(server.callback);

    const requests = Array.from({ length: REQUESTS }, (_, i) => buildRequest(rng, ctx, i));
    const failures: string[] = [];
    let handlerPages = 0;
    /** The first request after which the sign-in was found ended (it, or one running alongside, ended it). */
    let endedBy: string | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      // Stop early once it is clearly broken: a server that hangs would otherwise cost 8 s per request.
      while (next < requests.length && failures.length <= 20) {
        const request = requests[next++] as FuzzRequest;
        const answer = await send(request, ctx);
        if (answer === null) continue;
        if ('failure' in answer) {
          failures.push(`${answer.label}: ${answer.failure}`);
          continue;
        }
        if (isHandlerPage(answer)) handlerPages += 1;
        if (settled.settled && endedBy === undefined) endedBy = answer.label;
        for (const problem of problemsOf(answer, state)) failures.push(`${answer.label}: ${problem}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(endedBy, `seed ${seed}: a hostile request ended the sign-in`).toBeUndefined();
    expect(settled.settled, `seed ${seed}: a hostile request ended the sign-in`).toBe(false);
    expect(failures.slice(0, 20), `seed ${seed}`).toEqual([]);
    expect(server.rejectedCount, `seed ${seed}`).toBe(handlerPages);
    // Most requests are well-formed enough to reach the handler; if hardly any did, the generator is broken.
    expect(handlerPages, `seed ${seed}`).toBeGreaterThan(REQUESTS / 2);

    // Listening on 127.0.0.1 only: the rest of 127/8 (and IPv6 loopback) is not served.
    expect(await rawExchange('GET / HTTP/1.1\r\n\r\n', { host: '127.0.0.2', port: ctx.port })).toEqual({ kind: 'refused', code: 'ECONNREFUSED' });
    expect((await rawExchange('GET / HTTP/1.1\r\n\r\n', { host: '::1', port: ctx.port })).kind).not.toBe('response');

    // The real redirect.
    const code = `real-${randomBytes(12).toString('base64url')}`;
    const responsePromise = fetch(`${server.redirectUri}?${query([['code', code], ['state', state], ['iss', 'http://127.0.0.1:1']])}`);
    const callback = await server.callback;
    expect(callback.url.searchParams.get('code')).toBe(code);
    expect(callback.url.searchParams.get('state')).toBe(state);

    // While the browser's request is held, anything else is told the sign-in was handled, and counted.
    let after = 0;
    for (let i = 0; i < 25; i += 1) {
      const request = buildRequest(rng, ctx, REQUESTS + i);
      const answer = await send(request, ctx);
      if (answer === null) continue;
      if ('failure' in answer) {
        failures.push(`${answer.label}: ${answer.failure}`);
        continue;
      }
      if (isHandlerPage(answer)) {
        after += 1;
        expect(answer.status, `${answer.label} seed ${seed}`).toBe(410);
      }
      for (const problem of problemsOf(answer, state)) failures.push(`${answer.label}: ${problem}`);
    }
    expect(failures, `seed ${seed}`).toEqual([]);
    expect(server.rejectedCount, `seed ${seed}`).toBe(handlerPages + after);
    expect(await server.callback).toBe(callback);

    callback.finish({ ok: true, title: 'Signed in', detail: 'Done.' });
    const res = await responsePromise;
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body).not.toContain(code);
    expect(body).not.toContain(state);
    await server.close();
    expect(await rawExchange('GET / HTTP/1.1\r\n\r\n', { port: ctx.port })).toMatchObject({ kind: 'refused' });
  });
});
