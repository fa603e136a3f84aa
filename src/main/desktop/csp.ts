/**
 * The Content-Security-Policy of the app's window. Pure so the exact text is unit-tested.
 *
 * The renderer needs nothing but its own bundle: no remote scripts, no `eval`, no fetch (it talks to the
 * main process over IPC only). Account pictures arrive as `data:` URLs that the main process fetched
 * (auth/avatar-cache.ts), so no remote image is ever loaded: a provider's picture URL cannot track when the
 * app is opened. Inline styles are allowed because React's `style` attributes are inline styles; inline
 * scripts are not.
 */

const PRODUCTION_DIRECTIVES: readonly (readonly [string, readonly string[]])[] = [
  ['default-src', ["'self'"]],
  ['script-src', ["'self'"]],
  ['style-src', ["'self'", "'unsafe-inline'"]],
  ['img-src', ["'self'", 'data:']],
  ['connect-src', ["'self'"]],
  ['object-src', ["'none'"]],
  ['base-uri', ["'none'"]],
  ['form-action', ["'none'"]],
  ['frame-ancestors', ["'none'"]],
];

/**
 * The policy text. With `devServerUrl` (electron-vite's `ELECTRON_RENDERER_URL`) the development server is
 * added where hot module replacement needs it: its origin and WebSocket for `connect-src`, its origin for
 * `script-src`, plus `'unsafe-inline'` scripts for the React Refresh preamble that Vite inlines into the
 * page. None of that is present in a built app.
 */
export function contentSecurityPolicy(devServerUrl?: string): string {
  const dev = devServerUrl === undefined ? null : devOrigins(devServerUrl);
  return PRODUCTION_DIRECTIVES.map(([name, sources]) => {
    const all = [...sources];
    if (dev !== null && name === 'script-src') all.push(dev.http, "'unsafe-inline'");
    if (dev !== null && name === 'connect-src') all.push(dev.http, dev.ws);
    return `${name} ${all.join(' ')}`;
  }).join('; ');
}

function devOrigins(devServerUrl: string): { http: string; ws: string } {
  const url = new URL(devServerUrl);
  const wsProtocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return { http: url.origin, ws: `${wsProtocol}//${url.host}` };
}
