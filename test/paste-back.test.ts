/**
 * Paste-back sign-in (`latchkey login --no-browser`), at the loopback listener: a pasted redirect address is
 * checked exactly like a request the listener receives (its origin and path, this sign-in's state, one code or
 * one error). A paste that is not this sign-in's redirect is refused with a coded error and the wait goes on; an
 * error answer ends the sign-in with its code; a good one is handed over and the listener closes, so nothing can
 * use it afterwards. The whole flow through the CLI and Chromium is in cli-paste-back.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError } from '../src/shared/errors';
import { startLoopbackServer, type LoopbackServer } from '../src/main/auth/loopback-server';

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
