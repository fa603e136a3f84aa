/**
 * The app's BrowserWindow and everything that makes it safe: the one place where web preferences,
 * navigation, new windows, permissions and the Content-Security-Policy are decided. The decisions themselves
 * live in `window-policy.ts` and `csp.ts` (pure, unit-tested); this file only connects them to Electron.
 */
import { BrowserWindow, shell, type Session, type WebContents } from 'electron';
import { contentSecurityPolicy } from './csp';
import { DEFAULT_WINDOW_SIZE, MIN_WINDOW_SIZE, type WindowPlacement, type WindowState } from './window-state';
import {
  decideNavigation,
  decidePermission,
  decideWindowOpen,
  isAppResourceUrl,
  isExternalWebUrl,
  type RendererUrl,
} from './window-policy';

export interface AppWindowsOptions {
  /** The renderer page: `app://latchkey/index.html` (app-protocol.ts), or the dev server in development. */
  rendererUrl: RendererUrl;
  /** The built preload script (`out/preload/index.cjs`). */
  preloadPath: string;
  /** Set in development only: the CSP then lets Vite's dev server and hot reload through. */
  devServerUrl?: string;
  /** Development (not packaged): the developer tools can be opened. Packaged windows have none. */
  development?: boolean;
  /** Where a new window opens (window-state.ts); default: the default size, centred. */
  placement?: () => WindowPlacement;
  /** Told the window's normal bounds and maximized state when it closes, to be remembered. */
  saveState?: (state: WindowState) => void;
  /** The colour behind the page until it paints (theme.ts), so a dark theme never flashes white. */
  backgroundColor?: () => string;
  log?: (line: string) => void;
}

/** The windows this app created: the registry the IPC sender check and the state broadcast rely on. */
export interface AppWindows {
  /** Opens a new app window (hidden until its first paint). */
  create(): BrowserWindow;
  /** Whether these web contents belong to a window created here (and not yet closed). */
  owns(contents: WebContents): boolean;
  /** The open app windows. */
  all(): BrowserWindow[];
  /** Brings the first open window to the front; false if there is none. */
  focusFirst(): boolean;
}

/** Sessions already hardened: handlers are per session, and every window shares the default one. */
const hardenedSessions = new WeakSet<Session>();

/** Opens an http(s) URL in the system browser; anything else is dropped. */
function openExternally(url: string, log: (line: string) => void): void {
  if (!isExternalWebUrl(url)) return;
  shell.openExternal(url).catch(() => log('window: the system browser could not open a link'));
}

/**
 * Session-wide rules: refuse web permissions, and send the app's CSP as a response header with the app's
 * own pages — also in development, where the page comes from Vite's dev server. (The `app:` protocol
 * handler sends the same header itself, and the renderer's index.html carries the policy in a meta tag.)
 */
function hardenSession(session: Session, options: AppWindowsOptions): void {
  if (hardenedSessions.has(session)) return;
  hardenedSessions.add(session);
  const policy = contentSecurityPolicy(options.devServerUrl);

  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(details.isMainFrame && decidePermission(permission, details.requestingUrl, options.rendererUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, _origin, details) => {
    const url = details.requestingUrl;
    return url !== undefined && details.isMainFrame && decidePermission(permission, url, options.rendererUrl);
  });

  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppResourceUrl(details.url, options.rendererUrl)) {
      callback({});
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      // Replace, never merge with, whatever policy the server sent: ours is the one that counts.
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
    }
    headers['Content-Security-Policy'] = [policy];
    callback({ responseHeaders: headers });
  });
}

/** Per-window rules: no navigation away from the app, no new windows, no <webview>. */
function guardContents(contents: WebContents, options: AppWindowsOptions, log: (line: string) => void): void {
  contents.on('will-navigate', (event) => {
    const decision = decideNavigation(event.url, options.rendererUrl);
    if (decision === 'allow') return;
    event.preventDefault();
    if (decision === 'open-external') openExternally(event.url, log);
  });
  contents.setWindowOpenHandler((details) => {
    if (decideWindowOpen(details.url) === 'open-external') openExternally(details.url, log);
    return { action: 'deny' };
  });
  // webviewTag is off, so no <webview> should ever come this far; if one does, it is refused, not vetted.
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export function createAppWindows(options: AppWindowsOptions): AppWindows {
  const log = options.log ?? (() => undefined);
  const windows = new Set<BrowserWindow>();

  const create = (): BrowserWindow => {
    const place = options.placement?.() ?? { ...DEFAULT_WINDOW_SIZE, maximized: false };
    const win = new BrowserWindow({
      ...(place.x !== undefined && place.y !== undefined ? { x: place.x, y: place.y } : {}),
      width: place.width,
      height: place.height,
      minWidth: MIN_WINDOW_SIZE.width,
      minHeight: MIN_WINDOW_SIZE.height,
      title: 'Latchkey',
      // Shown on ready-to-show: the first thing the person sees is a painted page, never a blank frame.
      show: false,
      ...(options.backgroundColor !== undefined ? { backgroundColor: options.backgroundColor() } : {}),
      autoHideMenuBar: true,
      webPreferences: {
        preload: options.preloadPath,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false,
        devTools: options.development === true,
        // Middle clicks fire auxclick rather than click, so they slip past anything that guards clicks and
        // can ask for new windows; the app has no use for them, so Blink does not offer the event at all.
        disableBlinkFeatures: 'Auxclick',
      },
    });
    windows.add(win);
    win.on('closed', () => windows.delete(win));
    win.once('ready-to-show', () => {
      if (place.maximized) win.maximize();
      win.show();
    });
    win.on('close', () => {
      // getNormalBounds: the size to come back to, not the maximized or full-screen one.
      options.saveState?.({ bounds: win.getNormalBounds(), maximized: win.isMaximized() });
    });

    hardenSession(win.webContents.session, options);
    guardContents(win.webContents, options, log);

    win.loadURL(options.rendererUrl).catch(() => log('window: the app page could not be loaded'));
    return win;
  };

  return {
    create,
    owns: (contents) => {
      for (const win of windows) if (!win.isDestroyed() && win.webContents === contents) return true;
      return false;
    },
    all: () => [...windows].filter((win) => !win.isDestroyed()),
    focusFirst: () => {
      const win = [...windows].find((w) => !w.isDestroyed());
      if (win === undefined) return false;
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
      return true;
    },
  };
}
