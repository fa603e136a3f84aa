/**
 * The proxy decision (src/main/network/proxy-decision.ts) case by case, and the CLI's fetch
 * (proxy-fetch.ts) against a real local proxy: a request for a name only the proxy knows goes through it with
 * the proxy's credentials, NO_PROXY destinations go direct (to the fetch given for that, so no name is ever
 * looked up), a destination on this machine goes through the proxy when the proxy can reach it and directly
 * when it refuses or is down, and without a proxy variable there is no wrapper at all.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuthError } from '../../src/shared/errors';
import { bypassedByNoProxy, describeRoute, isLoopbackHost, proxySettingsFrom, redactProxyUrl, routeFor } from '../../src/main/network/proxy-decision';
import { createNetworkFetch } from '../../src/main/network/proxy-fetch';
import { describeChromiumProxy } from '../../src/main/diagnostics/proxy';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy';

const route = (env: NodeJS.ProcessEnv, url: string) => routeFor(proxySettingsFrom(env), new URL(url));

describe('proxy decision', () => {
  it('uses no proxy when no variable is set', () => {
    expect(proxySettingsFrom({})).toBeNull();
    expect(proxySettingsFrom({ HTTPS_PROXY: '  ', NO_PROXY: 'x' })).toBeNull();
    expect(route({}, 'https://idp.example/')).toEqual({ via: 'direct', reason: 'no_proxy_set' });
  });

  it('HTTPS_PROXY for https, HTTP_PROXY for http and as the fallback for https; lower case wins', () => {
    const env = { HTTPS_PROXY: 'http://secure:3128', HTTP_PROXY: 'http://plain:3128' };
    expect(route(env, 'https://idp.example/')).toEqual({ via: 'proxy', proxyUrl: 'http://secure:3128/' });
    expect(route(env, 'http://idp.example/')).toEqual({ via: 'proxy', proxyUrl: 'http://plain:3128/' });
    expect(route({ HTTP_PROXY: 'http://plain:3128' }, 'https://idp.example/')).toEqual({ via: 'proxy', proxyUrl: 'http://plain:3128/' });
    expect(route({ HTTPS_PROXY: 'http://secure:3128' }, 'http://idp.example/')).toEqual({ via: 'direct', reason: 'no_proxy_set' });
    expect(route({ https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:1' }, 'https://idp.example/')).toEqual({ via: 'proxy', proxyUrl: 'http://lower:1/' });
    expect(route({ https_proxy: 'proxy.corp:8080' }, 'https://idp.example/')).toEqual({ via: 'proxy', proxyUrl: 'http://proxy.corp:8080/' });
  });

  it('sends loopback destinations through the proxy like any other unless NO_PROXY names them, marked as this machine', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://proxy:3128', NO_PROXY: '' };
    for (const url of ['http://127.0.0.1:4600/', 'http://127.8.9.1/', 'http://localhost:1/', 'http://[::1]:8080/', 'https://app.localhost/']) {
      expect(route(env, url), url).toEqual({ via: 'proxy', proxyUrl: 'http://proxy:3128/', loopback: true });
    }
    expect(route({ ...env, NO_PROXY: '127.0.0.1,localhost' }, 'http://127.0.0.1:4600/')).toEqual({ via: 'direct', reason: 'no_proxy' });
    expect(describeRoute(route(env, 'http://127.0.0.1:4600/'))).toBe('through the proxy http://proxy:3128/ (on this machine: directly when the proxy cannot reach it)');
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.example')).toBe(false);
    expect(route(env, 'http://10.0.0.1/')).toEqual({ via: 'proxy', proxyUrl: 'http://proxy:3128/' });
  });

  it('NO_PROXY: names with their subdomains, leading dots and wildcards, ports, IPs, *', () => {
    const env = (noProxy: string) => ({ HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: noProxy });
    expect(route(env('idp.test'), 'https://idp.test/')).toEqual({ via: 'direct', reason: 'no_proxy' });
    expect(route(env('example.com'), 'https://login.example.com/x')).toEqual({ via: 'direct', reason: 'no_proxy' });
    expect(route(env('.example.com'), 'https://login.example.com/')).toEqual({ via: 'direct', reason: 'no_proxy' });
    expect(route(env('*.example.com'), 'https://example.com/')).toEqual({ via: 'direct', reason: 'no_proxy' });
    expect(route(env('example.com'), 'https://badexample.com/').via).toBe('proxy');
    expect(route(env('a.example, idp.test:8443'), 'https://idp.test:8443/').via).toBe('direct');
    expect(route(env('idp.test:8443'), 'https://idp.test/').via).toBe('proxy');
    expect(route(env('idp.test:443'), 'https://idp.test/').via).toBe('direct');
    expect(route(env('10.1.2.3'), 'https://10.1.2.3/').via).toBe('direct');
    expect(route(env('[2001:db8::1]'), 'https://[2001:db8::1]/').via).toBe('direct');
    expect(route(env('*'), 'https://anything.example/').via).toBe('direct');
    expect(route(env('IDP.TEST'), 'https://idp.test/').via).toBe('direct');
    expect(route({ HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'idp.test', NO_PROXY: 'other.test' }, 'https://idp.test/').via).toBe('direct');
    expect(bypassedByNoProxy(' , ', 'idp.test', 443)).toBe(false);
  });

  it('refuses proxies it cannot use rather than ignoring them', () => {
    expect(() => proxySettingsFrom({ HTTPS_PROXY: 'socks5://user:secret@proxy:1080' })).toThrow(/socks5.*http and https proxies/);
    expect(() => proxySettingsFrom({ HTTPS_PROXY: 'socks5://user:secret@proxy:1080' })).not.toThrow(/secret/);
  });

  it('shows proxy URLs without their credentials', () => {
    expect(redactProxyUrl('http://alice:s3cret@proxy.corp:3128')).toBe('http://proxy.corp:3128/');
    expect(redactProxyUrl('alice:s3cret@proxy.corp:3128')).toBe('http://proxy.corp:3128/');
    expect(redactProxyUrl('http://alice:s3cret@[bad')).not.toContain('s3cret');
    expect(describeRoute({ via: 'proxy', proxyUrl: 'http://alice:s3cret@proxy.corp:3128/' })).toBe('through the proxy http://proxy.corp:3128/');
  });
});

describe("the app's proxy, as Chromium resolves it", () => {
  it('words session.resolveProxy answers', () => {
    expect(describeChromiumProxy('DIRECT')).toBe("directly (the system's proxy settings)");
    expect(describeChromiumProxy('')).toBe("directly (the system's proxy settings)");
    expect(describeChromiumProxy('PROXY proxy.corp:3128; DIRECT')).toBe("through the proxy http://proxy.corp:3128/ (the system's proxy settings)");
    expect(describeChromiumProxy('HTTPS secure.corp:443')).toBe("through the proxy https://secure.corp/ (the system's proxy settings)");
    expect(describeChromiumProxy('SOCKS5 socks.corp:1080')).toBe("through the proxy socks5://socks.corp:1080 (the system's proxy settings)");
  });
});

describe('the CLI fetch with a proxy', () => {
  let origin: Server;
  let originPort = 0;
  let proxy: ConnectProxy;

  beforeAll(async () => {
    origin = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, host: req.headers.host }));
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', () => resolve()));
    originPort = (origin.address() as { port: number }).port;
    proxy = await startConnectProxy({ 'idp.test:80': `127.0.0.1:${originPort}` });
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => origin.close(resolve));
  });

  it('is no wrapper at all without a proxy variable', () => {
    expect(createNetworkFetch({})).toBeUndefined();
  });

  it('reaches a name only the proxy knows, with the proxy credentials from the URL', async () => {
    const direct: string[] = [];
    const networkFetch = createNetworkFetch({ HTTP_PROXY: `http://alice:s3cret@127.0.0.1:${proxy.port}` }, (input) => {
      direct.push(String(input));
      return Promise.reject(new TypeError('fetch failed'));
    });
    if (!networkFetch) throw new Error('expected a fetch');
    const before = proxy.records.length;
    const response = await networkFetch('http://idp.test/.well-known/openid-configuration', { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ path: '/.well-known/openid-configuration', host: 'idp.test' });
    const seen = proxy.records.slice(before);
    // undici tunnels plain http through CONNECT too.
    expect(seen.map((r) => `${r.kind} ${r.target}`)).toEqual(['connect idp.test:80']);
    expect(seen[0]?.proxyAuthorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect(direct).toEqual([]);
    // A Request object (as some callers pass) works too.
    const viaRequest = await networkFetch(new Request('http://idp.test/token', { method: 'POST', body: 'a=1' }));
    expect(((await viaRequest.json()) as { path: string }).path).toBe('/token');
  });

  it('sends NO_PROXY destinations direct, past the proxy', async () => {
    const direct: string[] = [];
    const networkFetch = createNetworkFetch({ HTTP_PROXY: proxy.url, NO_PROXY: 'idp.test,127.0.0.1' }, (input) => {
      direct.push(String(input));
      return fetch(`http://127.0.0.1:${originPort}/direct`);
    });
    if (!networkFetch) throw new Error('expected a fetch');
    const before = proxy.records.length;
    await networkFetch('http://idp.test/x');
    await networkFetch(`http://127.0.0.1:${originPort}/y`);
    expect(direct).toEqual(['http://idp.test/x', `http://127.0.0.1:${originPort}/y`]);
    expect(proxy.records.length).toBe(before);
  });

  it('sends a destination on this machine through a proxy that reaches it, and directly when the proxy refuses it or is down', async () => {
    const direct: string[] = [];
    const directFetch = (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      direct.push(String(input));
      return fetch(input, init);
    };
    // A proxy that can reach this machine's origin (a local proxy): the request goes through it.
    const reaching = await startConnectProxy({ [`127.0.0.1:${originPort}`]: `127.0.0.1:${originPort}` });
    try {
      const viaProxy = createNetworkFetch({ HTTP_PROXY: reaching.url }, directFetch);
      if (!viaProxy) throw new Error('expected a fetch');
      const answer = await viaProxy(`http://127.0.0.1:${originPort}/through`, { method: 'POST', body: 'grant_type=refresh_token' });
      expect(((await answer.json()) as { path: string }).path).toBe('/through');
      expect(reaching.records.map((r) => `${r.kind} ${r.target}`)).toEqual([`connect 127.0.0.1:${originPort}`]);
      expect(direct).toEqual([]);
    } finally {
      await reaching.close();
    }

    // A proxy elsewhere that cannot reach this machine (it answers the CONNECT with 502): asked directly, the
    // POST sent once, and that origin is not offered to the proxy again.
    const before = proxy.records.length;
    const refused = createNetworkFetch({ HTTP_PROXY: proxy.url }, directFetch);
    if (!refused) throw new Error('expected a fetch');
    const first = await refused(`http://127.0.0.1:${originPort}/token`, { method: 'POST', body: 'grant_type=refresh_token' });
    expect(((await first.json()) as { path: string }).path).toBe('/token');
    await refused(`http://127.0.0.1:${originPort}/again`);
    expect(proxy.records.slice(before).map((r) => `${r.kind} ${r.target}`)).toEqual([`connect 127.0.0.1:${originPort}`]);
    expect(direct).toEqual([`http://127.0.0.1:${originPort}/token`, `http://127.0.0.1:${originPort}/again`]);

    // A proxy that is down: this machine is asked directly; a name elsewhere fails as before.
    direct.length = 0;
    const down = createNetworkFetch({ HTTP_PROXY: 'http://127.0.0.1:9' }, directFetch);
    if (!down) throw new Error('expected a fetch');
    expect((await down(`http://127.0.0.1:${originPort}/down`)).status).toBe(200);
    expect(direct).toEqual([`http://127.0.0.1:${originPort}/down`]);
  });

  it('makes a proxy that cannot be used a network error for every request', async () => {
    const networkFetch = createNetworkFetch({ HTTPS_PROXY: 'socks5://proxy:1080' });
    if (!networkFetch) throw new Error('expected a fetch');
    const error = await networkFetch('https://idp.example/').catch((e: unknown) => e);
    expect(isAuthError(error, 'network')).toBe(true);
  });

  it('reports a proxy that is down as a network failure (fetch failed), never as an answer', async () => {
    const networkFetch = createNetworkFetch({ HTTP_PROXY: 'http://127.0.0.1:9' });
    if (!networkFetch) throw new Error('expected a fetch');
    const error = (await networkFetch('http://idp.test/').catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/fetch failed/);
  });
});
