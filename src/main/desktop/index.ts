/**
 * The desktop app's entry: app lifecycle, one instance per profile, and composition — the engine from
 * `app.ts`, the IPC router, the window. The session is restored before the window exists, so the first
 * thing the renderer is told is the real state (signed in or not), never a guess it has to correct.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, dialog, shell } from 'electron';
import { isAuthError } from '../../shared/errors';
import { createLatchkey, type Latchkey } from '../app';
import { appSenderCheck, broadcastStateChanges, registerIpc } from './ipc';
import { createIpcRouter } from './ipc-router';
import { parseLaunchOptions } from './launch-options';
import { openUrlWithCommand } from '../system-browser';
import { createAppWindows } from './window';
import { isExternalWebUrl } from './window-policy';

const here = dirname(fileURLToPath(import.meta.url));
const PRELOAD_PATH = join(here, '..', 'preload', 'index.cjs');
const INDEX_HTML_PATH = join(here, '..', 'renderer', 'index.html');

/** The engine promises that its log lines carry no secret; they go to stderr for whoever started the app. */
function log(line: string): void {
  process.stderr.write(`latchkey: ${line}\n`);
}

const launch = parseLaunchOptions(process.argv, process.env);
// A packaged app never loads a page named by an environment variable.
const devServerUrl = app.isPackaged ? undefined : launch.devServerUrl;
const rendererUrl = devServerUrl ?? pathToFileURL(INDEX_HTML_PATH).href;

/**
 * The window profile (Chromium storage, and the single-instance lock) sits with the config it serves: the
 * default `<appData>/Latchkey`, or a hidden folder next to an explicitly chosen config file. Two configs
 * are two independent profiles, and a run against a test config never meets the person's own app.
 */
app.setPath(
  'userData',
  launch.configPath === undefined
    ? join(app.getPath('appData'), 'Latchkey')
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

async function start(): Promise<void> {
  const windows = createAppWindows({
    rendererUrl,
    preloadPath: PRELOAD_PATH,
    ...(devServerUrl !== undefined ? { devServerUrl } : {}),
    log,
  });
  app.on('second-instance', () => {
    windows.focusFirst();
  });

  await app.whenReady();

  let latchkey: Latchkey;
  try {
    latchkey = await createLatchkey({
      ...(launch.configPath !== undefined ? { configPath: resolve(launch.configPath) } : {}),
      ...(launch.keychainService !== undefined ? { keychainService: launch.keychainService } : {}),
      openBrowser: openBrowserFor(launch.browserCommand),
      role: 'app',
      log,
    });
  } catch (error) {
    reportStartupFailure(error);
    app.exit(1);
    return;
  }
  closeBeforeQuit(latchkey);

  try {
    await latchkey.restore();
  } catch (error) {
    // The window still opens: it asks for the state, and the engine reports what went wrong there.
    log(`restoring the session failed: ${isAuthError(error) ? error.code : 'unexpected error'}`);
  }

  registerIpc(createIpcRouter(latchkey.engine, { log }), {
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
