/**
 * DPoP (RFC 9449) end to end with the real demo provider and its demo API (both requiring server nonces),
 * Chromium as the system browser, the real keychain and real files:
 * - a sign-in binds the tokens to a per-account key that is kept only in the sealed token set;
 * - a copied access token is refused by the demo API without that key (as Bearer, as DPoP without a proof, with
 *   another key's proof), and accepted with a proof by that key — so it is bound to exactly that key;
 * - a captured proof is refused when replayed, and for another URL;
 * - a copied refresh token is refused without the key, and the session is unharmed;
 * - nonces are learned (one `use_dpop_nonce`, then retried) and one nonce serves the provider and its API;
 * - another process refreshes with the same key and calls the API, and this one carries on after it;
 * - `dpop: off` gives a Bearer session; `dpop: required` refuses a provider that does not offer DPoP before the
 *   browser opens, and a preset that cannot do it already in config.yaml.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../src/main/app';
import { startDemoProvider, type DemoProvider } from '../src/main/idp';
import { configSchema } from '../src/main/store/schema';
import { SecretVault } from '../src/main/store/secrets';
import { isAuthError } from '../src/shared/errors';
import { startPlainOAuthEmulator } from './emulators';
import { bundleForChild, runNodeChild } from './helpers/bundle-for-child';
import { sessionKeyPair } from './helpers/dpop-proof';
import { freePort, tempHome, type TempHome } from './helpers/engine-fixture';
import type { DpopChildReport } from './helpers/dpop-child';
import { createBrowserOpener } from './helpers/system-browser';
import { useCleanups, useSystemBrowser } from './helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

interface Setup {
  home: TempHome;
  provider: DemoProvider;
  port: number;
  latchkey: Latchkey;
  vault: SecretVault;
  accountKey: string;
  /** Every token-endpoint and API answer this engine got: status and error code. */
  answers: Array<{ path: string; status: number; error?: string; proof: boolean; authorization?: string; dpopHeader?: string }>;
}

/** The demo provider on its own port (as `latchkey idp`), an engine on it, and alice signed in. */
async function signedIn(extra = ''): Promise<Setup> {
  const home = await tempHome();
  defer(home.cleanup);
  const port = await freePort();
  await writeFile(home.configPath, `providers:\n  demo: { label: Demo, embedded: true, port: ${port}${extra} }\napis:\n  demo: { provider: demo }\n`, { mode: 0o600 });
  const provider = await startDemoProvider({ dataDir: join(home.dir, 'demo-provider'), port });
  defer(() => provider.close());
  const answers: Setup['answers'] = [];
  const latchkey = await createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    openBrowser: createBrowserOpener(systemBrowser(), { user: 'alice', consent: 'allow' }).openBrowser,
    embeddedProvider: { port },
    role: 'cli',
    fetch: async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const response = await fetch(input, init);
      if (url.pathname === '/token' || url.pathname.startsWith('/api/')) {
        const headers = new Headers(init?.headers);
        const body = url.pathname === '/token' && response.status >= 400 ? ((await response.clone().json()) as { error?: string }) : undefined;
        const error = body?.error ?? /error="([a-z_]+)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
        answers.push({
          path: url.pathname + url.search,
          status: response.status,
          proof: headers.has('dpop'),
          ...(error ? { error } : {}),
          ...(headers.get('authorization') ? { authorization: headers.get('authorization') as string } : {}),
          ...(headers.get('dpop') ? { dpopHeader: headers.get('dpop') as string } : {}),
        });
      }
      return response;
    },
  });
  defer(() => latchkey.close());
  await latchkey.restore();
  const account = await latchkey.engine.signIn('demo');
  return { home, provider, port, latchkey, vault: new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') }), accountKey: account.key, answers };
}

/** A Configuration for talking to the demo provider directly, as any other program could. */
async function outsider(issuer: string): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), 'latchkey-desktop', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
}

/** The error code of a WWW-Authenticate challenge, of an API answer or of what openid-client threw. */
function challengeError(from: Response | unknown): string | undefined {
  if (from instanceof Response) return /error="([a-z_]+)"/.exec(from.headers.get('www-authenticate') ?? '')?.[1];
  if (from instanceof oidc.WWWAuthenticateChallengeError) return from.cause[0]?.parameters.error;
  return undefined;
}

async function protectedStatus(configuration: oidc.Configuration, token: string, url: URL, keyPair?: oidc.CryptoKeyPair): Promise<{ status: number; error?: string }> {
  try {
    const response = await oidc.fetchProtectedResource(configuration, token, url, 'GET', undefined, undefined, keyPair ? { DPoP: oidc.getDPoPHandle(configuration, keyPair) } : undefined);
    return { status: response.status };
  } catch (error) {
    const response = (error as { response?: Response }).response;
    return { status: response?.status ?? -1, ...(challengeError(error) ? { error: challengeError(error) } : {}) };
  }
}

describe('DPoP with the demo provider and its API', () => {
  it('binds the tokens to a key kept only in the vault: a copied access token is refused without that key', async () => {
    const { home, provider, latchkey, vault, accountKey } = await signedIn();
    const tokens = await vault.get(accountKey);
    expect(tokens?.tokenType?.toLowerCase()).toBe('dpop');
    expect(Object.keys(tokens?.dpopKey ?? {}).sort()).toEqual(['crv', 'd', 'kty', 'x', 'y']);
    expect(latchkey.engine.getState().accounts[0]?.dpop).toBe(true);
    for (const file of [home.configPath, join(home.dir, 'auth-events.jsonl')]) {
      const text = await readFile(file, 'utf8');
      expect(text).not.toContain(tokens?.dpopKey?.d as string);
      expect(text).not.toContain(tokens?.accessToken as string);
    }

    const token = tokens?.accessToken as string;
    const me = new URL(`${provider.issuer}/api/me`);
    // Someone who copied the access token: as a Bearer token, as DPoP without a proof, and with their own key.
    const asBearer = await fetch(me, { headers: { authorization: `Bearer ${token}` } });
    expect([asBearer.status, challengeError(asBearer)]).toEqual([401, 'invalid_token']);
    const noProof = await fetch(me, { headers: { authorization: `DPoP ${token}` } });
    expect([noProof.status, challengeError(noProof)]).toEqual([401, 'invalid_dpop_proof']);
    const configuration = await outsider(provider.issuer);
    const otherKey = await oidc.randomDPoPKeyPair('ES256');
    expect(await protectedStatus(configuration, token, me, otherKey)).toEqual({ status: 401, error: 'invalid_dpop_proof' });
    // The same token with proofs by the key in the vault works: it is bound to exactly that key.
    expect(await protectedStatus(configuration, token, me, (await sessionKeyPair(tokens)) as oidc.CryptoKeyPair)).toEqual({ status: 200 });
    // And through Latchkey, of course.
    expect((await latchkey.engine.fetchApi('demo', { path: '/me' })).body).toMatchObject({ sub: 'alice', dpop: true });
  });

  it('refuses a captured proof when it is replayed, and for another URL', async () => {
    const { provider, latchkey, answers } = await signedIn();
    await latchkey.engine.fetchApi('demo', { path: '/projects', query: { days: 3 } });
    const sent = answers.filter((a) => a.path.startsWith('/api/projects') && a.status === 200).at(-1);
    expect(sent?.authorization?.startsWith('DPoP ')).toBe(true);
    const headers = { authorization: sent?.authorization as string, dpop: sent?.dpopHeader as string };
    const replay = await fetch(`${provider.issuer}${sent?.path as string}`, { headers });
    expect(replay.status).toBe(401);
    expect(challengeError(replay)).toBe('invalid_dpop_proof');
    expect(((await replay.json()) as { message: string }).message).toMatch(/used before/);
    const elsewhere = await fetch(`${provider.issuer}/api/me`, { headers });
    expect(elsewhere.status).toBe(401);
    expect(((await elsewhere.json()) as { message: string }).message).toMatch(/another URL/);
  });

  it('refuses a copied refresh token without the key, and the session carries on', async () => {
    const { provider, latchkey, vault, accountKey } = await signedIn();
    const tokens = await vault.get(accountKey);
    const configuration = await outsider(provider.issuer);
    for (const options of [undefined, { DPoP: oidc.getDPoPHandle(configuration, await oidc.randomDPoPKeyPair('ES256')) }]) {
      const refused = await oidc.refreshTokenGrant(configuration, tokens?.refreshToken as string, undefined, options).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect((refused as { error?: string }).error).toBe('invalid_grant');
    }
    const summary = await latchkey.engine.refreshNow(accountKey);
    expect(summary.signedIn).toBe(true);
    expect((await vault.get(accountKey))?.refreshToken).not.toBe(tokens?.refreshToken);
    expect((await latchkey.engine.fetchApi('demo', { path: '/me' })).status).toBe(200);
  });

  it('learns the server nonce once: one use_dpop_nonce at the token endpoint, then the API takes the same nonce', async () => {
    const { latchkey, answers } = await signedIn();
    // The code exchange with a brand-new key: refused for want of a nonce, retried once with it.
    expect(answers.filter((a) => a.path === '/token')).toEqual([
      expect.objectContaining({ status: 400, error: 'use_dpop_nonce', proof: true }),
      expect.objectContaining({ status: 200, proof: true }),
    ]);
    // The API on the same origin accepts the nonce learned there: no second refusal.
    await latchkey.engine.fetchApi('demo', { path: '/me' });
    await latchkey.engine.fetchApi('demo', { path: '/projects' });
    expect(answers.filter((a) => a.path.startsWith('/api/')).map((a) => a.status)).toEqual([200, 200]);
  });

  it('refreshes in another process with the same key, and this process carries on after it', async () => {
    const { home, port, latchkey, vault, accountKey, answers } = await signedIn();
    const before = await vault.get(accountKey);
    answers.length = 0;
    const child = await runNodeChild(await bundleForChild('test/helpers/dpop-child.ts'), [home.configPath, home.keychainService, String(port)], { env: process.env });
    expect(child.code, child.stderr).toBe(0);
    const report = (JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as { result: DpopChildReport }).result;
    expect(report.error).toBeUndefined();
    expect(report.refreshed).toBe(true);
    expect(report.proofsSent).toBe(true);
    // A new process has no nonce yet: the first proof is answered use_dpop_nonce, the retry goes through.
    expect(report.token).toEqual([{ status: 400, error: 'use_dpop_nonce' }, { status: 200 }]);
    expect(report.api.at(-1)).toEqual({ status: 200 });
    expect(report.me).toMatchObject({ status: 200, dpop: true, body: { sub: 'alice' } });

    const after = await vault.get(accountKey);
    expect(after?.dpopKey).toEqual(before?.dpopKey); // the same key, read from the vault
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    // This process adopts the rotation, then refreshes with the same key itself.
    await latchkey.engine.refreshNow(accountKey);
    await latchkey.engine.refreshNow(accountKey);
    expect(answers.filter((a) => a.path === '/token').every((a) => a.proof && (a.status === 200 || a.error === 'use_dpop_nonce'))).toBe(true);
    expect((await latchkey.engine.fetchApi('demo', { path: '/me' })).status).toBe(200);
    expect(latchkey.engine.getState().accounts[0]?.signedIn).toBe(true);
  });
});

describe('dpop settings', () => {
  it('dpop: off signs in with a Bearer token, which the demo API takes as Bearer', async () => {
    const { latchkey, vault, accountKey, answers } = await signedIn(', dpop: off');
    const tokens = await vault.get(accountKey);
    expect(tokens?.tokenType?.toLowerCase()).toBe('bearer');
    expect(tokens?.dpopKey).toBeUndefined();
    const answer = await latchkey.engine.fetchApi('demo', { path: '/me' });
    expect(answer).toMatchObject({ status: 200, dpop: false, body: { dpop: false } });
    expect(answers.every((a) => !a.proof)).toBe(true);
    expect(answers.filter((a) => a.path.startsWith('/api/')).every((a) => a.authorization?.startsWith('Bearer '))).toBe(true);
  });

  it('dpop: required refuses a provider that does not offer DPoP before the browser opens', async () => {
    const emulator = await startPlainOAuthEmulator({ clientId: 'plain', clientSecret: 'plain-secret' });
    defer(() => emulator.close());
    const home = await tempHome();
    defer(home.cleanup);
    await writeFile(
      home.configPath,
      `providers:\n  plain:\n    client_id: plain\n    client_secret: plain-secret\n    authorization_endpoint: ${emulator.authorizationEndpoint}\n    token_endpoint: ${emulator.tokenEndpoint}\n    userinfo_endpoint: ${emulator.userinfoEndpoint}\n    claims: { subject: id }\n    dpop: required\n`,
      { mode: 0o600 },
    );
    const opened: string[] = [];
    const latchkey = await createLatchkey({ configPath: home.configPath, keychainService: home.keychainService, openBrowser: async (url) => void opened.push(url), embeddedProvider: false, role: 'cli' });
    defer(() => latchkey.close());
    await latchkey.restore();
    const error = await latchkey.engine.signIn('plain').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAuthError(error, 'provider_error')).toBe(true);
    expect((error as Error).message).toMatch(/dpop: required/);
    expect(opened).toEqual([]);
  });

  it('config.yaml: dpop is auto, required or off; a preset that cannot do DPoP cannot require it', () => {
    const base = { providers: { demo: { embedded: true } } };
    expect(configSchema.safeParse({ providers: { demo: { embedded: true, dpop: 'off' } } }).success).toBe(true);
    expect(configSchema.safeParse({ providers: { demo: { embedded: true, dpop: 'sometimes' } } }).success).toBe(false);
    expect(configSchema.safeParse({ providers: { gh: { preset: 'github', client_id: 'x', client_secret: 'y', dpop: 'required' } } }).success).toBe(false);
    expect(configSchema.safeParse({ providers: { gh: { preset: 'github', client_id: 'x', client_secret: 'y', dpop: 'auto' } } }).success).toBe(true);
    // apis: need a configured provider, and a base_url unless the provider is the built-in one.
    expect(configSchema.safeParse({ ...base, apis: { demo: { provider: 'demo' } } }).success).toBe(true);
    expect(configSchema.safeParse({ ...base, apis: { x: { provider: 'nobody', base_url: 'https://api.example.com' } } }).success).toBe(false);
    expect(configSchema.safeParse({ providers: { ...base.providers, gh: { preset: 'github', client_id: 'x', client_secret: 'y' } }, apis: { gh: { provider: 'gh' } } }).success).toBe(false);
    expect(configSchema.safeParse({ ...base, apis: { x: { provider: 'demo', base_url: 'http://api.example.com' } } }).success).toBe(false);
    expect(configSchema.safeParse({ ...base, apis: { x: { provider: 'demo', base_url: 'https://api.example.com/v1?key=1' } } }).success).toBe(false);
    expect(configSchema.safeParse({ ...base, apis: { x: { provider: 'demo', base_url: 'https://api.example.com', token: 'x' } } }).success).toBe(false);
  });
});
