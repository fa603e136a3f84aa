/**
 * The decisions behind the window's security settings, kept free of electron so they are unit-tested:
 * which URLs are the app itself, where a navigation may go, which links leave for the system browser.
 * `window.ts` wires these into Electron's events; it holds no logic of its own.
 */

/**
 * Where the app's renderer lives: the built renderer on the app's own origin (`app://latchkey/index.html`,
 * see app-protocol.ts), or in development the electron-vite dev server (`ELECTRON_RENDERER_URL`).
 */
export type RendererUrl = string;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True when `candidate` is the app's own renderer page. On the `app:` origin that is the one page (query and
 * fragment aside: the renderer may use them for its own routing) on exactly that host; for the dev server
 * it is any page of that exact origin. Nothing else is the app: no `file:` page (the app never loads one,
 * and every file on disk would share its opaque origin), no other host of the scheme, no other scheme.
 */
export function isAppUrl(candidate: string, rendererUrl: RendererUrl): boolean {
  const app = parse(rendererUrl);
  const url = parse(candidate);
  if (app === null || url === null) return false;
  if (app.protocol === 'app:') {
    return sameAppOrigin(url, app) && url.pathname === app.pathname;
  }
  if (app.protocol !== 'http:' && app.protocol !== 'https:') return false;
  return url.origin === app.origin;
}

/** `app:` is not a scheme the URL standard knows, so its origin is compared part by part. */
function sameAppOrigin(url: URL, app: URL): boolean {
  return url.protocol === 'app:' && url.host === app.host && url.username === '' && url.password === '';
}

/** True for resources the app's own page loads (scripts, styles, images of the renderer bundle). */
export function isAppResourceUrl(candidate: string, rendererUrl: RendererUrl): boolean {
  const app = parse(rendererUrl);
  const url = parse(candidate);
  if (app === null || url === null) return false;
  if (app.protocol === 'app:') return sameAppOrigin(url, app);
  return isAppUrl(candidate, rendererUrl);
}

/** http(s) URLs may be handed to the system browser; `file:`, `javascript:`, custom schemes never. */
export function isExternalWebUrl(candidate: string): boolean {
  const url = parse(candidate);
  return url !== null && (url.protocol === 'https:' || url.protocol === 'http:');
}

export type NavigationDecision = 'allow' | 'open-external' | 'deny';

/**
 * What to do when the window is about to navigate (a link click, `location = ...`). The app is a single
 * page: the only allowed navigation is to itself (a reload). A web link goes to the system browser, where
 * the person's own browser protections apply; everything else is refused.
 */
export function decideNavigation(target: string, rendererUrl: RendererUrl): NavigationDecision {
  if (isAppUrl(target, rendererUrl)) return 'allow';
  if (isExternalWebUrl(target)) return 'open-external';
  return 'deny';
}

/**
 * `window.open` and `target="_blank"` never create an Electron window: a second window would be a second
 * renderer with the app's preload. Web links go to the system browser instead.
 */
export function decideWindowOpen(target: string): 'open-external' | 'deny' {
  return isExternalWebUrl(target) ? 'open-external' : 'deny';
}

/**
 * Web permissions (camera, notifications, geolocation, ...) are refused. The one exception is writing text
 * to the clipboard from the app's own page, which is what "Copy link" of a sign-in in progress needs.
 */
export function decidePermission(permission: string, requestingUrl: string, rendererUrl: RendererUrl): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl, rendererUrl);
}
