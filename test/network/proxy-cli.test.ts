/**
 * The `latchkey` command behind a company proxy: the provider (an https OpenID Connect emulator under the
 * special-use name `idp.test`, with a certificate made by openssl for this run and trusted through
 * NODE_EXTRA_CA_CERTS) is reachable ONLY through a local CONNECT proxy that maps the name to its port; the name
 * is never looked up in DNS. Chromium, playing the system browser, reaches it through the same proxy
 * (--proxy-server), while the loopback redirect back to Latchkey bypasses the proxy as Chromium's implicit
 * rules say. A sign-in, `status` and a `token` refresh work with HTTPS_PROXY set and the proxy sees the
 * provider's host for each; with NO_PROXY=idp.test the same sign-in fails with a network error. `latchkey
 * doctor` reaches the provider the same way and says which proxy applies. The proxy code (undici) is loaded
 * only by a request that goes through the proxy. The built-in demo provider, on this machine, is reached through
 * a proxy that can reach it, and directly when the proxy cannot (a company proxy refusing 127.0.0.1).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStrictOidcEmulator, type StrictOidcEmulator } from '../emulators';
import { assertCliBuilt, cliEnv, runCli } from '../helpers/cli-runner';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import { writeProvidersConfig } from '../helpers/emulator-fixture';

const run = promisify(execFile);
const CLIENT_ID = 'latchkey-proxy-client';
const ACCESS_TTL_SECONDS = 4;

let certDir = '';
let emulator: StrictOidcEmulator;
let proxy: ConnectProxy;
let home: TempHome;

function tokenRequests(): number {
  return emulator.log.filter((r) => r.method === 'POST' && r.path === '/token').length;
}

/** The CLI's proxy URL carries credentials, the browser's does not: the proxy tells their requests apart. */
const CLI_PROXY_AUTH = `Basic ${Buffer.from('latchkey:proxy-pass').toString('base64')}`;

function cliProxyUrl(): string {
  return `http://latchkey:proxy-pass@127.0.0.1:${proxy.port}`;
}

/** CONNECTs the CLI made through the proxy to `target`. */
function cliConnectsTo(target: string): number {
  return cliRecords().filter((r) => r.kind === 'connect' && r.target === target).length;
}

function cliRecords(): ConnectProxy['records'] {
  return proxy.records.filter((r) => r.proxyAuthorization === CLI_PROXY_AUTH);
}

function env(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = cliEnv(home, 'alice', {
    NODE_EXTRA_CA_CERTS: join(certDir, 'cert.pem'),
    // The test browser: through the proxy to idp.test (it does not know this run's certificate authority).
    LATCHKEY_TEST_BROWSER_ARGS: `--proxy-server=${proxy.url} --ignore-certificate-errors`,
    ...extra,
  });
  for (const name of ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']) {
    if (!(name in extra)) delete base[name];
  }
  return base;
}

beforeAll(async () => {
  assertCliBuilt();
  certDir = await mkdtemp(join(tmpdir(), 'latchkey-proxy-cert-'));
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=idp.test',
    '-addext', 'subjectAltName=DNS:idp.test', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
  ]);
  emulator = await startStrictOidcEmulator({
    clientId: CLIENT_ID,
    accessTokenTtlSeconds: ACCESS_TTL_SECONDS,
    rotateRefreshTokens: true,
    tls: { key: await readFile(join(certDir, 'key.pem'), 'utf8'), cert: await readFile(join(certDir, 'cert.pem'), 'utf8'), publicUrl: 'https://idp.test' },
  });
  proxy = await startConnectProxy({ 'idp.test:443': `127.0.0.1:${emulator.port}` });
  home = await tempHome();
  await writeProvidersConfig(home, `  corp:\n    label: Corp SSO\n    issuer: ${emulator.issuer}\n    client_id: ${CLIENT_ID}\n`);
});

afterAll(async () => {
  await proxy?.close();
  await emulator?.close();
  await home?.cleanup();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

describe('latchkey behind a proxy', () => {
  it('signs in, answers status and refreshes a token with HTTPS_PROXY, all through the proxy', async () => {
    expect(emulator.issuer).toBe('https://idp.test');
    const proxied = env({ HTTPS_PROXY: cliProxyUrl() });

    const login = await runCli(proxied, 'login', '--provider', 'corp');
    expect(login.stderr).not.toMatch(/could not be reached/);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('alice@strict.example');
    // Discovery and the code exchange went through the proxy (the token endpoint's host), and nothing else
    // reached the provider: its only way in is the proxy.
    expect(cliConnectsTo('idp.test:443')).toBeGreaterThan(0);
    expect(tokenRequests()).toBe(1);
    expect(cliRecords().every((r) => r.kind === 'connect' && r.target === 'idp.test:443')).toBe(true);

    const status = await runCli(proxied, 'status');
    expect(status.code, status.stderr).toBe(0);

    // Let the access token expire: `token` refreshes it at the token endpoint, through the proxy.
    await new Promise((resolve) => setTimeout(resolve, ACCESS_TTL_SECONDS * 1000 + 200));
    const before = cliConnectsTo('idp.test:443');
    // (On a slow machine `status` may already have refreshed; the token it got has expired again by now.)
    const grantsBefore = tokenRequests();
    const token = await runCli(proxied, 'token');
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout.trim()).toMatch(/^\S{16,}$/);
    expect(tokenRequests()).toBe(grantsBefore + 1);
    expect(cliConnectsTo('idp.test:443')).toBeGreaterThan(before);
    const refresh = emulator.log.filter((r) => r.path === '/token').at(-1);
    expect(new URLSearchParams(refresh?.body).get('grant_type')).toBe('refresh_token');
  });

  it('latchkey doctor reaches the provider through the proxy and names it without its credentials', async () => {
    const before = cliConnectsTo('idp.test:443');
    const result = await runCli(env({ HTTPS_PROXY: cliProxyUrl() }), 'doctor');
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('discovery document loaded: https://idp.test/.well-known/openid-configuration');
    expect(result.stdout).toContain(`requests go through the proxy http://127.0.0.1:${proxy.port}/`);
    expect(result.stdout).toMatch(/\[ok\] Clock against "corp"/);
    expect(result.stdout).not.toContain('proxy-pass');
    expect(cliConnectsTo('idp.test:443')).toBe(before + 1);

    const bypassed = await runCli(env({ HTTPS_PROXY: cliProxyUrl(), NO_PROXY: 'idp.test' }), 'doctor');
    expect(bypassed.code).toBe(1);
    expect(bypassed.stdout).toContain('https://idp.test/.well-known/openid-configuration could not be reached: the host name could not be resolved');
    expect(bypassed.stdout).toContain('requests go directly (NO_PROXY names it)');
  });

  it('loads the proxy code only when a request goes through the proxy', async () => {
    // Counts undici's modules in the CLI process at exit (a CommonJS package: they land in require.cache).
    const probe = join(certDir, 'undici-probe.cjs');
    await writeFile(
      probe,
      "process.on('exit', () => { require('node:fs').writeFileSync(process.env.UNDICI_PROBE_OUT, String(Object.keys(require.cache).filter((k) => k.includes('/node_modules/undici/')).length)); });\n",
    );
    // A data folder of its own with no account: restoring an expired session would be a request (a refresh).
    const empty = await tempHome();
    await writeProvidersConfig(empty, `  corp:\n    label: Corp SSO\n    issuer: ${emulator.issuer}\n    client_id: ${CLIENT_ID}\n`);
    const loaded = async (...args: string[]): Promise<number> => {
      const out = join(certDir, `probe-${args.join('-')}.txt`);
      const probeEnv = env({ HTTPS_PROXY: cliProxyUrl(), NODE_OPTIONS: `--require ${probe}`, UNDICI_PROBE_OUT: out });
      const result = await runCli({ ...probeEnv, LATCHKEY_CONFIG: empty.configPath, LATCHKEY_KEYCHAIN_SERVICE: empty.keychainService }, ...args);
      expect(result.code, result.stderr).toBeLessThan(2);
      return Number(await readFile(out, 'utf8'));
    };
    // A proxy variable alone loads nothing: not for the help, not for a command that makes no request.
    expect(await loaded('--help')).toBe(0);
    expect(await loaded('accounts')).toBe(0);
    // A request through the proxy does (which also shows that the probe sees it).
    expect(await loaded('doctor')).toBeGreaterThan(0);
    await empty.cleanup();
  });

  it('reaches the built-in demo provider through a proxy that can reach this machine, and directly through one that cannot', async () => {
    const demoHome = await tempHome();
    const port = await freePort();
    await writeFile(demoHome.configPath, `providers:\n  demo: { label: Demo, embedded: true, port: ${port} }\ncredentials:\n  usernames: {}\n`, { mode: 0o600 });
    // A proxy on this machine, which can reach the demo provider's port.
    const local = await startConnectProxy({ [`127.0.0.1:${port}`]: `127.0.0.1:${port}` });
    const demoTarget = `127.0.0.1:${port}`;
    try {
      const demoEnv = (proxyUrl: string): NodeJS.ProcessEnv => ({ ...env({ HTTP_PROXY: proxyUrl }), LATCHKEY_CONFIG: demoHome.configPath, LATCHKEY_KEYCHAIN_SERVICE: demoHome.keychainService });
      const login = await runCli(demoEnv(local.url), 'login');
      expect(login.code, login.stderr).toBe(0);
      expect(login.stdout).toContain('Signed in as Alice Anders');
      // Discovery, the code exchange and userinfo went through the proxy.
      expect(local.records.filter((r) => r.kind === 'connect' && r.target === demoTarget).length).toBeGreaterThan(0);

      // The shared test proxy plays a company proxy elsewhere: it refuses 127.0.0.1 (502). Latchkey then asks
      // the demo provider directly: the revocation at sign-out happens all the same.
      const before = proxy.records.length;
      const logout = await runCli(demoEnv(cliProxyUrl()), 'logout');
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout).toContain('The provider revoked its tokens.');
      expect(proxy.records.slice(before).filter((r) => r.target === demoTarget).length).toBeGreaterThan(0);
    } finally {
      await local.close();
      await demoHome.cleanup();
    }
  });

  it('honours NO_PROXY: the provider, asked for directly, cannot be reached (network error, nothing through the proxy)', async () => {
    const before = cliRecords().length;
    const direct = await runCli(env({ HTTPS_PROXY: cliProxyUrl(), NO_PROXY: 'idp.test' }), 'login', '--provider', 'corp');
    expect(direct.code).toBe(1);
    expect(direct.stderr).toMatch(/Could not load the provider configuration: the provider could not be reached/);
    expect(direct.stderr).toMatch(/Check your network connection/);
    expect(cliRecords().length).toBe(before);
  });
});
