/**
 * The loopback redirect server, exercised for real: each test starts the server on an ephemeral port and
 * talks to it over TCP with fetch (or node:http where fetch cannot express the request).
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isAuthError } from '../src/shared/errors';
import { startLoopbackServer, type LoopbackServer, type LoopbackServerOptions } from '../src/main/auth/loopback-server';
import { escapeHtml, renderResultPage } from '../src/main/auth/result-page';

const running: LoopbackServer[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) {
    server.cancel();
    await server.close();
  }
});

async function start(options: Partial<LoopbackServerOptions> = {}): Promise<{ server: LoopbackServer; state: string }> {
  const state = randomBytes(16).toString('base64url');
  const server = await startLoopbackServer({ expectedState: state, timeoutMs: 20_000, holdMs: 10_000, ...options });
  running.push(server);
  return { server, state };
}

function callbackUrl(server: LoopbackServer, params: Record<string, string>): string {
  return `${server.redirectUri}?${new URLSearchParams(params).toString()}`;
}

/** Lets a test see whether a promise has settled without waiting for it. */
function track(promise: Promise<unknown>): { settled: boolean } {
  const tracker = { settled: false };
  promise.then(
    () => (tracker.settled = true),
    () => (tracker.settled = true),
  );
  return tracker;
}

/** One turn of the event loop, so that anything already decided has had its chance to settle. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The network error code fetch reports for a request that could not be made. */
async function fetchFailure(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url);
    await res.text();
  } catch (error) {
    return ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
  }
  return undefined;
}

/** The error of a fresh TCP connection to the port (fetch may reuse a pooled socket instead). */
function connectFailure(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

/** A raw request, for what fetch will not send (a foreign Host header, huge headers). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function expectRejection(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAuthError(error), `expected an AuthError, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  return error as Error;
}

describe('loopback redirect server', () => {
  it('listens on 127.0.0.1 with an ephemeral port and the /callback path', async () => {
    const { server } = await start();
    expect(server.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(new URL(server.redirectUri).port).not.toBe('0');
  });

  it('hands over a valid callback and sends the success page when finish() is called', async () => {
    const { server, state } = await start();
    const code = 'code-' + randomBytes(12).toString('hex');
    const responsePromise = fetch(callbackUrl(server, { code, state, iss: 'https://idp.example' }));

    const callback = await server.callback;
    expect(callback.url.origin + callback.url.pathname).toBe(server.redirectUri);
    expect(callback.url.searchParams.get('code')).toBe(code);
    expect(callback.url.searchParams.get('state')).toBe(state);
    expect(callback.url.searchParams.get('iss')).toBe('https://idp.example');

    callback.finish({ ok: true, title: 'Signed in', detail: 'You are signed in as Ada.' });
    const res = await responsePromise;
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body).toContain('<h1>Signed in</h1>');
    expect(body).toContain('You are signed in as Ada.');
    expect(body).toContain('You can close this tab and return to Latchkey.');
    expect(body).not.toContain(code);
    expect(body).not.toContain(state);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'; style-src 'unsafe-inline'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(server.rejectedCount).toBe(0);

    // Once the held response is answered, the server closes by itself.
    await server.close();
    expect(await fetchFailure(server.redirectUri)).toBe('ECONNREFUSED');
  });

  it('answers a failed finish() with a failure page that shows the error code', async () => {
    const { server, state } = await start();
    const responsePromise = fetch(callbackUrl(server, { code: 'abc', state }));
    const callback = await server.callback;
    callback.finish({ ok: false, error: { code: 'invalid_grant', message: 'The provider refused the <code>.', hint: 'Try again.' } });
    const res = await responsePromise;
    const body = await res.text();
    expect(body).toContain('Sign-in failed');
    expect(body).toContain('invalid_grant');
    expect(body).toContain('The provider refused the &lt;code&gt;. Try again.');
  });

  it('rejects a wrong state with 400 and keeps waiting for the real callback', async () => {
    const { server, state } = await start();
    const settled = track(server.callback);

    const res = await fetch(callbackUrl(server, { code: 'forged', state: 'not-the-state' }));
    const body = await res.text();
    expect(res.status).toBe(400);
    expect(body).toContain('This sign-in link does not belong to the sign-in Latchkey is waiting for.');
    expect(body).toContain('state_mismatch');
    expect(body).not.toContain('forged');
    expect(body).not.toContain(state);
    await tick();
    expect(settled.settled).toBe(false);
    expect(server.rejectedCount).toBe(1);

    const responsePromise = fetch(callbackUrl(server, { code: 'real', state }));
    const callback = await server.callback;
    expect(callback.url.searchParams.get('code')).toBe('real');
    callback.finish({ ok: true, title: 'Signed in', detail: 'Done.' });
    expect((await responsePromise).status).toBe(200);
  });

  it('rejects a callback without state, or with the state given twice, and keeps waiting', async () => {
    const { server, state } = await start();
    const settled = track(server.callback);
    const missing = await fetch(callbackUrl(server, { code: 'abc' }));
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('state_mismatch');
    const twice = await fetch(`${server.redirectUri}?code=abc&state=${state}&state=${state}`);
    expect(twice.status).toBe(400);
    await twice.text();
    const empty = await fetch(`${server.redirectUri}?code=abc&state=`);
    expect(empty.status).toBe(400);
    await empty.text();
    await tick();
    expect(settled.settled).toBe(false);
    expect(server.rejectedCount).toBe(3);
  });

  it('ends the sign-in with invalid_callback when the state matches but there is no code', async () => {
    const { server, state } = await start();
    const res = await fetch(callbackUrl(server, { state }));
    const body = await res.text();
    expect(res.status).toBe(400);
    expect(body).toContain('invalid_callback');
    expect(body).not.toContain(state);
    await expectRejection(server.callback, 'invalid_callback');
    await server.close();
    expect(await fetchFailure(server.redirectUri)).toBe('ECONNREFUSED');
  });

  it('ends the sign-in with access_denied when the person declined', async () => {
    const { server, state } = await start();
    const res = await fetch(callbackUrl(server, { error: 'access_denied', error_description: 'End-User aborted interaction', state }));
    const body = await res.text();
    expect(body).toContain('Sign-in declined');
    expect(body).toContain('access_denied');
    expect(body).toContain('End-User aborted interaction');
    const error = await expectRejection(server.callback, 'access_denied');
    expect(error.message).toContain('End-User aborted interaction');
  });

  it('ends the sign-in with provider_error for other errors and escapes their description in the page', async () => {
    const { server, state } = await start();
    const description = '<script>alert("x")</script> & more';
    const res = await fetch(callbackUrl(server, { error: 'server_error', error_description: description, state }));
    const body = await res.text();
    expect(body).not.toContain('<script>');
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(body).toContain('provider_error');
    const error = await expectRejection(server.callback, 'provider_error');
    expect(error.message).toContain('server_error');
  });

  it('never repeats the state or code, even when a provider echoes them in error_description', async () => {
    const { server, state } = await start();
    const res = await fetch(callbackUrl(server, { error: 'invalid_request', error_description: `bad state ${state}`, state }));
    const body = await res.text();
    expect(body).not.toContain(state);
    const error = await expectRejection(server.callback, 'provider_error');
    expect(error.message).not.toContain(state);
  });

  it('answers any further request with an "already handled" page while the callback is held', async () => {
    const { server, state } = await start();
    const responsePromise = fetch(callbackUrl(server, { code: 'abc', state }));
    const callback = await server.callback;

    const again = await fetch(callbackUrl(server, { code: 'abc', state }));
    const body = await again.text();
    expect(again.status).toBe(410);
    expect(body).toContain('already received the answer');
    expect(body).not.toContain(state);
    expect(server.rejectedCount).toBe(1);

    callback.finish({ ok: true, title: 'Signed in', detail: 'Done.' });
    expect((await responsePromise).status).toBe(200);
  });

  it('times out, rejects with timeout and refuses connections afterwards', async () => {
    const { server } = await start({ timeoutMs: 50 });
    await expectRejection(server.callback, 'timeout');
    await server.close();
    expect(await fetchFailure(server.redirectUri)).toBe('ECONNREFUSED');
  });

  it('cancel() rejects with cancelled, closes, and is idempotent', async () => {
    const { server } = await start();
    server.cancel();
    server.cancel();
    await expectRejection(server.callback, 'cancelled');
    await server.close();
    await server.close();
    expect(await fetchFailure(server.redirectUri)).toBe('ECONNREFUSED');
  });

  it('close() before any callback rejects with cancelled', async () => {
    const { server } = await start();
    await server.close();
    await expectRejection(server.callback, 'cancelled');
  });

  it('cancel() after the callback arrived answers the held browser request with a cancelled page', async () => {
    const { server, state } = await start();
    const responsePromise = fetch(callbackUrl(server, { code: 'abc', state }));
    const callback = await server.callback;
    server.cancel();
    const body = await (await responsePromise).text();
    expect(body).toContain('Sign-in cancelled');
    callback.finish({ ok: true, title: 'Signed in', detail: 'Too late.' });
    await server.close();
    expect(await fetchFailure(server.redirectUri)).toBe('ECONNREFUSED');
  });

  it('aborting the signal cancels; an already aborted signal refuses to start', async () => {
    const controller = new AbortController();
    const { server } = await start({ signal: controller.signal });
    controller.abort();
    await expectRejection(server.callback, 'cancelled');
    await server.close();
    expect(await fetchFailure(server.redirectUri)).toBe('ECONNREFUSED');

    await expectRejection(startLoopbackServer({ expectedState: 'x', signal: controller.signal }), 'cancelled');
  });

  it('answers other paths with 404 and other methods with 405, and keeps waiting', async () => {
    const { server, state } = await start();
    const settled = track(server.callback);
    const origin = new URL(server.redirectUri).origin;

    const notFound = await fetch(`${origin}/favicon.ico`);
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('content-security-policy')).toContain("default-src 'none'");
    await notFound.text();
    const nested = await fetch(`${origin}/callback/extra?code=abc&state=${state}`);
    expect(nested.status).toBe(404);
    await nested.text();

    const post = await fetch(callbackUrl(server, { code: 'abc', state }), { method: 'POST', body: 'x=1' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    await post.text();

    await tick();
    expect(settled.settled).toBe(false);
    expect(server.rejectedCount).toBe(3);
  });

  it('ignores requests addressed to another host name (DNS rebinding) and keeps waiting', async () => {
    const { server, state } = await start();
    const settled = track(server.callback);
    const res = await rawGet(callbackUrl(server, { code: 'abc', state }), { Host: `evil.example:${new URL(server.redirectUri).port}` });
    expect(res.status).toBe(400);
    expect(res.body).not.toContain(state);
    await tick();
    expect(settled.settled).toBe(false);
    expect(server.rejectedCount).toBe(1);
  });

  it('lets Node refuse oversized request headers', async () => {
    const { server } = await start();
    const res = await rawGet(server.redirectUri, { 'X-Filler': 'a'.repeat(20 * 1024) });
    expect(res.status).toBe(431);
  });

  it('is bound to 127.0.0.1 only: another loopback address on the same port is refused', async () => {
    const { server } = await start();
    const port = new URL(server.redirectUri).port;
    // Reachable where it should be...
    const ok = await fetch(`http://127.0.0.1:${port}/elsewhere`);
    expect(ok.status).toBe(404);
    await ok.text();
    // ...and not on the rest of 127/8, which a bind to all interfaces would accept.
    expect(await fetchFailure(`http://127.0.0.2:${port}/callback`)).toBe('ECONNREFUSED');
  });

  it('sends a neutral page when finish() is not called within holdMs, and then closes', async () => {
    const { server, state } = await start({ holdMs: 50 });
    const responsePromise = fetch(callbackUrl(server, { code: 'held-code', state }));
    const callback = await server.callback;
    const res = await responsePromise;
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body).toContain('Return to Latchkey');
    expect(body).toContain('You can close this tab and return to Latchkey.');
    expect(body).not.toContain('held-code');
    callback.finish({ ok: true, title: 'Signed in', detail: 'Too late for the page.' });
    await server.close();
    expect(await fetchFailure(server.redirectUri)).toBe('ECONNREFUSED');
  });

  it('closes when the browser gives up on the held request', async () => {
    const { server, state } = await start();
    const controller = new AbortController();
    const responsePromise = fetch(callbackUrl(server, { code: 'abc', state }), { signal: controller.signal });
    const callback = await server.callback;
    controller.abort();
    await expect(responsePromise).rejects.toThrow();
    // close() would wait for finish() or holdMs (10 s) if the dropped request still counted as held.
    await server.close();
    // fetch keeps the aborted request's socket in its pool and may try it again, so connect afresh.
    expect(await connectFailure(Number(new URL(server.redirectUri).port))).toBe('ECONNREFUSED');
    callback.finish({ ok: true, title: 'Signed in', detail: 'Nobody is listening.' });
  });

  it('uses the given app name in its pages', async () => {
    const { server } = await start({ appName: 'Latchkey Dev' });
    const res = await fetch(callbackUrl(server, { code: 'abc', state: 'wrong' }));
    expect(await res.text()).toContain('You can close this tab and return to Latchkey Dev.');
  });
});

describe('result page', () => {
  it('escapes every HTML-significant character', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('escapes title, detail, code and app name, and works in light and dark', () => {
    const page = renderResultPage({ ok: false, title: '<b>T</b>', detail: '<i>D</i>', code: '<c>', appName: '<App>' });
    expect(page).not.toMatch(/<(b|i|c|App)>/);
    expect(page).toContain('&lt;b&gt;T&lt;/b&gt;');
    expect(page).toContain('&lt;i&gt;D&lt;/i&gt;');
    expect(page).toContain('Error code: <code>&lt;c&gt;</code>');
    expect(page).toContain('return to &lt;App&gt;.');
    expect(page).toContain('prefers-color-scheme: dark');
    expect(page).not.toContain('<script');
  });
});
