/**
 * The `app://latchkey` origin the built renderer is served from. Pure (no electron), so every answer is
 * unit-tested; `index.ts` only hands Electron's requests to `serveAppRequest` and its answers back.
 *
 * Why a custom protocol rather than `file://`: a `file:` page has no real origin (Chromium gives every file
 * the same opaque one), so `'self'` in the Content-Security-Policy, the IPC sender check and the navigation
 * rules would all have to reason about paths on disk — which differ between a checkout, an unpacked build
 * and an asar archive. `app://latchkey` is one origin, the same in every layout, that no other page can have;
 * and the handler below serves exactly the renderer's built folder and nothing else on disk.
 */
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'latchkey';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The renderer page as the window loads it; the sender check and navigation rules accept exactly this. */
export const APP_PAGE_URL = `${APP_ORIGIN}/index.html`;

/**
 * What Chromium is told about the scheme (`protocol.registerSchemesAsPrivileged`, before the app is ready):
 * `standard` gives it a real origin (so `'self'` and same-origin module scripts work), `secure` makes it a
 * secure context like https, `supportFetchAPI` lets module scripts and their dynamic imports load, and
 * `codeCache` lets V8 cache the compiled bundle between starts. No CORS, no service workers, no streaming.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
} as const;

/** The file types the built renderer consists of; anything else is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

export interface AppAsset {
  /** Absolute path of the file inside the renderer folder. */
  file: string;
  contentType: string;
}

/**
 * Maps a request URL to a file of the renderer folder `root`, or null when it is not one: another scheme or
 * host, a path that leaves the folder (also percent-encoded), a hidden file, a backslash or NUL, or a type
 * the renderer does not have. `/` is the page itself.
 */
export function resolveAppAsset(requestUrl: string, root: string): AppAsset | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username !== '' || url.password !== '') return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname === '/' || url.pathname === '' ? '/index.html' : url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\\') || pathname.includes('\0')) return null;
  const segments = pathname.split('/').filter((segment) => segment !== '');
  if (segments.length === 0 || segments.some((segment) => segment.startsWith('.'))) return null;
  const base = resolve(root);
  const file = resolve(base, ...segments);
  const inside = relative(base, file);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) return null;
  const contentType = CONTENT_TYPES[extname(file).toLowerCase()];
  if (contentType === undefined) return null;
  return { file, contentType };
}

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

export interface ServeAppOptions {
  /** The built renderer folder (`out/renderer`, inside app.asar once packaged). */
  root: string;
  /** The window's Content-Security-Policy (csp.ts), sent with every answer. */
  csp: string;
  readFile(file: string): Promise<Uint8Array>;
}

/**
 * Answers one request to the app origin. Every answer carries the CSP (so the policy holds even where the
 * page's meta tag would not be read) and `nosniff`; only GET and HEAD are answered; a missing or refused
 * file is a bare 404 that says nothing about the disk.
 */
export async function serveAppRequest(request: { url: string; method: string }, options: ServeAppOptions): Promise<AppResponse> {
  const headers: Record<string, string> = {
    'Content-Security-Policy': options.csp,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, headers: { ...headers, Allow: 'GET, HEAD' }, body: null };
  }
  const asset = resolveAppAsset(request.url, options.root);
  if (asset === null) return { status: 404, headers, body: null };
  let body: Uint8Array;
  try {
    body = await options.readFile(asset.file);
  } catch {
    return { status: 404, headers, body: null };
  }
  return {
    status: 200,
    headers: { ...headers, 'Content-Type': asset.contentType },
    body: request.method === 'HEAD' ? null : body,
  };
}
