/**
 * Shared plumbing of the provider emulators: a bounded HTTP server on 127.0.0.1 that records every
 * request, small response helpers, client authentication parsing (RFC 6749 §2.3.1), PKCE verification
 * (RFC 7636) and a clock that tests can move forward so expiry can be exercised without waiting.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query string as sent. */
  path: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/** What every emulator returns. */
export interface EmulatorServer {
  /** `http://127.0.0.1:PORT`, no trailing slash (or the `publicUrl` of a TLS emulator). */
  url: string;
  /** The port it listens on, on 127.0.0.1. */
  port: number;
  close(): Promise<void>;
  /** Every request received, in order. */
  log: RecordedRequest[];
}

export interface EmulatorRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

export type Handler = (req: EmulatorRequest, res: ServerResponse) => void | Promise<void>;

/** Request bodies above this are refused: the emulators never need more, and a test must not hang on one. */
const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * An https emulator: its certificate and key (PEM), and the URL it is known by (`https://idp.test`), which a
 * proxy in the test maps to its port on 127.0.0.1.
 */
export interface EmulatorTls {
  key: string;
  cert: string;
  publicUrl: string;
}

/**
 * Starts `handler` on 127.0.0.1 (port 0 = any free port), over TLS when `tls` is given. close() destroys open
 * sockets, so a browser's keep-alive connection can never keep a test process alive.
 */
export async function startEmulatorServer(handler: Handler, port = 0, tls?: EmulatorTls): Promise<EmulatorServer> {
  const log: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let baseUrl = '';
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      try {
        const body = await readBody(req);
        const headers = flattenHeaders(req);
        log.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers, body });
        await handler({ method: req.method ?? 'GET', url: new URL(req.url ?? '/', baseUrl), headers, body }, res);
      } catch (error) {
        if (!res.headersSent) {
          sendJson(res, 500, { error: 'server_error', error_description: String(error) });
        } else {
          res.destroy();
        }
      }
    })();
  };
  const server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, listener) : createServer(listener);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('emulator did not bind a TCP port');
  baseUrl = tls ? tls.publicUrl.replace(/\/$/, '') : `http://127.0.0.1:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    port: address.port,
    log,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------- responses

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export function sendText(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  sendText(res, status, 'text/html; charset=utf-8', html);
}

/** A response with no body at all (no content type either), as some servers answer refusals. */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': 0, 'cache-control': 'no-store', ...headers });
  res.end();
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store', 'content-length': 0 });
  res.end();
}

/** `base` with `params` added to its query string (existing query parameters are kept, RFC 6749 §3.1.2). */
export function withQuery(base: string, params: Record<string, string | undefined>): string {
  const target = new URL(base);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) target.searchParams.set(name, value);
  }
  return target.toString();
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// ---------------------------------------------------------------- request parsing

/** The request's parameters: the query for GET, the form body (falling back to the query) otherwise. */
export function formParams(req: EmulatorRequest): URLSearchParams {
  if (req.method === 'GET' || req.method === 'HEAD') return new URLSearchParams(req.url.searchParams);
  const params = new URLSearchParams(req.url.searchParams);
  for (const [name, value] of new URLSearchParams(req.body)) params.set(name, value);
  return params;
}

export function paramsObject(params: URLSearchParams): Record<string, string> {
  return Object.fromEntries(params);
}

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface ClientCredentials {
  method: ClientAuthMethod;
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** Both a Basic header and a secret in the body: RFC 6749 §2.3 says use only one. */
  conflicting: boolean;
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Reads client authentication the way RFC 6749 §2.3.1 describes it (Basic values are form-encoded first). */
export function clientCredentials(req: EmulatorRequest, params: URLSearchParams): ClientCredentials {
  const authorization = req.headers['authorization'] ?? '';
  const basic = /^basic\s+(.+)$/i.exec(authorization);
  const bodySecret = params.get('client_secret') ?? undefined;
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const id = colon === -1 ? decoded : decoded.slice(0, colon);
    const secret = colon === -1 ? '' : decoded.slice(colon + 1);
    return { method: 'client_secret_basic', clientId: formDecode(id), clientSecret: formDecode(secret), conflicting: bodySecret !== undefined };
  }
  if (bodySecret !== undefined) {
    return { method: 'client_secret_post', clientId: params.get('client_id') ?? undefined, clientSecret: bodySecret, conflicting: false };
  }
  return { method: 'none', clientId: params.get('client_id') ?? undefined, clientSecret: undefined, conflicting: false };
}

export function bearerToken(req: EmulatorRequest, schemes: string[] = ['bearer']): string | undefined {
  const match = /^(\S+)\s+(\S+)\s*$/.exec(req.headers['authorization'] ?? '');
  if (!match?.[1] || !match[2]) return undefined;
  return schemes.includes(match[1].toLowerCase()) ? match[2] : undefined;
}

/** Constant-time comparison of two strings (different lengths compare unequal). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// ---------------------------------------------------------------- PKCE, tokens, clock

export function base64url(data: Buffer): string {
  return data.toString('base64url');
}

export function s256(verifier: string): string {
  return base64url(createHash('sha256').update(verifier, 'ascii').digest());
}

/** RFC 7636 §4.6: does `verifier` match the challenge sent with the authorization request? */
export function pkceMatches(challenge: string, method: string, verifier: string | undefined | null): boolean {
  if (!verifier || !/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
  return safeEqual(method === 'S256' ? s256(verifier) : verifier, challenge);
}

export function randomToken(prefix = '', bytes = 24): string {
  return prefix + base64url(randomBytes(bytes));
}

/** Seconds since the epoch, moved forward by `advance` so tests can expire tokens and codes instantly. */
export interface Clock {
  now(): number;
  advance(seconds: number): void;
}

export function createClock(): Clock {
  let offset = 0;
  return {
    now: () => Math.floor(Date.now() / 1000) + offset,
    advance(seconds) {
      offset += seconds;
    },
  };
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === '[::1]' || hostname === 'localhost';
}

export function parseUrl(text: string | null | undefined): URL | undefined {
  if (!text) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

export function splitScope(scope: string | null | undefined, separators = /\s+/): string[] {
  return (scope ?? '').split(separators).filter((s) => s.length > 0);
}
