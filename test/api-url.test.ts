/**
 * Where an API request may go (src/main/auth/api-url.ts): base_url and below, nothing else. Known escapes are
 * refused one by one; then a seeded fuzz of hostile paths (dot segments plain, encoded, double-encoded and in
 * full-width, encoded slashes and backslashes, protocol-relative and absolute URLs, user-info, control
 * characters, malformed escapes) checks the property that matters: whatever is accepted is a URL on the base's
 * origin, under its path, with no segment a server could decode into a parent or a slash — and it is sent as
 * built: a real server receives exactly that path. Replay a failure with LATCHKEY_FUZZ_SEED=<seed>.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isWithinBase, resolveApiUrl } from '../src/main/auth/api-url';
import { isAuthError } from '../src/shared/errors';
import { createRng, fuzzSeed, type Rng } from './hardening/fuzz-random';

const BASES = ['http://127.0.0.1:4600/api', 'https://api.github.com', 'https://api.example.com/v1/deep/'];

function refusal(path: string, base = BASES[0] as string): unknown {
  try {
    resolveApiUrl(base, path);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** The property every accepted path must have. Returns what is wrong, or null. */
function escapes(url: URL, base: string): string | null {
  const baseUrl = new URL(base);
  const basePath = baseUrl.pathname.replace(/\/+$/, '');
  if (url.origin !== baseUrl.origin) return `origin ${url.origin}`;
  if (url.username !== '' || url.password !== '') return 'user info';
  if (url.hash !== '') return 'fragment';
  if (url.pathname !== basePath && url.pathname !== `${basePath}/` && !url.pathname.startsWith(`${basePath}/`)) return `path ${url.pathname} outside ${basePath}`;
  for (const segment of url.pathname.slice(basePath.length).split('/').filter(Boolean)) {
    const decoded = decodeURIComponent(segment);
    if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\\')) return `segment ${segment} decodes to ${decoded}`;
  }
  const reparsed = new URL(url.href);
  if (reparsed.href !== url.href) return `not stable: ${url.href} re-parses as ${reparsed.href}`;
  return null;
}

describe('API paths', () => {
  it('builds URLs below the base, with segments and queries encoded once', () => {
    const base = 'http://127.0.0.1:4600/api';
    expect(resolveApiUrl(base, '/projects').href).toBe('http://127.0.0.1:4600/api/projects');
    expect(resolveApiUrl(base, 'projects/latchkey').href).toBe('http://127.0.0.1:4600/api/projects/latchkey');
    expect(resolveApiUrl(base, '/projects?days=7', { sort: 'name' }).href).toBe('http://127.0.0.1:4600/api/projects?days=7&sort=name');
    expect(resolveApiUrl(base, '/search?q=is:open label:bug').search).toBe('?q=is%3Aopen+label%3Abug');
    expect(resolveApiUrl(base, '/search', { q: 'a b&c=d', tag: ['x', 'y'], n: 3, on: true }).search).toBe('?q=a+b%26c%3Dd&tag=x&tag=y&n=3&on=true');
    expect(resolveApiUrl(base, '/files/a%20b/ü/@me/main...dev/').pathname).toBe('/api/files/a%20b/%C3%BC/@me/main...dev/');
    expect(resolveApiUrl(base, '/').href).toBe('http://127.0.0.1:4600/api/');
    expect(resolveApiUrl('https://api.github.com', '/user/repos').href).toBe('https://api.github.com/user/repos');
    expect(resolveApiUrl('https://api.example.com/v1/', 'x').href).toBe('https://api.example.com/v1/x');
  });

  it.each([
    '/../admin',
    '..',
    'projects/../../admin',
    '/%2e%2e/admin',
    '/%2E%2e/admin',
    '/.%2e/admin',
    '/projects/%2e',
    '/projects/.',
    '/a%2fb',
    '/a%2F..%2Fb',
    '/a%5cb',
    '/a\\..\\b',
    '//evil.example/x',
    '///evil.example',
    'https://evil.example/x',
    'http:evil.example',
    'javascript:alert(1)',
    '/a//b',
    '/a b',
    '/a\tb',
    '/a\nb',
    '/a%00b',
    '/a\u0000b',
    '/a#frag',
    '/a?b#c',
    '/a?b\u0007',
    '/bad%zzescape',
    '/%c0%ae%c0%ae/admin',
    '/a\u202eb',
    `/${'a/'.repeat(65)}`,
    `/${'x'.repeat(2049)}`,
  ])('refuses %j before anything is sent', (path) => {
    const error = refusal(path);
    expect(isAuthError(error, 'invalid_argument'), `accepted ${JSON.stringify(path)}`).toBe(true);
  });

  it('refuses query values that are not finite and too many parameters', () => {
    expect(isAuthError(refusalWith({ n: Number.NaN }), 'invalid_argument')).toBe(true);
    expect(isAuthError(refusalWith(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]))), 'invalid_argument')).toBe(true);
  });

  it('lets redirects stay only below the base', () => {
    const base = 'http://127.0.0.1:4600/api';
    expect(isWithinBase(new URL('http://127.0.0.1:4600/api/projects'), base)).toBe(true);
    expect(isWithinBase(new URL('http://127.0.0.1:4600/api'), base)).toBe(true);
    expect(isWithinBase(new URL('http://127.0.0.1:4600/apix'), base)).toBe(false);
    expect(isWithinBase(new URL('http://127.0.0.1:4600/other'), base)).toBe(false);
    expect(isWithinBase(new URL('http://127.0.0.1:4601/api/projects'), base)).toBe(false);
    expect(isWithinBase(new URL('https://127.0.0.1:4600/api/projects'), base)).toBe(false);
    expect(isWithinBase(new URL('http://user:pw@127.0.0.1:4600/api/projects'), base)).toBe(false);
    expect(isWithinBase(new URL('http://127.0.0.1:4600/api/a%2f..%2f..%2fadmin'), base)).toBe(false);
    expect(isWithinBase(new URL('http://127.0.0.1:4600/api/%2e%2e/admin'), base)).toBe(false); // the parser resolves it to /admin
  });
});

function refusalWith(query: Record<string, number>): unknown {
  try {
    resolveApiUrl(BASES[0] as string, '/x', query);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Pieces hostile paths are made of, beside ordinary names. */
const PIECES = [
  '..', '.', '...', '%2e', '%2E', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '%25', '%', '%z', '%2f', '%2F', '%5c', '%5C', '\\',
  '/', '//', '?', '#', '@', ':', ';', '..;', '%3b', '=', '&', '+', '~', 'evil.example', 'http:', 'https://evil.example', '//evil.example',
  'javascript:', 'C:', 'file:', '%00', '\u0000', '\t', '\n', ' ', '%20', 'ａ', '．．', '%ef%bc%8e%ef%bc%8e', '\u2024\u2024', '%c0%ae',
  '\u202e', '\ud800', 'ü', 'projects', '42', 'user', 'repos', 'a+b', '%40', 'x.y', 'user:pw@evil.example', '127.0.0.1:4601',
];

function hostilePath(rng: Rng): string {
  const parts: string[] = [];
  for (let i = rng.int(1, 8); i > 0; i -= 1) parts.push(rng.pick(PIECES));
  const joiner = rng.pick(['/', '', '/', rng.pick(PIECES)]);
  return `${rng.chance(0.6) ? '/' : ''}${parts.join(joiner)}`;
}

describe('API paths under a fuzz of hostile input', () => {
  it('accepts only URLs on the base origin, under its path, and a real server receives exactly that path', async ({ onTestFailed }) => {
    const seed = fuzzSeed();
    onTestFailed(() => console.error(`API path fuzz failed with seed ${seed}: replay with LATCHKEY_FUZZ_SEED=${seed}`));
    const rng = createRng(seed);
    const failures: string[] = [];
    const accepted: URL[] = [];
    let refused = 0;
    for (let i = 0; i < 5_000; i += 1) {
      const base = rng.pick(BASES);
      const path = hostilePath(rng);
      let url: URL;
      try {
        url = resolveApiUrl(base, path);
      } catch (error) {
        if (!isAuthError(error, 'invalid_argument')) failures.push(`${JSON.stringify(path)} threw ${String(error)}`);
        refused += 1;
        continue;
      }
      const problem = escapes(url, base);
      if (problem) failures.push(`${JSON.stringify(path)} on ${base}: ${problem}`);
      // The same request resolves to the same URL every time.
      if (resolveApiUrl(base, path).href !== url.href) failures.push(`${JSON.stringify(path)}: not deterministic`);
      if (base === BASES[0]) accepted.push(url);
      if (failures.length > 10) break;
    }
    expect(failures, `seed ${seed}`).toEqual([]);
    // Both sides were exercised.
    expect(refused, `seed ${seed}`).toBeGreaterThan(1_000);
    expect(accepted.length, `seed ${seed}`).toBeGreaterThan(50);

    // What goes on the wire: a server on the base's port receives the path as built, under /api.
    const received: string[] = [];
    const server = createServer((req, res) => {
      received.push(req.url ?? '');
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      for (const url of accepted.slice(0, 200)) {
        const target = new URL(url.href);
        target.port = String(port);
        await (await fetch(target)).arrayBuffer();
        const arrived = received.at(-1) ?? '';
        const pathname = arrived.split('?')[0] as string;
        expect(pathname, `seed ${seed}`).toBe(url.pathname);
        expect(escapes(new URL(arrived, `http://127.0.0.1:4600`), 'http://127.0.0.1:4600/api'), `seed ${seed}: ${arrived}`).toBeNull();
      }
    } finally {
      server.close();
    }
  });
});
