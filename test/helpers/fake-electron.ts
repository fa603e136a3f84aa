/**
 * A fake `electron` module for tests of the desktop glue (Electron Fiddle's approach): it implements the
 * parts of Electron's API the glue calls, records what the glue does with them, and lets a test play the
 * OS and Chromium (ready, a second launch, quit, resume, a window closing, an IPC message arriving).
 *
 * The recorder lives on globalThis, so a test that re-imports the glue with `vi.resetModules()` still sees
 * the same one. Use it in a test file with:
 *
 *   vi.mock('electron', async () => (await import('./helpers/fake-electron')).fakeElectronModule());
 */

type Listener = (...args: unknown[]) => unknown;

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: Listener): this {
    const wrapped: Listener = (...args) => {
      this.removeListener(event, wrapped);
      return listener(...args);
    };
    return this.on(event, wrapped);
  }
  removeListener(event: string, listener: Listener): this {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l !== listener),
    );
    return this;
  }
  removeAllListeners(event?: string): this {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
    return this;
  }
  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
  emit(event: string, ...args: unknown[]): unknown[] {
    return [...(this.listeners.get(event) ?? [])].map((listener) => listener(...args));
  }
}

export interface FakeEvent {
  url?: string;
  defaultPrevented: boolean;
  preventDefault(): void;
}

export function fakeEvent(url?: string): FakeEvent {
  return {
    ...(url !== undefined ? { url } : {}),
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One session shared by every window, as Electron's default session is. */
class FakeSession {
  permissionRequest?: (contents: unknown, permission: string, callback: (allowed: boolean) => void, details: Record<string, unknown>) => void;
  permissionCheck?: (contents: unknown, permission: string, origin: string, details: Record<string, unknown>) => boolean;
  headersReceived?: (details: Record<string, unknown>, callback: (response: Record<string, unknown>) => void) => void;
  setPermissionRequestHandler(handler: FakeSession['permissionRequest']): void {
    this.permissionRequest = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['permissionCheck']): void {
    this.permissionCheck = handler;
  }
  readonly webRequest = {
    onHeadersReceived: (handler: FakeSession['headersReceived']) => {
      this.headersReceived = handler;
    },
  };
  /** What Chromium's proxy resolution answers for every URL (a test may set a proxy). */
  proxyAnswer = 'DIRECT';
  resolveProxy(_url: string): Promise<string> {
    return Promise.resolve(this.proxyAnswer);
  }
}

export class FakeWebContents extends Emitter {
  url = '';
  destroyed = false;
  windowOpenHandler?: (details: { url: string }) => { action: string };
  readonly sent: { channel: string; payload: unknown }[] = [];
  constructor(readonly session: FakeSession) {
    super();
  }
  setWindowOpenHandler(handler: FakeWebContents['windowOpenHandler']): void {
    this.windowOpenHandler = handler;
  }
  getURL(): string {
    return this.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  /** The top frame as Electron's `WebFrameMain` would describe it. */
  mainFrame(): { url: string; parent: null; detached: boolean; contents: FakeWebContents } {
    return { url: this.url, parent: null, detached: false, contents: this };
  }
}

export class FakeBrowserWindow extends Emitter {
  readonly webContents: FakeWebContents;
  readonly loaded: string[] = [];
  visible = false;
  focused = false;
  minimized = false;
  maximized = false;
  destroyed = false;
  backgroundColor: string | undefined;
  normalBounds: Rect;
  constructor(readonly options: Record<string, unknown> & { webPreferences?: Record<string, unknown> }) {
    super();
    const fake = fakeElectron();
    this.webContents = new FakeWebContents(fake.session);
    this.backgroundColor = options.backgroundColor as string | undefined;
    this.normalBounds = {
      x: (options.x as number | undefined) ?? 100,
      y: (options.y as number | undefined) ?? 100,
      width: options.width as number,
      height: options.height as number,
    };
    fake.windows.push(this);
    fake.timeline.push('BrowserWindow');
  }
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.webContents.url = url;
    return Promise.resolve();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  show(): void {
    this.visible = true;
  }
  focus(): void {
    this.focused = true;
  }
  maximize(): void {
    this.maximized = true;
    this.visible = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  getNormalBounds(): Rect {
    return { ...this.normalBounds };
  }
  setBackgroundColor(colour: string): void {
    this.backgroundColor = colour;
  }
  /** The person closes the window: `close` (still alive), then `closed` (gone). */
  close(): void {
    this.emit('close', fakeEvent());
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export interface FakeElectron {
  /** What happened, in order: 'whenReady', 'ready', 'protocol.handle', 'BrowserWindow', ... (tests add their own). */
  timeline: string[];
  windows: FakeBrowserWindow[];
  session: FakeSession;
  app: Emitter & Record<string, unknown>;
  paths: Map<string, string>;
  isPackaged: boolean;
  singleInstanceLock: boolean;
  quitCalls: number;
  exitCodes: number[];
  errorBoxes: { title: string; content: string }[];
  /** Every dialog.showOpenDialog call: its parent window (null: none) and options. */
  openDialogs: { parent: unknown; options: Record<string, unknown> }[];
  /** The file the next open dialog answers; null: the person cancels it. */
  openDialogAnswer: string | null;
  ready: Deferred;
  ipcHandlers: Map<string, Listener>;
  /** Every ipcMain.handle call, duplicates included. */
  ipcHandleCalls: string[];
  ipcMain: Emitter & Record<string, unknown>;
  privilegedSchemes: { scheme: string; privileges: Record<string, unknown> }[];
  protocolHandlers: Map<string, (request: Request) => Promise<Response>>;
  applicationMenu: { template: unknown } | null;
  nativeTheme: Emitter & { shouldUseDarkColors: boolean };
  powerMonitor: Emitter;
  displays: { workArea: Rect }[];
  openedExternally: string[];
  exposed: { key: string; api: unknown }[];
  ipcRenderer: Emitter & { invoked: { channel: string; args: unknown[] }[]; answer: (channel: string, args: unknown[]) => unknown };
  appUserModelIds: string[];
  /** Every URL requested through net.fetch (answered by Node's fetch, playing Chromium's network stack). */
  netFetches: string[];
}

const KEY = Symbol.for('latchkey.test.fakeElectron');

function create(): FakeElectron {
  const fake: FakeElectron = {
    timeline: [],
    windows: [],
    session: new FakeSession(),
    app: new Emitter() as FakeElectron['app'],
    paths: new Map([
      ['appData', '/home/person/.config'],
      ['userData', '/home/person/.config/latchkey'],
    ]),
    isPackaged: false,
    singleInstanceLock: true,
    quitCalls: 0,
    exitCodes: [],
    errorBoxes: [],
    openDialogs: [],
    openDialogAnswer: null,
    ready: deferred(),
    ipcHandlers: new Map(),
    ipcHandleCalls: [],
    ipcMain: new Emitter() as FakeElectron['ipcMain'],
    privilegedSchemes: [],
    protocolHandlers: new Map(),
    applicationMenu: null,
    nativeTheme: Object.assign(new Emitter(), { shouldUseDarkColors: false }),
    powerMonitor: new Emitter(),
    displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
    openedExternally: [],
    exposed: [],
    ipcRenderer: Object.assign(new Emitter(), {
      invoked: [] as { channel: string; args: unknown[] }[],
      answer: (_channel: string, _args: unknown[]): unknown => ({ ok: true, value: null }),
    }),
    appUserModelIds: [],
    netFetches: [],
  };
  return fake;
}

/** The recorder (created on first use). */
export function fakeElectron(): FakeElectron {
  const store = globalThis as unknown as Record<symbol, FakeElectron | undefined>;
  store[KEY] ??= create();
  return store[KEY];
}

/** A fresh recorder for the next test. */
export function resetFakeElectron(): FakeElectron {
  const store = globalThis as unknown as Record<symbol, FakeElectron | undefined>;
  store[KEY] = create();
  return store[KEY];
}

/**
 * The module object `vi.mock('electron', ...)` returns. Every function looks the recorder up when called,
 * so a reset between tests is seen by modules imported earlier.
 */
export function fakeElectronModule(): Record<string, unknown> {
  const f = fakeElectron;
  const app = {
    get isPackaged() {
      return f().isPackaged;
    },
    getPath: (name: string) => {
      const path = f().paths.get(name);
      if (path === undefined) throw new Error(`fake electron: no path ${name}`);
      return path;
    },
    setPath: (name: string, path: string) => {
      f().paths.set(name, path);
      f().timeline.push(`setPath:${name}`);
    },
    getName: () => 'Latchkey',
    getVersion: () => '0.0.0-test',
    requestSingleInstanceLock: () => {
      f().timeline.push('requestSingleInstanceLock');
      return f().singleInstanceLock;
    },
    whenReady: () => {
      f().timeline.push('whenReady');
      return f().ready.promise;
    },
    on: (event: string, listener: Listener) => {
      f().app.on(event, listener);
      return app;
    },
    once: (event: string, listener: Listener) => {
      f().app.once(event, listener);
      return app;
    },
    quit: () => {
      f().quitCalls += 1;
      f().timeline.push('quit');
      f().app.emit('before-quit', fakeEvent());
    },
    exit: (code: number) => {
      f().exitCodes.push(code);
      f().timeline.push(`exit:${code}`);
    },
    setAppUserModelId: (id: string) => {
      f().appUserModelIds.push(id);
    },
  };
  const ipcMain = {
    handle: (channel: string, listener: Listener) => {
      f().ipcHandleCalls.push(channel);
      f().timeline.push(`ipcMain.handle:${channel}`);
      if (f().ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      f().ipcHandlers.set(channel, listener);
    },
    removeHandler: (channel: string) => {
      f().ipcHandlers.delete(channel);
    },
    on: (event: string, listener: Listener) => {
      f().ipcMain.on(event, listener);
      return ipcMain;
    },
    removeAllListeners: (event?: string) => {
      f().ipcMain.removeAllListeners(event);
      return ipcMain;
    },
  };
  const webContents = {
    fromFrame: (frame: { contents?: FakeWebContents } | null) => frame?.contents,
  };
  const Menu = {
    buildFromTemplate: (template: unknown) => ({ template }),
    setApplicationMenu: (menu: { template: unknown } | null) => {
      f().applicationMenu = menu;
      f().timeline.push('setApplicationMenu');
    },
  };
  const protocol = {
    registerSchemesAsPrivileged: (schemes: { scheme: string; privileges: Record<string, unknown> }[]) => {
      f().privilegedSchemes.push(...schemes);
      f().timeline.push('registerSchemesAsPrivileged');
    },
    handle: (scheme: string, handler: (request: Request) => Promise<Response>) => {
      f().protocolHandlers.set(scheme, handler);
      f().timeline.push(`protocol.handle:${scheme}`);
    },
  };
  const nativeTheme = {
    get shouldUseDarkColors() {
      return f().nativeTheme.shouldUseDarkColors;
    },
    on: (event: string, listener: Listener) => {
      f().nativeTheme.on(event, listener);
      return nativeTheme;
    },
  };
  const powerMonitor = {
    on: (event: string, listener: Listener) => {
      f().powerMonitor.on(event, listener);
      return powerMonitor;
    },
  };
  const screen = { getAllDisplays: () => f().displays };
  const shell = {
    openExternal: (url: string) => {
      f().openedExternally.push(url);
      return Promise.resolve();
    },
  };
  const net = {
    fetch: (input: string | Request, init?: RequestInit) => {
      f().netFetches.push(typeof input === 'string' ? input : input.url);
      return fetch(input, init);
    },
  };
  const dialog = {
    showErrorBox: (title: string, content: string) => {
      f().errorBoxes.push({ title, content });
    },
    showOpenDialog: (...args: unknown[]) => {
      // (window, options) or (options): which window it belongs to, and what it asked for.
      const [first, second] = args;
      const parent = second === undefined ? null : first;
      f().openDialogs.push({ parent, options: (second ?? first) as Record<string, unknown> });
      const picked = f().openDialogAnswer;
      return Promise.resolve(picked === null ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: [picked] });
    },
  };
  const contextBridge = {
    exposeInMainWorld: (key: string, api: unknown) => {
      f().exposed.push({ key, api });
    },
  };
  const ipcRenderer = {
    invoke: (channel: string, ...args: unknown[]) => {
      f().ipcRenderer.invoked.push({ channel, args });
      return Promise.resolve(f().ipcRenderer.answer(channel, args));
    },
    on: (event: string, listener: Listener) => {
      f().ipcRenderer.on(event, listener);
      return ipcRenderer;
    },
    removeListener: (event: string, listener: Listener) => {
      f().ipcRenderer.removeListener(event, listener);
      return ipcRenderer;
    },
  };
  const module = {
    app,
    BrowserWindow: FakeBrowserWindow,
    contextBridge,
    dialog,
    ipcMain,
    ipcRenderer,
    Menu,
    nativeTheme,
    net,
    powerMonitor,
    session: {
      get defaultSession() {
        return f().session;
      },
    },
    protocol,
    screen,
    shell,
    webContents,
  };
  return { ...module, default: module };
}
