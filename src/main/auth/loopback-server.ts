/**
 * The one-shot loopback redirect server of a browser sign-in (RFC 8252 §7.3).
 *
 * The provider sends the person's browser back to `http://127.0.0.1:<ephemeral port>/callback`. This
 * server waits for exactly one redirect that carries this sign-in's `state`, hands it to the sign-in flow
 * and holds the browser's request open until the flow has exchanged the code and saved the session, so
 * the page the person sees tells the truth. Then it closes.
 *
 * Anything that can reach 127.0.0.1 can send requests here (other local programs, web pages via the
 * browser), so a request that does not carry the right `state` is answered and ignored: it must never be
 * able to end the person's sign-in. Nothing is logged, and no page ever contains the code or the state.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, type ErrorInfo } from '../../shared/errors';
import { DEFAULT_REDIRECT, describeRedirect, type RedirectTarget } from './provider-resolution';
import { renderResultPage, type ResultPageInput } from './result-page';

/** How the sign-in flow answers the browser once it has finished. */
export type LoopbackOutcome = { ok: true; title: string; detail: string } | { ok: false; error: ErrorInfo };

export interface LoopbackCallback {
  /** The full callback URL the browser was sent to (http://127.0.0.1:<port>/callback?code=...&state=...&iss=...). */
  url: URL;
  /**
   * Answer the browser once the app has finished (token exchange + persistence). Until called, the
   * browser's request is held open (at most `holdMs`, after which a neutral "return to Latchkey" page is
   * sent). Only the first answer counts.
   */
  finish(outcome: LoopbackOutcome): void;
}

export interface LoopbackServer {
  /** http://127.0.0.1:<port>/callback */
  redirectUri: string;
  /** Resolves with the first valid callback; rejects with AuthError on timeout / cancel / error answer. */
  callback: Promise<LoopbackCallback>;
  /**
   * Cancel: rejects `callback` with AuthError('cancelled') and closes. If the callback has already arrived,
   * the held browser request is answered with a "cancelled" page instead. Idempotent.
   */
  cancel(): void;
  /**
   * Closes the listener (after the held response, if any, has been answered). If no callback has arrived
   * yet, `callback` rejects with AuthError('cancelled'). Idempotent.
   */
  close(): Promise<void>;
  /** How many requests were rejected (wrong path, wrong state, ...) — for diagnostics. */
  readonly rejectedCount: number;
  /**
   * The redirect as a person pasted it (the browser that signed in runs on another machine and could not reach
   * this listener). It is checked like a request the listener receives: this listener's origin and path, this
   * sign-in's state, one code or one error. An address that is not this sign-in's redirect is refused with a
   * coded AuthError and the wait goes on (like a stray request to the listener: it must never end the
   * sign-in); an error answer with the right state ends the sign-in with that error; a good one is handed to
   * the flow and the listener closes. Throws AuthError('invalid_argument') once the wait is over.
   */
  submit(pasted: string): void;
}

export interface LoopbackServerOptions {
  /** The `state` sent in the authorization request; only a redirect carrying it is accepted. */
  expectedState: string;
  /** How long to wait for the browser to come back; default 5 minutes, then AuthError('timeout'). */
  timeoutMs?: number;
  /** How long to hold the browser's request open for `finish()`; default 30 seconds. */
  holdMs?: number;
  /** Aborting it cancels the sign-in. */
  signal?: AbortSignal;
  /** The app name used in the pages; default 'Latchkey'. */
  appName?: string;
  /**
   * Where to listen, tried in order: the first whose port is free wins. Default: 127.0.0.1, any free port,
   * `/callback`. Providers that compare redirect URIs exactly need the registered port and path.
   */
  redirects?: RedirectTarget[];
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_HOLD_MS = 30_000;
/** A browser sends its whole request at once; a peer that dribbles headers is not a browser. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Node's own default, stated so that it stays the limit for oversized request headers. */
const MAX_HEADER_SIZE = 16 * 1024;
/** Longer than this, an error_description is left out of messages rather than shown cut off. */
const MAX_DESCRIPTION_LENGTH = 200;

/** Sent with every page: nothing may be cached, framed, sniffed, loaded or leaked via Referer. */
const PAGE_HEADERS: OutgoingHttpHeaders = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // One request per connection: nothing lingers to keep close() waiting.
  Connection: 'close',
};

type Page = Omit<ResultPageInput, 'appName'>;

/** Starts listening on 127.0.0.1 at an ephemeral port and resolves once the redirect URI is known. */
export async function startLoopbackServer(options: LoopbackServerOptions): Promise<LoopbackServer> {
  if (options.expectedState.length === 0) {
    throw new AuthError('internal', 'A sign-in needs a non-empty state to wait for.');
  }
  if (options.signal?.aborted) {
    throw new AuthError('cancelled', 'The sign-in was cancelled before it started.');
  }
  const redirect = new LoopbackRedirect(options);
  await redirect.listen();
  return redirect;
}

class LoopbackRedirect implements LoopbackServer {
  redirectUri = '';
  readonly callback: Promise<LoopbackCallback>;

  private readonly server: Server;
  private readonly appName: string;
  private readonly holdMs: number;
  private readonly timeoutMs: number;
  private readonly expectedStateDigest: Buffer;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = (): void => this.cancel();
  private resolveCallback: (callback: LoopbackCallback) => void = () => {};
  private rejectCallback: (error: AuthError) => void = () => {};
  /** `waiting` for the redirect; `answered` once it came (or the wait ended); then the listener closes. */
  private phase: 'waiting' | 'answered' = 'waiting';
  private rejected = 0;
  private host = '';
  private path = DEFAULT_REDIRECT.path;
  private readonly redirects: RedirectTarget[];
  private timeoutTimer: NodeJS.Timeout | undefined;
  /** Answers the held browser request, if there is one still unanswered. */
  private answerHeld: ((status: number, page: Page) => void) | undefined;
  /** Settles when the last response this server owes (held or failure page) is done. */
  private finalResponse: Promise<void> | undefined;
  private closed: Promise<void> | undefined;

  constructor(options: LoopbackServerOptions) {
    this.appName = options.appName ?? 'Latchkey';
    this.holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.expectedStateDigest = digest(options.expectedState);
    this.signal = options.signal;
    this.redirects = options.redirects && options.redirects.length > 0 ? options.redirects : [DEFAULT_REDIRECT];
    this.callback = new Promise<LoopbackCallback>((resolve, reject) => {
      this.resolveCallback = resolve;
      this.rejectCallback = reject;
    });
    // A caller that cancels without awaiting `callback` must not cause an unhandled rejection; callers that
    // await it still see the rejection.
    this.callback.catch(() => {});
    this.server = createServer(
      { maxHeaderSize: MAX_HEADER_SIZE, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS },
      (req, res) => this.handle(req, res),
    );
    this.server.keepAliveTimeout = 1_000;
  }

  get rejectedCount(): number {
    return this.rejected;
  }

  async listen(): Promise<void> {
    const busy: string[] = [];
    for (const target of this.redirects) {
      try {
        await this.bind(target);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'EADDRINUSE' || (error as { code?: unknown }).code === 'EADDRNOTAVAIL') {
          busy.push(describeRedirect(target));
          continue;
        }
        throw new AuthError('internal', 'Latchkey could not open its local sign-in listener.', { cause: error });
      }
      const { port } = this.server.address() as AddressInfo;
      this.host = `${target.host}:${port}`;
      this.path = target.path;
      this.redirectUri = `http://${this.host}${this.path}`;
      this.timeoutTimer = setTimeout(() => this.endWait(timeoutError(this.timeoutMs)), this.timeoutMs);
      this.signal?.addEventListener('abort', this.onAbort, { once: true });
      return;
    }
    throw new AuthError('redirect_unavailable', `Latchkey cannot listen for the browser's return: ${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} in use by another program.`, {
      hint: 'Close the program using that port, or register another loopback redirect URI at the provider and add it to redirect_uri (a list is allowed: the first free one is used).',
    });
  }

  /** Listens on one loopback address: 127.0.0.1 exactly for 127.0.0.1 and localhost, ::1 for [::1]; never all interfaces. */
  private bind(target: RedirectTarget): Promise<void> {
    const address = target.host === '[::1]' ? '::1' : '127.0.0.1';
    return new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: address, port: target.port, exclusive: true }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  cancel(): void {
    const error = new AuthError('cancelled', 'The sign-in was cancelled.');
    if (this.phase === 'waiting') {
      this.endWait(error);
    } else {
      this.answerHeld?.(200, failurePage(error.toInfo()));
    }
  }

  async close(): Promise<void> {
    if (this.phase === 'waiting') {
      this.endWait(new AuthError('cancelled', 'The sign-in was cancelled.'));
    }
    await this.finalResponse;
    await this.closeListener();
  }

  submit(pasted: string): void {
    if (this.phase !== 'waiting') {
      throw new AuthError('invalid_argument', 'This sign-in is no longer waiting for the browser\'s answer.');
    }
    const url = pastedUrl(pasted, this.host);
    if (url === null || url.protocol !== 'http:' || url.host !== this.host || url.pathname !== this.path || url.username !== '' || url.password !== '') {
      throw new AuthError('invalid_callback', `That is not the address this sign-in is waiting for: it must start with ${this.redirectUri}?`, {
        hint: 'Copy the whole address from the browser\'s address bar after signing in, and paste it here.',
      });
    }
    const params = url.searchParams;
    const state = oneValue(params, 'state');
    if (typeof state !== 'string' || !timingSafeEqual(digest(state), this.expectedStateDigest)) {
      throw new AuthError('state_mismatch', 'That address does not belong to the sign-in Latchkey is waiting for (its state does not match).', {
        hint: 'Paste the address of the browser tab that opened the link printed above.',
      });
    }
    const code = oneValue(params, 'code');
    const error = oneValue(params, 'error');
    if (error !== undefined) {
      this.phase = 'answered';
      clearTimeout(this.timeoutTimer);
      this.rejectCallback(errorAnswer(error, oneValue(params, 'error_description'), typeof code === 'string' ? [state, code] : [state]));
      this.finalResponse = this.closeListener();
      return;
    }
    if (typeof code !== 'string') {
      throw new AuthError('invalid_callback', code === null ? 'That address holds more than one authorization code.' : 'That address holds no authorization code.', {
        hint: 'Copy the whole address, after the provider has sent the browser back (it has code= in it).',
      });
    }
    // The same URL a loopback request would have produced: the code exchange sees no difference.
    const query = url.search.slice(1);
    this.phase = 'answered';
    clearTimeout(this.timeoutTimer);
    // Nobody waits on this listener for a page: it closes now, and the flow's finish() has no browser to answer.
    this.finalResponse = this.closeListener();
    this.resolveCallback({ url: new URL(`${this.redirectUri}?${query}`), finish: () => undefined });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.phase !== 'waiting') {
      return this.reject(res, 410, {
        ok: 'neutral',
        title: 'Sign-in already handled',
        detail: `${this.appName} has already received the answer to this sign-in. Return to ${this.appName} to see the result.`,
      });
    }
    const target = req.url ?? '';
    const queryStart = target.indexOf('?');
    const path = queryStart === -1 ? target : target.slice(0, queryStart);
    const query = queryStart === -1 ? '' : target.slice(queryStart + 1);
    if (path !== this.path) {
      return this.reject(res, 404, {
        ok: false,
        title: 'Not found',
        detail: `This address is not part of the ${this.appName} sign-in.`,
      });
    }
    if (req.method !== 'GET') {
      return this.reject(
        res,
        405,
        { ok: false, title: 'Method not allowed', detail: `The ${this.appName} sign-in only accepts the browser's return from the provider.` },
        { Allow: 'GET' },
      );
    }
    // The provider sends the browser to exactly this host; anything else (e.g. a DNS-rebound web page) is
    // not the sign-in coming back.
    if (req.headers.host !== this.host) {
      return this.reject(res, 400, {
        ok: false,
        title: 'Wrong address',
        detail: `This request was not addressed to the ${this.appName} sign-in.`,
      });
    }
    const params = new URLSearchParams(query);
    const state = oneValue(params, 'state');
    if (typeof state !== 'string' || !timingSafeEqual(digest(state), this.expectedStateDigest)) {
      return this.reject(res, 400, {
        ok: false,
        title: 'Sign-in link not recognised',
        detail: `This sign-in link does not belong to the sign-in ${this.appName} is waiting for. Return to ${this.appName} and start again.`,
        code: 'state_mismatch',
      });
    }
    const code = oneValue(params, 'code');
    const secrets = typeof code === 'string' ? [state, code] : [state];
    const error = oneValue(params, 'error');
    if (error !== undefined) {
      return this.failWith(res, 200, errorAnswer(error, oneValue(params, 'error_description'), secrets));
    }
    if (typeof code !== 'string') {
      const message = code === null ? 'The provider sent more than one authorization code.' : 'The provider sent no authorization code.';
      return this.failWith(res, 400, new AuthError('invalid_callback', message, { hint: 'Start the sign-in again.' }));
    }
    this.accept(new URL(`${this.redirectUri}?${query}`), res);
  }

  /** The one valid redirect: hand it over and hold the browser until the flow calls finish(). */
  private accept(url: URL, res: ServerResponse): void {
    this.phase = 'answered';
    clearTimeout(this.timeoutTimer);
    let answered = false;
    const holdTimer = setTimeout(() => {
      answer(200, {
        ok: 'neutral',
        title: `Return to ${this.appName}`,
        detail: `${this.appName} received the answer from your provider and is finishing the sign-in there.`,
      });
    }, this.holdMs);
    const answer = (status: number, page: Page): void => {
      if (answered) return;
      answered = true;
      clearTimeout(holdTimer);
      if (!res.destroyed) this.send(res, status, page);
    };
    // 'close' fires when the answer has been sent or when the browser gave up on the request (tab closed);
    // either way nothing more is owed to it.
    const done = new Promise<void>((resolve) => {
      res.once('close', () => {
        answered = true;
        clearTimeout(holdTimer);
        resolve();
      });
    });
    this.answerHeld = answer;
    this.finalResponse = done.then(() => this.closeListener());
    this.resolveCallback({
      url,
      finish: (outcome) => answer(200, outcome.ok ? { ok: true, title: outcome.title, detail: outcome.detail } : failurePage(outcome.error)),
    });
  }

  /** A redirect with the right state that ends the sign-in in failure: reject, tell the browser, close. */
  private failWith(res: ServerResponse, status: number, error: AuthError): void {
    this.phase = 'answered';
    clearTimeout(this.timeoutTimer);
    this.rejectCallback(error);
    this.finalResponse = new Promise<void>((resolve) => {
      res.once('close', () => resolve());
      this.send(res, status, failurePage(error.toInfo()));
    }).then(() => this.closeListener());
  }

  /** Timeout or cancel before any redirect arrived. */
  private endWait(error: AuthError): void {
    if (this.phase !== 'waiting') return;
    this.phase = 'answered';
    this.rejectCallback(error);
    void this.closeListener();
  }

  private reject(res: ServerResponse, status: number, page: Page, headers: OutgoingHttpHeaders = {}): void {
    this.rejected += 1;
    this.send(res, status, page, headers);
  }

  private send(res: ServerResponse, status: number, page: Page, headers: OutgoingHttpHeaders = {}): void {
    const body = renderResultPage({ ...page, appName: this.appName });
    res.writeHead(status, { ...PAGE_HEADERS, ...headers, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private closeListener(): Promise<void> {
    if (this.closed === undefined) {
      clearTimeout(this.timeoutTimer);
      this.signal?.removeEventListener('abort', this.onAbort);
      this.closed = new Promise<void>((resolve) => {
        // The callback receives an error only if the server was not listening; closed is closed either way.
        this.server.close(() => resolve());
        // Sockets still open (a slow client, a half-sent request) would keep close() waiting for them.
        this.server.closeAllConnections();
      });
    }
    return this.closed;
  }
}

const ESC = String.fromCharCode(0x1b);

/**
 * The pasted text as a URL: a terminal's bracketed-paste markers, surrounding space and quotes removed, and
 * `http://` added when the person copied the address without its scheme (some address bars hide it). null when
 * it is not a URL at all.
 */
function pastedUrl(pasted: string, host: string): URL | null {
  let text = pasted.split(`${ESC}[200~`).join('').split(`${ESC}[201~`).join('').trim().replace(/^(['"<])(.*)(['">])$/s, '$2').trim();
  if (text.startsWith(`${host}/`)) text = `http://${text}`;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** Hashing both sides gives equal-length inputs, so the comparison time does not depend on the state. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The one value of a parameter: `undefined` when absent or empty (RFC 6749 §3.1: an empty parameter counts
 * as omitted), `null` when it appears more than once (which §3.1 forbids).
 */
function oneValue(params: URLSearchParams, name: string): string | undefined | null {
  const values = params.getAll(name).filter((value) => value !== '');
  if (values.length > 1) return null;
  return values[0];
}

/** Turns an `error` redirect (RFC 6749 §4.1.2.1) into the AuthError the sign-in ends with. */
function errorAnswer(error: string | null, description: string | undefined | null, secrets: string[]): AuthError {
  if (error === null) {
    return new AuthError('invalid_callback', 'The provider sent more than one error.', { hint: 'Start the sign-in again.' });
  }
  const explained = cleanDescription(description, secrets);
  const suffix = explained === undefined ? '.' : `: ${explained}`;
  if (error === 'access_denied') {
    return new AuthError('access_denied', `The provider declined the sign-in${suffix}`, {
      hint: 'Start the sign-in again and allow access when the provider asks.',
    });
  }
  // Error codes are short printable ASCII (§4.1.2.1); anything else is not worth repeating.
  const shown = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(error) ? error : 'unrecognised error';
  return new AuthError('provider_error', `The provider answered with an error (${shown})${suffix}`);
}

/**
 * A provider's error_description, fit to show: control characters removed, the state and code (should a
 * provider echo them) blotted out, and left out entirely when too long to be a sentence.
 */
function cleanDescription(description: string | undefined | null, secrets: string[]): string | undefined {
  if (typeof description !== 'string') return undefined;
  let text = description.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').trim();
  for (const secret of secrets) text = text.split(secret).join('…');
  if (text.length === 0 || text.length > MAX_DESCRIPTION_LENGTH) return undefined;
  return text;
}

function failurePage(error: ErrorInfo): Page {
  const title = error.code === 'access_denied' ? 'Sign-in declined' : error.code === 'cancelled' ? 'Sign-in cancelled' : 'Sign-in failed';
  const detail = error.hint === undefined ? error.message : `${error.message} ${error.hint}`;
  return { ok: false, title, detail, code: error.code };
}

function timeoutError(timeoutMs: number): AuthError {
  const minutes = Math.round(timeoutMs / 60_000);
  const span = minutes >= 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : 'the time allowed';
  return new AuthError('timeout', `The browser did not come back from the provider within ${span}.`, {
    hint: 'Start the sign-in again.',
  });
}
