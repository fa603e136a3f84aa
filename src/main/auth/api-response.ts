/**
 * An API's answer as it leaves the main process: the body read up to a bound (an API that answers without end
 * must not fill the memory of the app), decoded by its content type, and a safe subset of the headers. Headers
 * outside the list — cookies, DPoP nonces, anything a server might echo a credential in — never travel on.
 */
import type { ApiBodyType } from '../../shared/api';
import { AuthError } from '../../shared/errors';

/** Headers worth passing on: what the body is, caching, paging and rate limits, and why a request was refused. */
const SAFE_HEADERS = new Set([
  'content-type', 'content-length', 'content-language', 'etag', 'last-modified', 'cache-control', 'expires', 'date',
  'link', 'location', 'retry-after', 'www-authenticate', 'x-total-count', 'x-request-id', 'x-github-request-id',
  'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-used', 'x-ratelimit-resource',
  'x-oauth-scopes', 'x-accepted-oauth-scopes',
]);
const MAX_HEADER_CHARS = 2048;

export function safeHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (SAFE_HEADERS.has(name)) out[name] = value.length > MAX_HEADER_CHARS ? value.slice(0, MAX_HEADER_CHARS) : value;
  }
  return out;
}

/** The body's bytes, refusing (and cancelling the download) once it grows past `maxBytes`. */
export async function readBounded(response: Response, maxBytes: number, apiName: string): Promise<Buffer> {
  const tooLarge = (): AuthError =>
    new AuthError('response_too_large', `The API "${apiName}" answered with more than ${maxBytes} bytes.`, {
      hint: `Ask for less (paging, filters), or raise max_response_bytes of apis.${apiName} in config.yaml.`,
    });
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, total);
}

const TEXT_TYPE = /^text\/|^application\/(?:[\w.+-]*\+)?(?:xml|javascript|x-www-form-urlencoded)\b/i;
const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\b/i;

/** The body as the caller gets it: JSON parsed, text decoded, anything else as base64. */
export function decodeBody(bytes: Buffer, contentType: string | null): { bodyType: ApiBodyType; body: unknown } {
  if (bytes.length === 0) return { bodyType: 'empty', body: null };
  const type = (contentType ?? '').trim();
  if (JSON_TYPE.test(type)) {
    const text = bytes.toString('utf8');
    try {
      return { bodyType: 'json', body: JSON.parse(text) as unknown };
    } catch {
      // Says JSON, is not: hand over the text rather than nothing.
      return { bodyType: 'text', body: text };
    }
  }
  if (TEXT_TYPE.test(type) || type === '') return { bodyType: 'text', body: bytes.toString('utf8') };
  return { bodyType: 'binary', body: bytes.toString('base64') };
}
