/**
 * What an API request may ask for, checked the same way whoever asks (the renderer over IPC, the CLI, code in
 * the main process): a known method, a path (its escapes are api-url.ts's job), a small query, a JSON body of
 * bounded size, and headers that cannot replace the credentials Latchkey attaches or confuse the connection.
 * A strict plain object: unknown fields (and prototype tricks) are refused, not ignored.
 */
import { z } from 'zod';
import { API_METHODS, type ApiRequest } from '../../shared/api';
import { AuthError } from '../../shared/errors';
import { MAX_API_PATH_CHARS } from './api-url';

/** The largest JSON body a request may send. */
export const MAX_API_JSON_BYTES = 256 * 1024;
const MAX_HEADERS = 20;
const MAX_HEADER_VALUE_CHARS = 4096;

/** API names as config.yaml allows them (`apis.<name>`). */
export const apiNameSchema = z.string().max(64).regex(/^[a-z0-9][a-z0-9_-]{0,63}$/);

/**
 * Headers a caller may not set: the credentials (Latchkey sets Authorization and DPoP), cookies, and anything
 * that describes the connection or the body's framing rather than the request.
 */
const FORBIDDEN_HEADERS = new Set([
  'authorization', 'proxy-authorization', 'dpop', 'cookie', 'host', 'content-length', 'transfer-encoding',
  'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'forwarded', 'origin', 'referer',
]);
const FORBIDDEN_HEADER_PREFIXES = ['proxy-', 'sec-', 'x-forwarded-'];
/** RFC 9110 token characters: a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

export function isForbiddenHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return FORBIDDEN_HEADERS.has(lower) || FORBIDDEN_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/** True for objects made by a literal, JSON.parse or structured clone (zod reads through prototypes). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const plainObject = z.custom<Record<string, unknown>>(isPlainObject, { message: 'must be a plain object' });

const queryScalar = z.union([z.string().max(8192), z.number().finite(), z.boolean()]);

/** A JSON value, at most 32 levels deep and MAX_API_JSON_BYTES long once serialised. */
function isBoundedJson(value: unknown): boolean {
  const visit = (node: unknown, depth: number): boolean => {
    if (depth > 32) return false;
    if (node === null || typeof node === 'string' || typeof node === 'boolean') return true;
    if (typeof node === 'number') return Number.isFinite(node);
    if (Array.isArray(node)) return node.every((item) => visit(item, depth + 1));
    if (isPlainObject(node)) return Object.entries(node).every(([key, item]) => key !== '__proto__' && visit(item, depth + 1));
    return false;
  };
  if (!visit(value, 0)) return false;
  return Buffer.byteLength(JSON.stringify(value), 'utf8') <= MAX_API_JSON_BYTES;
}

export const apiRequestSchema = plainObject.pipe(
  z.strictObject({
    method: z.enum(API_METHODS).optional(),
    path: z.string().min(1).max(MAX_API_PATH_CHARS),
    query: plainObject
      .pipe(z.record(z.string().min(1).max(256), z.union([queryScalar, z.array(queryScalar).max(100)])))
      .refine((query) => Object.keys(query).length <= 100, 'has too many entries')
      .optional(),
    json: z.custom<unknown>((value) => value !== undefined && isBoundedJson(value), { message: `must be JSON of at most ${MAX_API_JSON_BYTES / 1024} KB` }).optional(),
    headers: plainObject
      .pipe(
        z.record(
          z.string().regex(HEADER_NAME).refine((name) => !isForbiddenHeader(name), 'is set by Latchkey or describes the connection'),
          z.string().max(MAX_HEADER_VALUE_CHARS).regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'contains characters a header cannot carry'),
        ),
      )
      .refine((headers) => Object.keys(headers).length <= MAX_HEADERS, `has more than ${MAX_HEADERS} entries`)
      .optional(),
    accountKey: z.string().min(1).max(200).regex(/^[A-Za-z0-9._~:@|+=/-]+$/).optional(),
  }),
);

/** Only the fields that were given, copied out of the parsed object (nothing else travels on). */
export function cleanApiRequest(parsed: z.output<typeof apiRequestSchema>): ApiRequest {
  const clean: ApiRequest = { path: parsed.path };
  if (parsed.method !== undefined) clean.method = parsed.method;
  if (parsed.query !== undefined) clean.query = { ...parsed.query };
  if (parsed.json !== undefined) clean.json = parsed.json;
  if (parsed.headers !== undefined) clean.headers = { ...parsed.headers };
  if (parsed.accountKey !== undefined) clean.accountKey = parsed.accountKey;
  return clean;
}

/** Checks a request from any caller; `invalid_argument` names the field, never the value. */
export function parseApiRequest(request: unknown): ApiRequest {
  const parsed = apiRequestSchema.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.map(String).join('.').slice(0, 80).replace(/[^\x20-\x7e]/g, '?') : 'the request';
    throw new AuthError('invalid_argument', `The API request was refused: ${field} ${issue?.code === 'custom' ? issue.message : 'is not valid'}.`);
  }
  return cleanApiRequest(parsed.data);
}
