/**
 * The decisions behind the window's security settings, kept free of electron so they are unit-tested:
 * which URLs are the app itself, where a navigation may go, which links leave for the system browser.
 * `window.ts` wires these into Electron's events; it holds no logic of its own.
 */

/**
 * Where the app's renderer lives: the built `index.html` as a `file:` URL, or in development the
 * electron-vite dev server (`ELECTRON_RENDERER_URL`).
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
 * True when `candidate` is the app's own renderer page. For `file:` that is the one `index.html` (query and
 * fragment aside: the renderer may use them for its own routing) — a page elsewhere on disk is not the app.
 * For the dev server it is any page of that exact origin.
 */
export function isAppUrl(candidate: string, rendererUrl: RendererUrl): boolean {
  const app = parse(rendererUrl);
  const url = parse(candidate);
  if (app === null || url === null) return false;
  if (app.protocol === 'file:') {
    // URL parsing has already resolved `..` segments and normalised percent-encoding of the path.
    return url.protocol === 'file:' && url.host === app.host && url.pathname === app.pathname;
  }
  if (app.protocol !== 'http:' && app.protocol !== 'https:') return false;
  return url.origin === app.origin;
}

/** True for resources the app's own page loads (scripts, styles, images next to `index.html`). */
export function isAppResourceUrl(candidate: string, rendererUrl: RendererUrl): boolean {
  const app = parse(rendererUrl);
  const url = parse(candidate);
  if (app === null || url === null) return false;
  if (app.protocol === 'file:') {
    const folder = app.pathname.slice(0, app.pathname.lastIndexOf('/') + 1);
    return url.protocol === 'file:' && url.host === app.host && url.pathname.startsWith(folder);
  }
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
