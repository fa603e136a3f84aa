/**
 * HTTP over a bare TCP socket: for requests that fetch refuses to send (odd methods, broken request lines,
 * oversized or duplicated headers, absolute-form targets, random bytes) and for reading exactly what came back.
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent, decoded as latin1 so that no byte is lost or merged. */
  raw: string;
}

export type RawOutcome =
  | { kind: 'response'; response: RawResponse }
  /** The server closed the connection without answering (e.g. an upgrade nobody handles). */
  | { kind: 'closed' }
  /** Connecting failed: the error code (ECONNREFUSED, ...). */
  | { kind: 'refused'; code: string }
  /** Nothing happened within the time allowed. */
  | { kind: 'timeout' };

export interface RawRequestOptions {
  host?: string;
  port: number;
  /** Close our sending side after writing, so an incomplete request ends instead of waiting for more. */
  halfClose?: boolean;
  timeoutMs?: number;
}

/** Sends `bytes` and collects the answer until the server closes the connection. */
export function rawExchange(bytes: Buffer | string, options: RawRequestOptions): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (outcome: RawOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const socket = connect({ host: options.host ?? '127.0.0.1', port: options.port });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), options.timeoutMs ?? 8_000);
    socket.on('connect', () => {
      socket.write(bytes);
      if (options.halfClose ?? true) socket.end();
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // An error after data arrived (a reset while we were still sending) still leaves an answer to read.
      if (chunks.length === 0) {
        finish(error.code === 'ECONNREFUSED' ? { kind: 'refused', code: error.code } : { kind: 'closed' });
      } else {
        finish(parse(Buffer.concat(chunks)));
      }
    });
    socket.on('close', () => finish(chunks.length === 0 ? { kind: 'closed' } : parse(Buffer.concat(chunks))));
  });
}

function parse(data: Buffer): RawOutcome {
  const raw = data.toString('latin1');
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const body = end === -1 ? '' : data.subarray(Buffer.byteLength(raw.slice(0, end + 4), 'latin1')).toString('utf8');
  return { kind: 'response', response: { status: match ? Number(match[1]) : 0, headers, body, raw } };
}
