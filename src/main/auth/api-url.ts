/**
 * Where a request to a configured API may go: its `base_url` and below, and nowhere else. The token is attached
 * to every such request, so a path that could reach another host, another scheme or a parent of the base
 * (`..`, `%2e%2e`, `%2f`, `\`, `//host`, `https://…`) is refused before anything is sent, not cleaned up.
 *
 * A path is taken apart segment by segment: each is percent-decoded once, checked, and encoded again in one
 * canonical form, so what the server decodes is what was checked here. The query is rebuilt from its decoded
 * parts (the path's own `?…` and the `query` object), so it is always well-formed. The URL built is then
 * checked once more against the base — the same check every redirect target must pass. Pure, and fuzzed.
 */
import { AuthError } from '../../shared/errors';
import type { ApiQueryValue } from '../../shared/api';

export const MAX_API_PATH_CHARS = 2048;
const MAX_SEGMENTS = 64;
const MAX_QUERY_PARAMS = 100;
const MAX_QUERY_KEY_CHARS = 256;
const MAX_QUERY_VALUE_CHARS = 8192;

/**
 * Characters never allowed in a path as given: whitespace, controls, format characters, lone surrogates (no
 * encoding exists for them), `\` and `#`.
 */
const FORBIDDEN_IN_PATH = /[\s\p{Cc}\p{Cf}\p{Cs}\\#]/u;
/** In its query part only controls, format characters, lone surrogates and `#` (spaces are re-encoded like any other character). */
const FORBIDDEN_IN_QUERY = /[\p{Cc}\p{Cf}\p{Cs}#]/u;
/** Something that would read as an absolute URL (`https:`, `javascript:`, `C:`). */
const LOOKS_LIKE_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** RFC 3986 sub-delimiters and `:`/`@` may stay as they are in a segment; everything else is percent-encoded. */
const KEPT_AS_IS = /%(?:3A|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/g;

function refused(reason: string): AuthError {
  return new AuthError('invalid_argument', `The API path was refused: ${reason}.`, {
    hint: 'Give a path below the API\'s base_url, such as /projects or projects/42 (no "..", no host, no encoded slashes).',
  });
}

/** One segment as the server will read it (decoded), or a refusal. */
function decodeSegment(segment: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw refused('it has a malformed percent-encoding');
  }
  if (decoded === '.' || decoded === '..') throw refused('it has a "." or ".." segment');
  if (decoded.includes('/') || decoded.includes('\\')) throw refused('it has an encoded slash or backslash');
  if (/[\p{Cc}\p{Cf}]/u.test(decoded)) throw refused('it has an encoded control or format character');
  return decoded;
}

function encodeSegment(decoded: string): string {
  return encodeURIComponent(decoded).replace(KEPT_AS_IS, (escape) => decodeURIComponent(escape));
}

/** The base as a URL whose path ends without a slash (`https://api.example.com` → path ``). */
export function apiBase(baseUrl: string): { url: URL; path: string } {
  const url = new URL(baseUrl);
  return { url, path: url.pathname.replace(/\/+$/, '') };
}

/**
 * Whether `target` lies within the base: same scheme, host and port, a path at or below the base path, and
 * no segment that a server could decode into a parent (`..`) or a slash. Redirect targets must pass this.
 */
export function isWithinBase(target: URL, baseUrl: string): boolean {
  const base = apiBase(baseUrl);
  if (target.origin !== base.url.origin || target.username !== '' || target.password !== '') return false;
  const path = target.pathname;
  if (path !== base.path && path !== `${base.path}/` && !path.startsWith(`${base.path}/`)) return false;
  const rest = path.slice(base.path.length).split('/').filter((segment) => segment !== '');
  try {
    for (const segment of rest) decodeSegment(segment);
  } catch {
    return false;
  }
  return true;
}

function queryValues(value: ApiQueryValue): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item === 'number' && !Number.isFinite(item)) throw refused('a query value is not a finite number');
    return String(item);
  });
}

/** The query: the path's own `?…` (decoded and re-encoded) followed by the `query` object's entries. */
function buildQuery(fromPath: string | undefined, query: Record<string, ApiQueryValue> | undefined): URLSearchParams {
  const params = new URLSearchParams(fromPath ?? '');
  for (const [key, value] of Object.entries(query ?? {})) for (const item of queryValues(value)) params.append(key, item);
  let count = 0;
  for (const [key, value] of params) {
    count += 1;
    if (count > MAX_QUERY_PARAMS) throw refused(`it has more than ${MAX_QUERY_PARAMS} query parameters`);
    if (key === '' || key.length > MAX_QUERY_KEY_CHARS) throw refused('a query parameter has an empty or overlong name');
    if (value.length > MAX_QUERY_VALUE_CHARS) throw refused('a query value is too long');
  }
  return params;
}

/** The URL of a request: `path` (and `query`) below `baseUrl`, or an `invalid_argument` refusal saying why. */
export function resolveApiUrl(baseUrl: string, path: string, query?: Record<string, ApiQueryValue>): URL {
  if (typeof path !== 'string') throw refused('it is not text');
  if (path.length > MAX_API_PATH_CHARS) throw refused(`it is longer than ${MAX_API_PATH_CHARS} characters`);
  const queryAt = path.indexOf('?');
  const rawPath = queryAt === -1 ? path : path.slice(0, queryAt);
  const rawQuery = queryAt === -1 ? undefined : path.slice(queryAt + 1);
  if (FORBIDDEN_IN_PATH.test(rawPath)) throw refused('it contains whitespace, a control character, a lone surrogate, a backslash or "#"');
  if (rawQuery !== undefined && FORBIDDEN_IN_QUERY.test(rawQuery)) throw refused('its query contains a control character or "#"');
  const relative = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (relative.startsWith('/')) throw refused('it starts with "//" (another host)');
  if (LOOKS_LIKE_SCHEME.test(relative)) throw refused('it looks like an absolute URL');

  const segments = relative === '' ? [] : relative.split('/');
  const trailingSlash = segments.length > 0 && segments[segments.length - 1] === '';
  if (trailingSlash) segments.pop();
  if (segments.length > MAX_SEGMENTS) throw refused(`it has more than ${MAX_SEGMENTS} segments`);
  if (segments.some((segment) => segment === '')) throw refused('it has an empty segment ("//")');
  const encoded = segments.map((segment) => encodeSegment(decodeSegment(segment)));

  const base = apiBase(baseUrl);
  const url = new URL(base.url.origin);
  url.pathname = `${base.path}/${encoded.join('/')}${trailingSlash && encoded.length > 0 ? '/' : ''}`;
  const params = buildQuery(rawQuery, query);
  url.search = params.size > 0 ? params.toString() : '';
  // Built from checked parts, so this holds; checked anyway, as the last word before a token is attached.
  if (!isWithinBase(url, baseUrl)) throw refused('it would leave the API\'s base_url');
  return url;
}
