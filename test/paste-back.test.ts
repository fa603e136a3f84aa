/**
 * Paste-back sign-in (`latchkey login --no-browser`), at the loopback listener: a pasted redirect address is
 * checked exactly like a request the listener receives (its origin and path, this sign-in's state, one code or
 * one error). A paste that is not this sign-in's redirect is refused with a coded error and the wait goes on; an
 * error answer ends the sign-in with its code; a good one is handed over and the listener closes, so nothing can
 * use it afterwards. Then through the engine with the demo provider and Chromium (its request to the listener
 * stopped inside the browser): a pasted redirect goes through the same code exchange as a loopback hit, `iss`
 * check included. The whole flow through the CLI is in cli-headless.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError } from '../src/shared/errors';
import { startLoopbackServer, type LoopbackServer } from '../src/main/auth/loopback-server';
import { createLatchkey } from '../src/main/app';
import { startDemoProvider } from '../src/main/idp';
import { freePort, tempHome, writeGenericProviderConfig } from './helpers/engine-fixture';
import { completeDemoSignIn } from './helpers/system-browser';
import { useCleanups, useSystemBrowser } from './helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

const running: LoopbackServer[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) {
    server.cancel();
    await server.close();
  }
});

async function start(timeoutMs = 20_000): Promise<{ server: LoopbackServer; state: string }> {
  const state = randomBytes(16).toString('base64url');
  const server = await startLoopbackServer({ expectedState: state, timeoutMs, holdMs: 10_000 });
  running.push(server);
  return { server, state };
}

function codeOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AuthError) return err.code;
    throw err;
  }
  return 'accepted';
}

function track(promise: Promise<unknown>): { settled: boolean } {
  const tracker = { settled: false };
  promise.then(
    () => (tracker.settled = true),
    () => (tracker.settled = true),
  );
  return tracker;
}

describe('a pasted redirect address', () => {
  it('is refused, and the wait goes on, unless it is this sign-in\'s redirect; then it is handed over and the listener closes', async () => {
    const { server, state } = await start();
    const tracker = track(server.callback);
    const redirect = new URL(server.redirectUri);
    const good = `${server.redirectUri}?code=the-code&state=${state}&iss=http%3A%2F%2F127.0.0.1%3A4600`;

    expect(codeOf(() => server.submit('not an address'))).toBe('invalid_callback');
    expect(codeOf(() => server.submit(good.replace('/callback', '/elsewhere')))).toBe('invalid_callback');
    expect(codeOf(() => server.submit(good.replace(`:${redirect.port}/`, `:${Number(redirect.port) + 1}/`)))).toBe('invalid_callback');
    expect(codeOf(() => server.submit(good.replace('http://127.0.0.1', 'http://localhost')))).toBe('invalid_callback');
    expect(codeOf(() => server.submit(good.replace('http:', 'https:')))).toBe('invalid_callback');
    expect(codeOf(() => server.submit(good.replace(`state=${state}`, `state=${state}x`)))).toBe('state_mismatch');
    expect(codeOf(() => server.submit(good.replace(`&state=${state}`, '')))).toBe('state_mismatch');
    expect(codeOf(() => server.submit(good.replace('code=the-code&', '')))).toBe('invalid_callback');
    expect(codeOf(() => server.submit(good.replace('code=the-code', 'code=a&code=b')))).toBe('invalid_callback');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tracker.settled).toBe(false);
    // The listener still answers while the wait goes on.
    expect((await fetch(`${server.redirectUri}?state=wrong&code=x`)).status).toBe(400);

    // Copied with a terminal's bracketed-paste markers, quotes and spaces, and without the scheme some address
    // bars hide.
    expect(codeOf(() => server.submit(`\u001b[200~  "${good.slice('http://'.length)}"  \u001b[201~`))).toBe('accepted');
    const callback = await server.callback;
    expect(callback.url.href).toBe(good);
    callback.finish({ ok: true, title: 'You are signed in', detail: 'no browser to tell' });
    await server.close();
    // The listener is gone: the same redirect can no longer reach anything.
    await expect(fetch(good)).rejects.toThrow();
    // A late paste is no longer taken.
    expect(codeOf(() => server.submit(good))).toBe('invalid_argument');
  });

  it('with the provider\'s error answer and this sign-in\'s state, ends the sign-in with that error', async () => {
    const { server, state } = await start();
    expect(codeOf(() => server.submit(`${server.redirectUri}?error=access_denied&error_description=The+user+said+no&state=${state}`))).toBe('accepted');
    await expect(server.callback).rejects.toMatchObject({ code: 'access_denied', message: 'The provider declined the sign-in: The user said no' });
    await server.close();
    await expect(fetch(server.redirectUri)).rejects.toThrow();
  });

  it('with an error answer of another sign-in (wrong state), is refused and changes nothing', async () => {
    const { server } = await start();
    const tracker = track(server.callback);
    expect(codeOf(() => server.submit(`${server.redirectUri}?error=access_denied&state=forged`))).toBe('state_mismatch');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tracker.settled).toBe(false);
  });

  it('loses to the browser\'s own return: once the loopback hit has come, a paste is no longer taken', async () => {
    const { server, state } = await start();
    const hit = fetch(`${server.redirectUri}?code=from-browser&state=${state}`);
    const callback = await server.callback;
    expect(callback.url.searchParams.get('code')).toBe('from-browser');
    expect(codeOf(() => server.submit(`${server.redirectUri}?code=pasted&state=${state}`))).toBe('invalid_argument');
    callback.finish({ ok: true, title: 'You are signed in', detail: 'done' });
    expect(await (await hit).text()).toContain('You are signed in');
  });

  it('after the timeout, is no longer taken', async () => {
    const { server, state } = await start(200);
    await expect(server.callback).rejects.toMatchObject({ code: 'timeout' });
    expect(codeOf(() => server.submit(`${server.redirectUri}?code=late&state=${state}`))).toBe('invalid_argument');
  });
});

describe('completeSignIn through the engine', () => {
  /** Signs in at the demo provider in Chromium with the way back to the listener stopped; the address it ended on. */
  async function signInElsewhere(link: string, listenerOrigin: string): Promise<string> {
    const page = await systemBrowser().newPage();
    await page.context().clearCookies();
    let ended: string | undefined;
    const cdp = await page.context().newCDPSession(page);
    cdp.on('Fetch.requestPaused', (event: { requestId: string; request: { url: string } }) => {
      ended = event.request.url;
      void cdp.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'ConnectionRefused' }).catch(() => undefined);
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${listenerOrigin}/*`, requestStage: 'Request' }] });
    try {
      await page.goto(link);
      await completeDemoSignIn(page, { user: 'alice' }).catch(() => undefined);
    } finally {
      await page.close();
    }
    if (!ended) throw new Error('the browser never went back to the loopback address');
    return ended;
  }

  it('exchanges a pasted redirect like a loopback hit: a changed iss fails the sign-in, the real one signs in', async () => {
    const home = await tempHome();
    defer(home.cleanup);
    const port = await freePort();
    const provider = await startDemoProvider({ dataDir: join(home.dir, 'provider'), port });
    defer(() => provider.close());
    await writeGenericProviderConfig(home.configPath, `http://127.0.0.1:${port}`);
    const opened: string[] = [];
    const latchkey = await createLatchkey({
      configPath: home.configPath,
      keychainService: home.keychainService,
      openBrowser: async (url) => {
        opened.push(url);
      },
      embeddedProvider: false,
      role: 'cli',
    });
    defer(() => latchkey.close());
    await latchkey.restore();
    expect(() => latchkey.completeSignIn('http://127.0.0.1:1/callback?code=x&state=y')).toThrow(expect.objectContaining({ code: 'invalid_argument' }));

    // The issuer named in the pasted address is checked as in the loopback redirect (RFC 9207).
    const first = latchkey.engine.signIn('local', { noBrowser: true });
    first.catch(() => undefined);
    await expect.poll(() => latchkey.engine.getState().signIn?.authorizationUrl).toBeTruthy();
    const progress = latchkey.engine.getState().signIn;
    const ended = await signInElsewhere(progress?.authorizationUrl as string, new URL(progress?.redirectUri as string).origin);
    const forged = new URL(ended);
    expect(forged.searchParams.get('iss')).toBe(`http://127.0.0.1:${port}`);
    forged.searchParams.set('iss', 'http://127.0.0.1:1');
    latchkey.completeSignIn(forged.href);
    await expect(first).rejects.toMatchObject({ code: 'invalid_callback' });
    expect(latchkey.engine.getState().accounts).toEqual([]);

    const second = latchkey.engine.signIn('local', { noBrowser: true });
    await expect.poll(() => latchkey.engine.getState().signIn?.authorizationUrl).toBeTruthy();
    const again = latchkey.engine.getState().signIn;
    latchkey.completeSignIn(await signInElsewhere(again?.authorizationUrl as string, new URL(again?.redirectUri as string).origin));
    await expect(second).resolves.toMatchObject({ subject: 'alice', signedIn: true });
    // No browser was ever opened by Latchkey.
    expect(opened).toEqual([]);
  });
});
