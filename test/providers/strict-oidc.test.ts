/**
 * A generic OpenID Connect provider (`issuer:` + `client_id`) that is strict where real servers are strict
 * (test/emulators/strict-oidc.ts), with Chromium as the system browser, the real keychain and real files:
 * exact redirect URIs (a pinned `redirect_uri`, a list whose first port is taken, and the waiting hint when
 * nothing was pinned), refusals of a refresh token with an empty 400 body against a network failure, sign-out
 * pages that need `id_token_hint`, revocation that needs client authentication, the token endpoint's client
 * authentication chosen from discovery, PKCE S256 required, plain http only to loopback endpoints, and RFC 9207
 * `iss` with and without it.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SessionEngine, SessionState } from '../../src/shared/session';
import { isAuthError, type AuthError } from '../../src/shared/errors';
import { startStrictOidcEmulator, type StrictOidcEmulator, type StrictOidcOptions } from '../emulators';
import { assertCliBuilt, cliEnv, runCli } from '../helpers/cli-runner';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import { emulatorEngine, emulatorOpener, vaultFor, writeProvidersConfig } from '../helpers/emulator-fixture';
import { useCleanups, useSystemBrowser } from '../helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

const CLIENT_ID = 'latchkey-strict-client';
const CLIENT_SECRET = 'strict-client-secret';

/** One `providers:` entry for the strict emulator; `extra` lines go under it as they are. */
function strictEntry(name: string, emulator: { issuer: string }, ...extra: string[]): string {
  return `  ${name}:\n    label: Strict OIDC\n    issuer: ${emulator.issuer}\n    client_id: ${CLIENT_ID}\n${extra.map((line) => `    ${line}\n`).join('')}`;
}

async function strictEmulator(options: Omit<StrictOidcOptions, 'clientId'> = {}): Promise<StrictOidcEmulator> {
  const emulator = await startStrictOidcEmulator({ clientId: CLIENT_ID, ...options });
  defer(() => emulator.close());
  return emulator;
}

async function home(): Promise<TempHome> {
  const created = await tempHome();
  defer(created.cleanup);
  return created;
}

function tokenRequests(emulator: StrictOidcEmulator): number {
  return emulator.log.filter((r) => r.method === 'POST' && r.path.split('?')[0] === '/token').length;
}

async function yamlOf(at: TempHome): Promise<{ credentials: { usernames: Record<string, Record<string, unknown>> } }> {
  return parse(await readFile(at.configPath, 'utf8'));
}

/** Resolves with the first state (now or later) that satisfies `predicate`. */
function stateWhere(engine: SessionEngine, predicate: (state: SessionState) => boolean, timeoutMs = 10_000): Promise<SessionState> {
  const now = engine.getState();
  if (predicate(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error('the expected state did not come'));
    }, timeoutMs);
    const unsubscribe = engine.onStateChange((state) => {
      if (!predicate(state)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(state);
    });
  });
}

/** What a promise rejected with (fails the test when it resolved). */
async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isAuthError(outcome)) throw new Error(`expected an AuthError, got ${String(outcome)}`);
  return outcome;
}

describe('OpenID Connect provider that compares redirect URIs exactly', () => {
  it('without redirect_uri the browser never comes back and the waiting hint says what to register; a pinned URI and a list with a busy first port work', async () => {
    const [first, second] = [await freePort(), await freePort()];
    const pinned = `http://127.0.0.1:${first}/callback`;
    const fallback = `http://127.0.0.1:${second}/callback`;
    const emulator = await strictEmulator({ exactRedirectUris: [pinned, fallback] });
    const at = await home();
    await writeProvidersConfig(at, strictEntry('strict', emulator));
    const users = ['alice', 'bob'];
    const opener = emulatorOpener(systemBrowser(), () => users.shift() as string);
    const latchkey = await emulatorEngine(at, opener, { waitingHintAfterMs: 500 });
    defer(() => latchkey.close());
    await latchkey.restore();

    // Not pinned: an ephemeral port, which the provider refuses with its error page (no redirect, RFC 6749 §4.1.2.1).
    const attempt = latchkey.engine.signIn('strict');
    const waiting = await stateWhere(latchkey.engine, (state) => state.signIn?.waitingHint !== undefined);
    const hint = waiting.signIn?.waitingHint ?? '';
    expect(hint).toContain('http://127.0.0.1/callback');
    expect(hint).toContain('redirect_uri');
    expect(hint).toContain('"strict"');
    expect(hint).toContain(at.configPath);
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(opener.results[0]).toMatch(/redirect_uri is not registered/);
    latchkey.engine.cancelSignIn();
    const cancelled = await rejection(attempt);
    expect(cancelled.code).toBe('cancelled');
    expect(latchkey.engine.getState()).toMatchObject({ signIn: null, accounts: [] });
    expect((await yamlOf(at)).credentials.usernames).toEqual({});
    expect(tokenRequests(emulator)).toBe(0);

    // Pinned to the registered URI: signed in.
    await writeProvidersConfig(at, strictEntry('strict', emulator, `redirect_uri: ${pinned}`));
    await latchkey.engine.reload();
    const alice = await latchkey.engine.signIn('strict');
    expect(alice).toMatchObject({ key: 'strict:alice-7f3c', name: 'Alice Strict', email: 'alice@strict.example', signedIn: true });
    expect(emulator.lastAuthorizationRequest?.['redirect_uri']).toBe(pinned);

    // A list: the first port is held by another program, so the second registered URI is used.
    const blocker = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(first, '127.0.0.1', resolve));
    defer(() => new Promise((resolve) => blocker.close(resolve)));
    await writeProvidersConfig(at, strictEntry('strict', emulator, `redirect_uri: ${JSON.stringify([pinned, fallback])}`));
    await latchkey.engine.reload();
    expect(latchkey.engine.listProviders()[0]?.redirectUris).toEqual([pinned, fallback]);
    const bob = await latchkey.engine.signIn('strict');
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(bob).toMatchObject({ key: 'strict:bob-91d2', signedIn: true });
    expect(emulator.lastAuthorizationRequest?.['redirect_uri']).toBe(fallback);
    expect(opener.results).toHaveLength(3);
    for (const page of opener.results.slice(1)) expect(page).toMatch(/You are signed in/);
  });

  describe('the CLI', () => {
    beforeAll(() => assertCliBuilt());

    it('latchkey login signs in through the pinned redirect URI', async () => {
      const port = await freePort();
      const pinned = `http://127.0.0.1:${port}/callback`;
      const emulator = await strictEmulator({ exactRedirectUris: [pinned] });
      const at = await home();
      await writeProvidersConfig(at, strictEntry('strict', emulator, `redirect_uri: ${pinned}`));
      const env = cliEnv(at, 'alice');
      const login = await runCli(env, 'login');
      expect(login.stderr).toMatch(/Opening your browser to sign in with Strict OIDC/);
      expect(login).toMatchObject({ code: 0, stdout: 'Signed in as Alice Strict <alice@strict.example> via Strict OIDC\n' });
      expect(emulator.lastAuthorizationRequest?.['redirect_uri']).toBe(pinned);
      const status = await runCli(env, 'status');
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/^Signed in as Alice Strict <alice@strict\.example> via Strict OIDC \(account strict:alice-7f3c\)/);
    });
  });
});

describe('refresh refused with an empty HTTP 400 body', () => {
  it('ends the session with a recorded reason; a network failure keeps it', async () => {
    const emulator = await strictEmulator({ emptyBodyRefusals: true });
    const at = await home();
    await writeProvidersConfig(at, strictEntry('strict', emulator));
    const opener = emulatorOpener(systemBrowser(), 'alice');
    const latchkey = await emulatorEngine(at, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    const account = await latchkey.engine.signIn('strict');
    await opener.settled();
    expect(opener.failures).toEqual([]);
    const tokens = await vaultFor(at).get(account.key);
    expect(tokens?.refreshToken).toBeTruthy();

    // The person removed the app's access at the provider.
    const grant = emulator.tokens.find(tokens?.refreshToken);
    emulator.tokens.revokeGrant(grant?.grantId as string);
    const before = tokenRequests(emulator);
    const refused = await rejection(latchkey.engine.refreshNow(account.key));
    expect(refused.code).toBe('invalid_grant');
    expect(tokenRequests(emulator)).toBe(before + 1);
    expect(emulator.tokenRefusals.at(-1)).toMatchObject({ error: 'invalid_grant' });

    const summary = latchkey.engine.getState().accounts.find((a) => a.key === account.key);
    expect(summary?.signedIn).toBe(false);
    expect(summary?.signedOutReason).toMatch(/refused the refresh token \(HTTP 400, no explanation given\).*Sign in again/);
    const record = (await yamlOf(at)).credentials.usernames[account.key];
    expect(record).toMatchObject({ logged_in: false, signed_out_reason: summary?.signedOutReason });
    expect(await vaultFor(at).get(account.key)).toBeNull();
    const notSignedIn = await rejection(latchkey.getAccessToken(account.key));
    expect(notSignedIn.code).toBe('not_signed_in');
    expect(notSignedIn.message).toMatch(/no explanation given/);
    expect(tokenRequests(emulator)).toBe(before + 1);

    // Contrast: signed in again, then the provider cannot be reached at all. Nothing is deleted.
    const again = await latchkey.engine.signIn('strict');
    await opener.settled();
    const kept = await vaultFor(at).get(again.key);
    await emulator.close();
    const offline = await rejection(latchkey.engine.refreshNow(again.key));
    expect(offline.code).toBe('network');
    expect(latchkey.engine.getState().accounts.find((a) => a.key === again.key)).toMatchObject({ signedIn: true, connectivity: 'offline' });
    expect((await yamlOf(at)).credentials.usernames[again.key]).toMatchObject({ logged_in: true });
    expect((await yamlOf(at)).credentials.usernames[again.key]?.['signed_out_reason']).toBeUndefined();
    expect(await vaultFor(at).get(again.key)).toEqual(kept);
    // The access token has not expired: it still works offline.
    expect(await latchkey.getAccessToken(again.key)).toBe(kept?.accessToken);
  });
});

describe('sign-out page that needs id_token_hint', () => {
  it('opens the end-session URL from the main process with the ID token; the browser lands on Latchkey\'s signed-out page', async () => {
    const port = await freePort();
    const postLogout = `http://127.0.0.1:${port}/signed-out`;
    const emulator = await strictEmulator({ requireIdTokenHint: true, postLogoutRedirectUris: [postLogout] });
    const at = await home();
    await writeProvidersConfig(at, strictEntry('strict', emulator, `post_logout_redirect_uri: ${postLogout}`));
    const opener = emulatorOpener(systemBrowser(), 'alice');
    const latchkey = await emulatorEngine(at, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    const account = await latchkey.engine.signIn('strict');
    await opener.settled();
    expect(emulator.sessions.has('alice')).toBe(true);
    const idToken = (await vaultFor(at).get(account.key))?.idToken as string;
    expect(idToken).toBeTruthy();

    const result = await latchkey.engine.signOut({ accountKey: account.key });
    expect(result).toMatchObject({ accountKey: account.key, revoked: true, revocation: 'revoked', endSessionAvailable: true });
    expect(JSON.stringify(result)).not.toContain(idToken);
    expect(JSON.stringify(latchkey.engine.getState())).not.toContain(idToken);
    expect(await readFile(at.configPath, 'utf8')).not.toContain(idToken);
    expect(emulator.logouts).toEqual([]);

    await latchkey.engine.openEndSession(account.key);
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(emulator.logouts).toHaveLength(1);
    expect(emulator.logouts[0]).toMatchObject({ validIdTokenHint: true, ended: true });
    expect(emulator.logouts[0]?.params).toMatchObject({ id_token_hint: idToken, post_logout_redirect_uri: postLogout, client_id: CLIENT_ID });
    expect(emulator.logouts[0]?.redirectedTo?.startsWith(postLogout)).toBe(true);
    expect(emulator.sessions.has('alice')).toBe(false);
    expect(opener.results.at(-1)).toMatch(/You are signed out/);
    // One use: the URL with the ID token is gone from memory.
    expect((await rejection(latchkey.engine.openEndSession(account.key))).code).toBe('invalid_argument');
  });
});

describe('revocation that requires client authentication', () => {
  it('a public client is refused and told so (and the log says not revoked); a confidential client revokes', async () => {
    const emulator = await strictEmulator({ revocationRequiresClientAuth: true });
    const at = await home();
    await writeProvidersConfig(at, strictEntry('strict', emulator));
    const opener = emulatorOpener(systemBrowser(), 'alice');
    const latchkey = await emulatorEngine(at, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    const account = await latchkey.engine.signIn('strict');
    await opener.settled();
    const tokens = await vaultFor(at).get(account.key);

    const result = await latchkey.engine.signOut({ accountKey: account.key });
    expect(result).toMatchObject({ revoked: false, revocation: 'refused' });
    expect(result.revocationDetail).toMatch(/client that authenticates/);
    expect(result.revocationDetail).toMatch(/stays valid/);
    expect(emulator.revocations).toEqual([{ token: tokens?.refreshToken, status: 401, clientAuthMethod: 'none' }]);
    expect(emulator.tokens.isRevoked(tokens?.refreshToken as string)).toBe(false);
    // Signed out here all the same.
    expect(await vaultFor(at).get(account.key)).toBeNull();
    const events = await latchkey.engine.recentEvents();
    expect(events.find((e) => e.kind === 'sign_out' && e.accountKey === account.key)?.detail).toMatch(/^not revoked \(refused\): .*client that authenticates/);
    const lines = (await readFile(join(at.dir, 'auth-events.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { kind: string; detail?: string });
    expect(lines.some((e) => e.kind === 'sign_out' && /not revoked \(refused\)/.test(e.detail ?? ''))).toBe(true);

    const confidential = await strictEmulator({ revocationRequiresClientAuth: true, clientSecret: CLIENT_SECRET });
    const secretHome = await home();
    await writeProvidersConfig(secretHome, strictEntry('strict', confidential, `client_secret: ${CLIENT_SECRET}`));
    const second = await emulatorEngine(secretHome, opener);
    defer(() => second.close());
    await second.restore();
    const signedIn = await second.engine.signIn('strict');
    await opener.settled();
    const secretTokens = await vaultFor(secretHome).get(signedIn.key);
    const revoked = await second.engine.signOut({ accountKey: signedIn.key });
    expect(revoked).toMatchObject({ revoked: true, revocation: 'revoked' });
    expect(revoked.revocationDetail).toBeUndefined();
    expect(confidential.revocations).toEqual([{ token: secretTokens?.refreshToken, status: 200, clientAuthMethod: 'client_secret_basic' }]);
    expect(confidential.tokens.isRevoked(secretTokens?.refreshToken as string)).toBe(true);
    expect(confidential.tokens.isRevoked(secretTokens?.accessToken as string)).toBe(true);
    expect((await second.engine.recentEvents()).find((e) => e.kind === 'sign_out')?.detail).toBe('revoked at the provider');
  });
});

describe('token endpoint client authentication', () => {
  it('follows discovery (basic when advertised, post when only that is), and an explicit token_endpoint_auth_method wins', async () => {
    const postOnly = await strictEmulator({ clientSecret: CLIENT_SECRET, tokenEndpointAuthMethods: ['client_secret_post'] });
    const both = await strictEmulator({ clientSecret: CLIENT_SECRET, tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'] });
    const at = await home();
    await writeProvidersConfig(
      at,
      strictEntry('postonly', postOnly, `client_secret: ${CLIENT_SECRET}`) +
        strictEntry('both', both, `client_secret: ${CLIENT_SECRET}`) +
        strictEntry('explicit', both, `client_secret: ${CLIENT_SECRET}`, 'token_endpoint_auth_method: client_secret_post'),
    );
    const opener = emulatorOpener(systemBrowser(), 'alice');
    const latchkey = await emulatorEngine(at, opener);
    defer(() => latchkey.close());
    await latchkey.restore();

    const viaPost = await latchkey.engine.signIn('postonly');
    await latchkey.engine.refreshNow(viaPost.key);
    expect(postOnly.clientAuthMethods).toEqual(['client_secret_post', 'client_secret_post']);

    await latchkey.engine.signIn('both');
    expect(both.clientAuthMethods).toEqual(['client_secret_basic']);
    await latchkey.engine.signIn('explicit');
    expect(both.clientAuthMethods).toEqual(['client_secret_basic', 'client_secret_post']);
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(postOnly.tokenRefusals).toEqual([]);
    expect(both.tokenRefusals).toEqual([]);
    expect(latchkey.engine.getState().accounts.filter((a) => a.signedIn).map((a) => a.provider)).toEqual(['postonly', 'both', 'explicit']);
  });
});

describe('PKCE', () => {
  it('a provider without S256 is refused with the way out; pkce: false signs in with a warning that is logged', async () => {
    const emulator = await strictEmulator({ codeChallengeMethods: ['plain'] });
    const at = await home();
    await writeProvidersConfig(at, strictEntry('strict', emulator) + strictEntry('nopkce', emulator, 'pkce: false'));
    const opener = emulatorOpener(systemBrowser(), 'alice');
    const latchkey = await emulatorEngine(at, opener);
    defer(() => latchkey.close());
    await latchkey.restore();

    const refused = await rejection(latchkey.engine.signIn('strict'));
    expect(refused.code).toBe('provider_error');
    expect(refused.message).toMatch(/does not support PKCE with S256 \(it lists: plain\)/);
    expect(refused.hint).toMatch(/pkce: false/);
    expect(opener.opened).toEqual([]);
    expect(emulator.authorizationRequests).toEqual([]);
    expect(latchkey.engine.getState().lastSignInError).toMatchObject({ code: 'provider_error' });

    const providers = latchkey.engine.listProviders();
    expect(providers.find((p) => p.name === 'strict')?.warning).toBeUndefined();
    expect(providers.find((p) => p.name === 'nopkce')?.warning).toMatch(/PKCE is switched off.*pkce: false/);
    const account = await latchkey.engine.signIn('nopkce');
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(account).toMatchObject({ provider: 'nopkce', signedIn: true });
    expect(emulator.lastAuthorizationRequest?.['code_challenge']).toBeUndefined();
    expect(emulator.lastAuthorizationRequest?.['code_challenge_method']).toBeUndefined();
    const events = await latchkey.engine.recentEvents();
    expect(events.some((e) => /nopkce without PKCE \(pkce: false\)/.test(e.detail ?? ''))).toBe(true);
  });
});

describe('plain http only to loopback endpoints', () => {
  it('refuses a discovery document on 127.0.0.1 whose token endpoint is plain http elsewhere, before any browser opens', async () => {
    const requests: string[] = [];
    let issuer = '';
    const server: Server = createHttpServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url !== '/.well-known/openid-configuration') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          // `.invalid` never resolves (RFC 2606): nothing could ever be sent there.
          token_endpoint: 'http://attacker.invalid/token',
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise((resolve) => server.close(resolve)));
    const address = server.address();
    issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const at = await home();
    await writeProvidersConfig(at, strictEntry('leaky', { issuer }));
    const opener = emulatorOpener(systemBrowser(), 'alice');
    const latchkey = await emulatorEngine(at, opener);
    defer(() => latchkey.close());
    await latchkey.restore();

    const refused = await rejection(latchkey.engine.signIn('leaky'));
    expect(refused.code).toBe('provider_error');
    expect(refused.message).toMatch(/insecure token_endpoint \(http:\/\/attacker\.invalid\/token\)/);
    expect(opener.opened).toEqual([]);
    expect(requests).toEqual(['/.well-known/openid-configuration']);
    expect(latchkey.engine.getState().signIn).toBeNull();
  });
});

describe('RFC 9207 iss in the authorization response', () => {
  it('signs in without it (the default) and with it', async () => {
    const without = await strictEmulator();
    const withIss = await strictEmulator({ issInAuthorizationResponse: true });
    const at = await home();
    await writeProvidersConfig(at, strictEntry('plain', without) + strictEntry('withiss', withIss));
    // Keep the pages, to see where the browser came back to.
    const pages: Page[] = [];
    const browser = systemBrowser();
    const opener = emulatorOpener({ newPage: async () => pages[pages.push(await browser.newPage()) - 1] as Page }, 'alice');
    const latchkey = await emulatorEngine(at, opener);
    defer(() => latchkey.close());
    await latchkey.restore();

    const first = await latchkey.engine.signIn('plain');
    const second = await latchkey.engine.signIn('withiss');
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(first).toMatchObject({ key: 'plain:alice-7f3c', signedIn: true });
    expect(second).toMatchObject({ key: 'withiss:alice-7f3c', signedIn: true });
    expect(opener.results).toHaveLength(2);
    for (const page of opener.results) expect(page).toMatch(/You are signed in/);
    const callbacks = pages.map((page) => new URL(page.url()));
    expect(callbacks.map((url) => url.pathname)).toEqual(['/callback', '/callback']);
    expect(callbacks[0]?.searchParams.has('iss')).toBe(false);
    expect(callbacks[1]?.searchParams.get('iss')).toBe(withIss.issuer);
  });
});
