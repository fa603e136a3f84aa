/**
 * The desktop app's entry (src/main/desktop/index.ts) run against a fake `electron` module that records
 * what the glue does (Electron Fiddle's approach): no Electron binary is needed. The engine is replaced by
 * a recording one whose restore(), close() and recheck() the test finishes when it chooses, so the order
 * of start-up and shut-down is visible. electron-store is the real package (inlined by vitest so it meets
 * the fake electron), writing into a temp folder.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthError } from '../src/shared/errors';
import { IPC_CHANNELS, type IpcChannel } from '../src/shared/ipc';
import type { SessionState } from '../src/shared/session';
import { defaultConfigPath } from '../src/main/store/paths';
import { contentSecurityPolicy } from '../src/main/desktop/csp';
import { menuRoles, type MenuItemSpec } from '../src/main/desktop/menu';
import { WINDOW_BACKGROUND } from '../src/main/desktop/theme';
import { RecordingEngine } from './hardening/recording-engine';
import { fakeEvent, FakeWebContents, resetFakeElectron, type FakeBrowserWindow, type FakeElectron } from './helpers/fake-electron';

vi.mock('electron', async () => (await import('./helpers/fake-electron')).fakeElectronModule());

/** The engine the mocked createLatchkey hands out, and what happened to it. */
interface EngineControl {
  engine: BroadcastingEngine;
  options: Record<string, unknown>[];
  restore: { resolve(): void; reject(error: unknown): void } | null;
  close: { resolve(): void } | null;
  rechecks: number;
  recheckFails: boolean;
  /** Makes the error createLatchkey throws, from the errors module the entry itself loaded. */
  createFails: ((errors: typeof import('../src/shared/errors')) => unknown) | null;
}

class BroadcastingEngine extends RecordingEngine {
  private readonly listeners = new Set<(state: SessionState) => void>();
  override onStateChange(listener?: (state: SessionState) => void): () => void {
    if (listener === undefined) return () => undefined;
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  announce(state: SessionState): void {
    for (const listener of this.listeners) listener(state);
  }
}

const control = vi.hoisted(() => ({ current: null as unknown }));
function engineControl(): EngineControl {
  return control.current as EngineControl;
}

vi.mock('../src/main/app', async () => {
  const { fakeElectron } = await import('./helpers/fake-electron');
  return {
    createLatchkey: async (options: Record<string, unknown>) => {
      const c = control.current as EngineControl;
      c.options.push(options);
      fakeElectron().timeline.push('createLatchkey');
      if (c.createFails !== null) throw c.createFails(await import('../src/shared/errors'));
      return {
        engine: c.engine,
        restore: () =>
          new Promise((resolve, reject) => {
            fakeElectron().timeline.push('restore:start');
            c.restore = {
              resolve: () => {
                fakeElectron().timeline.push('restore:end');
                resolve(c.engine.getState());
              },
              reject,
            };
          }),
        recheck: async () => {
          c.rechecks += 1;
          fakeElectron().timeline.push('recheck');
          if (c.recheckFails) throw new AuthError('network', 'offline');
        },
        close: () =>
          new Promise<void>((resolve) => {
            fakeElectron().timeline.push('close:start');
            c.close = {
              resolve: () => {
                fakeElectron().timeline.push('close:end');
                resolve();
              },
            };
          }),
        getAccessToken: async () => 'unused',
        paths: { configPath: '/unused/config.yaml', dataDir: '/unused' },
      };
    },
  };
});

/** Reads of the built renderer, answered without a build (the entry serves `<main dir>/../renderer`). */
const rendererReads = vi.hoisted(() => [] as string[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = async (...args: Parameters<typeof real.readFile>) => {
    const [file] = args;
    if (typeof file === 'string' && file.includes(`${'/renderer/'}`) && file.includes('/src/main/')) {
      rendererReads.push(file);
      if (file.endsWith('/index.html')) return Buffer.from('<!doctype html><title>Latchkey</title>');
      throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    }
    return real.readFile(...args);
  };
  return { ...real, readFile, default: { ...real, readFile } };
});

const SOURCE_MAIN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main');
const APP_PAGE = 'app://latchkey/index.html';
const REFUSAL = 'This message was refused: it did not come from the Latchkey window.';

/** Arguments the contract accepts, per channel (a channel not listed is called without arguments). */
const VALID_ARGS: Partial<Record<IpcChannel, unknown[]>> = {
  'session:get': [],
  'session:reload': [],
  'providers:list': [],
  'session:sign-in': ['demo'],
  'session:cancel-sign-in': [],
  'session:reopen-browser': [],
  'session:switch-account': ['demo:alice'],
  'session:refresh': [],
  'session:sign-out': [],
  'session:open-end-session': ['demo:alice'],
  'events:recent': [5],
};

let fake: FakeElectron;
let appData = '';
const savedArgv = process.argv;
const savedEnv = { ...process.env };

/** Lets every pending promise callback run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

async function importEntry(): Promise<void> {
  vi.resetModules();
  await import('../src/main/desktop/index');
}

/** Imports the entry, makes the app ready and finishes restore(): the window exists afterwards. */
async function startApp(): Promise<FakeBrowserWindow> {
  await importEntry();
  fake.ready.resolve();
  await settle();
  engineControl().restore?.resolve();
  await settle();
  const win = fake.windows.at(-1);
  if (win === undefined) throw new Error('no window was created');
  return win;
}

function envelopeMessage(answer: unknown): string | undefined {
  const envelope = answer as { ok: boolean; error?: { message: string } };
  return envelope.ok ? undefined : envelope.error?.message;
}

beforeEach(async () => {
  fake = resetFakeElectron();
  appData = await mkdtemp(join(tmpdir(), 'latchkey-glue-'));
  fake.paths.set('appData', appData);
  fake.paths.set('userData', join(appData, 'latchkey'));
  control.current = {
    engine: new BroadcastingEngine(),
    options: [],
    restore: null,
    close: null,
    rechecks: 0,
    recheckFails: false,
    createFails: null,
  } satisfies EngineControl;
  rendererReads.length = 0;
  process.argv = ['/opt/Latchkey/latchkey-desktop'];
  for (const name of ['LATCHKEY_CONFIG', 'LATCHKEY_KEYCHAIN_SERVICE', 'LATCHKEY_BROWSER', 'ELECTRON_RENDERER_URL']) delete process.env[name];
});

afterEach(async () => {
  process.argv = savedArgv;
  process.env = { ...savedEnv };
  await rm(appData, { recursive: true, force: true });
});

describe('desktop entry: start-up order', () => {
  it('takes the single-instance lock; a second launch focuses (and un-minimizes) the existing window', async () => {
    const win = await startApp();
    expect(fake.timeline.indexOf('requestSingleInstanceLock')).toBeLessThan(fake.timeline.indexOf('whenReady'));
    win.minimized = true;
    win.visible = false;
    fake.app.emit('second-instance', fakeEvent(), ['/opt/Latchkey/latchkey-desktop'], '/home/person');
    expect(win.minimized).toBe(false);
    expect(win.visible).toBe(true);
    expect(win.focused).toBe(true);
    expect(fake.windows).toHaveLength(1);
  });

  it('without the lock it quits at once: no engine, no window', async () => {
    fake.singleInstanceLock = false;
    await importEntry();
    fake.ready.resolve();
    await settle();
    expect(fake.quitCalls).toBe(1);
    expect(engineControl().options).toHaveLength(0);
    expect(fake.windows).toHaveLength(0);
    expect(fake.timeline).not.toContain('whenReady');
  });

  it('restore() finishes before any window is created, and the IPC handlers are there before the window', async () => {
    await importEntry();
    fake.ready.resolve();
    await settle();
    expect(fake.timeline).toContain('restore:start');
    expect(fake.windows).toHaveLength(0);
    expect(fake.ipcHandlers.size).toBe(0);
    engineControl().restore?.resolve();
    await settle();
    expect(fake.windows).toHaveLength(1);
    const restored = fake.timeline.indexOf('restore:end');
    const firstHandler = fake.timeline.findIndex((entry) => entry.startsWith('ipcMain.handle:'));
    const window = fake.timeline.indexOf('BrowserWindow');
    expect(restored).toBeGreaterThan(-1);
    expect(firstHandler).toBeGreaterThan(restored);
    expect(window).toBeGreaterThan(firstHandler);
  });

  it('a failed restore still opens the window (the renderer asks for the state and sees the problem)', async () => {
    await importEntry();
    fake.ready.resolve();
    await settle();
    engineControl().restore?.reject(new AuthError('keychain_unavailable', 'no keychain'));
    await settle();
    expect(fake.windows).toHaveLength(1);
  });

  it('an engine that cannot start is reported in a dialog and the app exits with 1, with no window', async () => {
    engineControl().createFails = (errors) =>
      new errors.AuthError('data_folder_unsafe', 'The data folder is writable by others.', { hint: 'chmod 700 ~/.config/Latchkey' });
    await importEntry();
    fake.ready.resolve();
    await settle();
    expect(fake.errorBoxes).toEqual([{ title: 'Latchkey could not start', content: 'The data folder is writable by others.\n\nchmod 700 ~/.config/Latchkey' }]);
    expect(fake.exitCodes).toEqual([1]);
    expect(fake.windows).toHaveLength(0);
  });
});

describe('desktop entry: the window', () => {
  it('loads the app origin, hidden until ready-to-show, on the theme background, with the secure preferences', async () => {
    fake.nativeTheme.shouldUseDarkColors = true;
    fake.isPackaged = true;
    const win = await startApp();
    expect(win.loaded).toEqual([APP_PAGE]);
    expect(win.options.show).toBe(false);
    expect(win.options.backgroundColor).toBe(WINDOW_BACKGROUND.dark);
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      webSecurity: true,
      devTools: false,
    });
    expect(win.options.webPreferences?.preload).toBe(join(SOURCE_MAIN_DIR, 'preload', 'index.cjs'));
    expect(win.visible).toBe(false);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);

    fake.nativeTheme.shouldUseDarkColors = false;
    fake.nativeTheme.emit('updated');
    expect(win.backgroundColor).toBe(WINDOW_BACKGROUND.light);
  });

  it('installs the permission, CSP, navigation, window-open and webview handlers for exactly the app origin', async () => {
    const win = await startApp();
    const contents = win.webContents;
    const session = contents.session;
    expect(session.permissionRequest).toBeTypeOf('function');
    expect(session.permissionCheck).toBeTypeOf('function');
    expect(session.headersReceived).toBeTypeOf('function');
    expect(contents.windowOpenHandler?.({ url: APP_PAGE })).toEqual({ action: 'deny' });
    expect(contents.listenerCount('will-attach-webview')).toBe(1);

    const [navigate] = contents.listeners.get('will-navigate') ?? [];
    if (navigate === undefined) throw new Error('no will-navigate handler');
    const outcomes = Object.fromEntries(
      [APP_PAGE, 'app://latchkey/other.html', 'app://evil/index.html', 'file:///opt/Latchkey/resources/app.asar/out/renderer/index.html', 'https://example.com/'].map((url) => {
        const event = fakeEvent(url);
        navigate(event);
        return [url, event.defaultPrevented ? 'prevented' : 'allowed'];
      }),
    );
    expect(outcomes).toEqual({
      [APP_PAGE]: 'allowed',
      'app://latchkey/other.html': 'prevented',
      'app://evil/index.html': 'prevented',
      'file:///opt/Latchkey/resources/app.asar/out/renderer/index.html': 'prevented',
      'https://example.com/': 'prevented',
    });
    expect(fake.openedExternally).toEqual(['https://example.com/']);

    const allowed: boolean[] = [];
    session.permissionRequest?.(contents, 'clipboard-sanitized-write', (ok) => allowed.push(ok), { isMainFrame: true, requestingUrl: APP_PAGE });
    session.permissionRequest?.(contents, 'clipboard-sanitized-write', (ok) => allowed.push(ok), { isMainFrame: true, requestingUrl: 'app://evil/index.html' });
    session.permissionRequest?.(contents, 'clipboard-sanitized-write', (ok) => allowed.push(ok), { isMainFrame: true, requestingUrl: 'file:///index.html' });
    expect(allowed).toEqual([true, false, false]);
  });

  it('registers app:// as a privileged scheme before ready and serves only the renderer folder, with the CSP', async () => {
    await startApp();
    expect(fake.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
    expect(fake.timeline.indexOf('registerSchemesAsPrivileged')).toBeLessThan(fake.timeline.indexOf('whenReady'));
    const handler = fake.protocolHandlers.get('app');
    if (handler === undefined) throw new Error('no app: protocol handler');

    const page = await handler(new Request(APP_PAGE));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
    expect(await page.text()).toContain('<title>Latchkey</title>');
    // The renderer folder sits next to the main process's folder, as electron-vite builds it (out/main, out/renderer).
    expect(rendererReads).toEqual([join(SOURCE_MAIN_DIR, 'renderer', 'index.html')]);

    for (const url of ['app://latchkey/..%2F..%2Fpackage.json', 'app://latchkey/%2e%2e/main/index.js', 'app://other/index.html', 'app://latchkey/assets/missing.js']) {
      const answer = await handler(new Request(url));
      expect(answer.status, url).toBe(404);
      expect(answer.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
    }
    // Nothing outside the renderer folder was even looked at.
    expect(rendererReads.length).toBeGreaterThan(1);
    for (const file of rendererReads) expect(file.startsWith(join(SOURCE_MAIN_DIR, 'renderer') + sep), file).toBe(true);
    expect((await handler(new Request(APP_PAGE, { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('has the standard menu roles; the developer tools only in development', async () => {
    fake.isPackaged = true;
    await startApp();
    const packaged = menuRoles(fake.applicationMenu?.template as MenuItemSpec[]);
    for (const role of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'reload', 'minimize'] as const) expect(packaged).toContain(role);
    expect(packaged).not.toContain('toggleDevTools');

    fake = resetFakeElectron();
    fake.paths.set('appData', appData);
    fake.isPackaged = false;
    await startApp();
    expect(menuRoles(fake.applicationMenu?.template as MenuItemSpec[])).toContain('toggleDevTools');
    expect(fake.windows.at(-1)?.options.webPreferences?.devTools).toBe(true);
  });
});

describe('desktop entry: IPC', () => {
  it('registers exactly one handler per channel of the contract, and nothing else listens on ipcMain', async () => {
    await startApp();
    expect([...fake.ipcHandleCalls].sort()).toEqual([...IPC_CHANNELS].sort());
    expect(new Set(fake.ipcHandleCalls).size).toBe(fake.ipcHandleCalls.length);
    // electron-store's own synchronous channel is removed: the contract is the only IPC the app answers.
    expect([...fake.ipcMain.listeners.entries()].filter(([, listeners]) => listeners.length > 0)).toEqual([]);
  });

  it('every handler checks the sender first: only the top frame of its own window on the app page reaches the engine', async () => {
    const win = await startApp();
    const engine = engineControl().engine;
    const foreign = new FakeWebContents(win.webContents.session);
    foreign.url = APP_PAGE;

    for (const channel of IPC_CHANNELS) {
      const handler = fake.ipcHandlers.get(channel);
      if (handler === undefined) throw new Error(`no handler for ${channel}`);
      const args = VALID_ARGS[channel] ?? [];
      const before = engine.calls.length;
      const refusedFrames = [
        null,
        { ...win.webContents.mainFrame(), url: 'https://evil.example/' },
        { ...win.webContents.mainFrame(), url: 'app://evil/index.html' },
        { ...win.webContents.mainFrame(), url: 'file:///opt/Latchkey/resources/app.asar/out/renderer/index.html' },
        { ...win.webContents.mainFrame(), parent: win.webContents.mainFrame() },
        foreign.mainFrame(),
      ];
      for (const senderFrame of refusedFrames) {
        expect(envelopeMessage(await handler({ senderFrame }, ...args)), channel).toBe(REFUSAL);
      }
      expect(engine.calls.length, `${channel} reached the engine from a refused sender`).toBe(before);

      const answer = await handler({ senderFrame: win.webContents.mainFrame() }, ...args);
      expect(envelopeMessage(answer), channel).not.toBe(REFUSAL);
      if (VALID_ARGS[channel] !== undefined) {
        expect((answer as { ok: boolean }).ok, channel).toBe(true);
        expect(engine.calls.length, `${channel} did not reach the engine`).toBeGreaterThan(before);
      }
    }
    expect(engine.violations).toEqual([]);
  });

  it('announces session changes only to app windows that show the app page', async () => {
    const win = await startApp();
    const state: SessionState = { phase: 'ready', accounts: [], activeAccountKey: null, signIn: null, configPath: '/x/config.yaml' };
    engineControl().engine.announce(state);
    expect(win.webContents.sent).toEqual([{ channel: 'session:changed', payload: state }]);
    win.webContents.url = 'https://evil.example/';
    engineControl().engine.announce(state);
    expect(win.webContents.sent).toHaveLength(1);
  });
});

describe('desktop entry: power and quitting', () => {
  it('re-checks the session when the machine resumes, and a failed re-check does not throw', async () => {
    await startApp();
    expect(engineControl().rechecks).toBe(0);
    fake.powerMonitor.emit('resume');
    await settle();
    expect(engineControl().rechecks).toBe(1);
    engineControl().recheckFails = true;
    fake.powerMonitor.emit('resume');
    await settle();
    expect(engineControl().rechecks).toBe(2);
    // Other power events are not a reason to re-check.
    fake.powerMonitor.emit('suspend');
    fake.powerMonitor.emit('lock-screen');
    await settle();
    expect(engineControl().rechecks).toBe(2);
  });

  it('quitting waits for the engine to close, then quits for real', async () => {
    await startApp();
    const quit = fakeEvent();
    fake.app.emit('before-quit', quit);
    expect(quit.defaultPrevented).toBe(true);
    await settle();
    expect(fake.timeline).toContain('close:start');
    expect(fake.quitCalls).toBe(0);
    // A second quit request while closing neither closes twice nor quits early.
    const again = fakeEvent();
    fake.app.emit('before-quit', again);
    expect(again.defaultPrevented).toBe(true);
    await settle();
    expect(fake.timeline.filter((entry) => entry === 'close:start')).toHaveLength(1);

    engineControl().close?.resolve();
    await settle();
    expect(fake.quitCalls).toBe(1);
    expect(fake.timeline.indexOf('quit')).toBeGreaterThan(fake.timeline.indexOf('close:end'));
    // The repeated quit is let through.
    const final = fakeEvent();
    fake.app.emit('before-quit', final);
    expect(final.defaultPrevented).toBe(false);
  });
});

describe('desktop entry: folders and remembered window placement', () => {
  it('the packaged app uses the folder of the CLI default config.yaml as its profile, and lets the engine pick the same config', async () => {
    fake.isPackaged = true;
    // Electron's appData on Linux is $XDG_CONFIG_HOME (else ~/.config): the same base the CLI's default uses.
    process.env.XDG_CONFIG_HOME = appData;
    await startApp();
    expect(fake.paths.get('userData')).toBe(join(appData, 'Latchkey'));
    expect(dirname(defaultConfigPath(process.env, 'linux'))).toBe(fake.paths.get('userData'));
    expect(engineControl().options[0]?.configPath).toBeUndefined();
    expect(engineControl().options[0]?.role).toBe('app');
  });

  it('--config gives the app that file and a profile folder beside it', async () => {
    process.argv = ['/opt/Latchkey/latchkey-desktop', '--config', join(appData, 'work', 'config.yaml')];
    await startApp();
    expect(engineControl().options[0]?.configPath).toBe(join(appData, 'work', 'config.yaml'));
    expect(fake.paths.get('userData')).toBe(join(appData, 'work', '.latchkey-window'));
  });

  it('a packaged app ignores ELECTRON_RENDERER_URL; a development one loads the local dev server', async () => {
    // (typed read-only by electron-vite, which sets it in development)
    Object.assign(process.env, { ELECTRON_RENDERER_URL: 'http://localhost:5173/' });
    fake.isPackaged = true;
    expect((await startApp()).loaded).toEqual([APP_PAGE]);
    fake = resetFakeElectron();
    fake.paths.set('appData', appData);
    expect((await startApp()).loaded).toEqual(['http://localhost:5173/']);
  });

  it('remembers size, position and maximized state in the profile folder (0600) and opens there next time', async () => {
    const first = await startApp();
    expect(first.options).toMatchObject({ width: 980, height: 720 });
    expect(first.options.x).toBeUndefined();
    first.normalBounds = { x: 240, y: 160, width: 1100, height: 800 };
    first.maximized = true;
    first.close();
    const file = join(appData, 'Latchkey', 'window-state.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ window: { bounds: { x: 240, y: 160, width: 1100, height: 800 }, maximized: true } });
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    fake = resetFakeElectron();
    fake.paths.set('appData', appData);
    const second = await startApp();
    expect(second.options).toMatchObject({ x: 240, y: 160, width: 1100, height: 800 });
    expect(second.maximized).toBe(false);
    second.emit('ready-to-show');
    expect(second.maximized).toBe(true);

    // Moved to a second monitor that is gone next time: same size, but the OS places it.
    second.normalBounds = { x: 2200, y: 100, width: 1100, height: 800 };
    second.close();
    fake = resetFakeElectron();
    fake.paths.set('appData', appData);
    const third = await startApp();
    expect(third.options).toMatchObject({ width: 1100, height: 800 });
    expect(third.options.x).toBeUndefined();
    expect(third.options.y).toBeUndefined();
  });

  it('a damaged window-state file is forgotten, not fatal', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(appData, 'Latchkey'), { recursive: true });
    await writeFile(join(appData, 'Latchkey', 'window-state.json'), '{ not json');
    const win = await startApp();
    expect(win.options).toMatchObject({ width: 980, height: 720 });
  });
});
