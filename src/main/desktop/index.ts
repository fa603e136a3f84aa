/**
 * The desktop app's entry: app lifecycle, one instance per profile, and composition — the engine from
 * `app.ts`, the IPC router, the window. The session is restored before the window exists, so the first
 * thing the renderer is told is the real state (signed in or not), never a guess it has to correct.
 *
 * Everything here is glue: each decision it wires (app origin, CSP, window policy, menu, window placement,
 * launch options) lives in a pure module beside it, and test/desktop-glue.test.ts runs this file against a
 * fake `electron` to check what it wires and in which order.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, ipcMain, Menu, nativeTheme, net, powerMonitor, protocol, screen, session, shell } from 'electron';
import Store from 'electron-store';
import { ADMIN_ROLE } from '../../shared/accounts';
import { isAuthError } from '../../shared/errors';
import { createLatchkey, type Latchkey } from '../app';
import { describeChromiumProxy } from '../diagnostics/proxy';
import { runDiagnostics } from '../diagnostics/run';
import { StreamlitImportService } from '../import/import-service';
import { APP_FOLDER_NAME } from '../store/paths';
import { openUrlWithCommand } from '../system-browser';
import { APP_ID } from './app-identity';
import { APP_PAGE_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, serveAppRequest } from './app-protocol';
import { contentSecurityPolicy } from './csp';
import { appSenderCheck, broadcastStateChanges, registerIpc } from './ipc';
import { createIpcRouter } from './ipc-router';
import { parseLaunchOptions } from './launch-options';
import { appMenuTemplate } from './menu';
import { windowBackground } from './theme';
import { createAppWindows } from './window';
import { isExternalWebUrl } from './window-policy';
import { parseWindowState, placeWindow, type WindowState } from './window-state';

const here = dirname(fileURLToPath(import.meta.url));
const PRELOAD_PATH = join(here, '..', 'preload', 'index.cjs');
const RENDERER_DIR = join(here, '..', 'renderer');

/** The engine promises that its log lines carry no secret; they go to stderr for whoever started the app. */
function log(line: string): void {
  process.stderr.write(`latchkey: ${line}\n`);
}

const launch = parseLaunchOptions(process.argv, process.env);
// A packaged app never loads a page named by an environment variable.
const devServerUrl = app.isPackaged ? undefined : launch.devServerUrl;
const development = !app.isPackaged;
const rendererUrl = devServerUrl ?? APP_PAGE_URL;

// Must happen before the app is ready: Chromium learns its schemes at start-up.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

/**
 * The window profile (Chromium storage, window placement, and the single-instance lock) sits with the config
 * it serves: the default `<appData>/Latchkey` — the folder of the CLI's default config.yaml, whatever the
 * packaged app's name — or a hidden folder next to an explicitly chosen config file. Two configs are two
 * independent profiles, and a run against a test config never meets the person's own app.
 */
app.setPath(
  'userData',
  launch.configPath === undefined
    ? join(app.getPath('appData'), APP_FOLDER_NAME)
    : join(dirname(resolve(launch.configPath)), '.latchkey-window'),
);

function openBrowserFor(browserCommand: string | undefined): (url: string) => Promise<void> {
  if (browserCommand !== undefined) return (url) => openUrlWithCommand(browserCommand, url);
  return async (url) => {
    // The engine only produces web URLs; checking again keeps shell.openExternal away from anything else.
    if (!isExternalWebUrl(url)) throw new Error('refusing to open a URL that is not http(s)');
    await shell.openExternal(url);
  };
}

/**
 * Every request the engine makes (discovery, tokens, userinfo, revocation, APIs, pictures) goes through
 * Chromium's network stack: the system's proxy settings and PAC scripts, and the OS certificate store.
 */
const chromiumFetch: typeof fetch = (input, init) => net.fetch(input instanceof URL ? input.href : input, init);

function reportStartupFailure(error: unknown): void {
  const detail = isAuthError(error)
    ? [error.message, error.hint].filter((part) => part !== undefined).join('\n\n')
    : 'An unexpected error stopped Latchkey from starting. The details are in its log.';
  log(`startup failed: ${isAuthError(error) ? error.code : error instanceof Error ? error.name : typeof error}`);
  dialog.showErrorBox('Latchkey could not start', detail);
}

/**
 * Quitting waits for the engine to close (pending writes flushed, background refresh stopped, the demo
 * provider shut down): `before-quit` is held once, and the quit is repeated when close has finished.
 */
function closeBeforeQuit(latchkey: Latchkey): void {
  let closing: Promise<void> | null = null;
  let closed = false;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    closing ??= latchkey
      .close()
      .catch((error: unknown) => log(`close failed: ${error instanceof Error ? error.name : 'unknown error'}`))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
}

/** Serves the built renderer on app://latchkey (app-protocol.ts decides every answer). */
function serveRenderer(): void {
  const csp = contentSecurityPolicy();
  protocol.handle(APP_SCHEME, async (request) => {
    const answer = await serveAppRequest(
      { url: request.url, method: request.method },
      { root: RENDERER_DIR, csp, readFile: (file) => readFile(file) },
    );
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  });
}

/**
 * The window's last size and position, kept with electron-store in the window profile folder (a preference
 * of this machine's app, not part of config.yaml). electron-store also answers a synchronous IPC message of
 * its own so that renderers can open stores; Latchkey's renderer never does, and the only IPC the main
 * process answers is the contract's (ipc.ts), so that listener is removed again.
 */
function windowStateStore(): { load(): WindowState | null; save(state: WindowState): void } {
  let store: Store<{ window?: unknown }> | null = null;
  try {
    store = new Store<{ window?: unknown }>({
      name: 'window-state',
      cwd: app.getPath('userData'),
      configFileMode: 0o600,
      clearInvalidConfig: true,
    });
  } catch (error) {
    log(`window state unavailable: ${error instanceof Error ? error.name : 'unknown error'}`);
  } finally {
    ipcMain.removeAllListeners('electron-store-get-data');
  }
  return {
    load: () => (store === null ? null : parseWindowState(store.get('window'))),
    save: (state) => {
      try {
        store?.set('window', state);
      } catch (error) {
        log(`window state not saved: ${error instanceof Error ? error.name : 'unknown error'}`);
      }
    },
  };
}

async function start(): Promise<void> {
  await app.whenReady();
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  serveRenderer();
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate({ platform: process.platform, development, appName: app.getName() })));

  const windowState = windowStateStore();
  const windows = createAppWindows({
    rendererUrl,
    preloadPath: PRELOAD_PATH,
    ...(devServerUrl !== undefined ? { devServerUrl } : {}),
    development,
    placement: () => placeWindow(windowState.load(), screen.getAllDisplays().map((display) => display.workArea)),
    saveState: (state) => windowState.save(state),
    backgroundColor: () => windowBackground(nativeTheme.shouldUseDarkColors),
    log,
  });
  app.on('second-instance', () => {
    windows.focusFirst();
  });
  nativeTheme.on('updated', () => {
    for (const win of windows.all()) win.setBackgroundColor(windowBackground(nativeTheme.shouldUseDarkColors));
  });

  let latchkey: Latchkey;
  try {
    latchkey = await createLatchkey({
      ...(launch.configPath !== undefined ? { configPath: resolve(launch.configPath) } : {}),
      ...(launch.keychainService !== undefined ? { keychainService: launch.keychainService } : {}),
      openBrowser: openBrowserFor(launch.browserCommand),
      fetch: chromiumFetch,
      role: 'app',
      log,
    });
  } catch (error) {
    reportStartupFailure(error);
    app.exit(1);
    return;
  }
  closeBeforeQuit(latchkey);
  powerMonitor.on('resume', () => {
    // Timers did not run while the machine slept: refresh whatever fell due meanwhile.
    latchkey.recheck().catch((error: unknown) => log(`re-check after resume failed: ${isAuthError(error) ? error.code : 'unexpected error'}`));
  });

  try {
    await latchkey.restore();
  } catch (error) {
    // The window still opens: it asks for the state, and the engine reports what went wrong there.
    log(`restoring the session failed: ${isAuthError(error) ? error.code : 'unexpected error'}`);
  }

  // "Check this computer": the checks of `latchkey doctor`, over Chromium's network stack and its proxy settings.
  const diagnostics = () =>
    runDiagnostics({
      configPath: latchkey.paths.configPath,
      fetch: chromiumFetch,
      ...(launch.keychainService !== undefined ? { keychainService: launch.keychainService } : {}),
      proxy: { kind: 'system', routeOf: async (url) => describeChromiumProxy(await session.defaultSession.resolveProxy(url.href)) },
    });
  // "Import from Streamlit-Authenticator" (admin panel): the file comes from the system's open dialog, never
  // from the window, and only an admin may import.
  const importer = new StreamlitImportService({
    target: latchkey.users,
    chooseFile: async () => {
      const options = { title: 'Import a Streamlit-Authenticator config.yaml', properties: ['openFile' as const], filters: [{ name: 'YAML', extensions: ['yaml', 'yml'] }] };
      const parent = windows.all()[0];
      const chosen = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
    },
    isAdmin: () => latchkey.engine.hasRole(ADMIN_ROLE),
    afterImport: () => latchkey.engine.reload(),
  });
  registerIpc(createIpcRouter(latchkey.engine, { log, diagnostics, importer }), {
    isTrustedSender: appSenderCheck(windows, rendererUrl),
    log,
  });
  broadcastStateChanges(latchkey.engine, () => windows.all(), rendererUrl);

  windows.create();
  app.on('activate', () => {
    // macOS: clicking the dock icon with no window open brings one back.
    if (windows.all().length === 0) windows.create();
  });
  app.on('window-all-closed', () => {
    // macOS convention: the app stays in the dock until quit explicitly.
    if (process.platform !== 'darwin') app.quit();
  });
}

if (!app.requestSingleInstanceLock()) {
  // Another Latchkey runs on this profile: it has been told (second-instance) and focuses its window.
  app.quit();
} else {
  start().catch((error: unknown) => {
    reportStartupFailure(error);
    app.exit(1);
  });
}
