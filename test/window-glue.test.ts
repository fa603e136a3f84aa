/**
 * The window factory (src/main/desktop/window.ts) against a fake `electron` module that records what the glue
 * wires up: the BrowserWindow's web preferences, the web-contents events and handlers, and the session
 * rules. The Electron binary is not needed; the decisions themselves are tested with window-policy.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** What the fake records; reset before each test. */
const recorded = vi.hoisted(() => ({
  windows: [] as FakeWindowRecord[],
  openedExternally: [] as string[],
}));

interface FakeEvent {
  url?: string;
  defaultPrevented: boolean;
  preventDefault(): void;
}

interface FakeWindowRecord {
  options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>;
  contentsListeners: Map<string, ((...args: unknown[]) => unknown)[]>;
  windowOpenHandler?: (details: { url: string }) => { action: string };
  permissionRequest?: (contents: unknown, permission: string, callback: (allowed: boolean) => void, details: Record<string, unknown>) => void;
  permissionCheck?: (contents: unknown, permission: string, origin: string, details: Record<string, unknown>) => boolean;
  headersReceived?: (details: Record<string, unknown>, callback: (response: Record<string, unknown>) => void) => void;
  loaded: string[];
}

vi.mock('electron', () => {
  // One session for every window, as Electron's default session is.
  const sessionRecord: Partial<FakeWindowRecord> = {};
  const session = {
    setPermissionRequestHandler: (handler: FakeWindowRecord['permissionRequest']) => {
      sessionRecord.permissionRequest = handler;
    },
    setPermissionCheckHandler: (handler: FakeWindowRecord['permissionCheck']) => {
      sessionRecord.permissionCheck = handler;
    },
    webRequest: {
      onHeadersReceived: (handler: FakeWindowRecord['headersReceived']) => {
        sessionRecord.headersReceived = handler;
      },
    },
  };

  class BrowserWindow {
    readonly webContents: Record<string, unknown>;
    private readonly record: FakeWindowRecord;

    constructor(options: FakeWindowRecord['options']) {
      const record: FakeWindowRecord = { options, contentsListeners: new Map(), loaded: [] };
      this.record = record;
      Object.defineProperty(record, 'permissionRequest', { get: () => sessionRecord.permissionRequest });
      Object.defineProperty(record, 'permissionCheck', { get: () => sessionRecord.permissionCheck });
      Object.defineProperty(record, 'headersReceived', { get: () => sessionRecord.headersReceived });
      this.webContents = {
        session,
        on: (event: string, listener: (...args: unknown[]) => unknown) => {
          record.contentsListeners.set(event, [...(record.contentsListeners.get(event) ?? []), listener]);
        },
        setWindowOpenHandler: (handler: FakeWindowRecord['windowOpenHandler']) => {
          record.windowOpenHandler = handler;
        },
      };
      recorded.windows.push(record);
    }
    on(): void {}
    once(): void {}
    isDestroyed(): boolean {
      return false;
    }
    loadURL(url: string): Promise<void> {
      this.record.loaded.push(url);
      return Promise.resolve();
    }
  }

  const shell = {
    openExternal: (url: string) => {
      recorded.openedExternally.push(url);
      return Promise.resolve();
    },
  };
  return { BrowserWindow, shell, default: { BrowserWindow, shell } };
});

const { createAppWindows } = await import('../src/main/desktop/window');

const RENDERER_URL = 'app://latchkey/index.html';

function event(url?: string): FakeEvent {
  return {
    ...(url !== undefined ? { url } : {}),
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

function openWindow(): FakeWindowRecord {
  const windows = createAppWindows({ rendererUrl: RENDERER_URL, preloadPath: '/opt/latchkey/out/preload/index.cjs' });
  windows.create();
  const record = recorded.windows.at(-1);
  if (record === undefined) throw new Error('no BrowserWindow was created');
  return record;
}

function listeners(record: FakeWindowRecord, name: string): ((...args: unknown[]) => unknown)[] {
  return record.contentsListeners.get(name) ?? [];
}

beforeEach(() => {
  recorded.windows.length = 0;
  recorded.openedExternally.length = 0;
});

describe('window factory (fake electron)', () => {
  it('creates the window with the secure web preferences', () => {
    const record = openWindow();
    expect(record.options.show).toBe(false);
    expect(record.options.webPreferences).toEqual({
      preload: '/opt/latchkey/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: false,
      disableBlinkFeatures: 'Auxclick',
    });
    expect(record.loaded).toEqual([RENDERER_URL]);
  });

  it('refuses every <webview>, whatever it asks for', () => {
    const record = openWindow();
    const handlers = listeners(record, 'will-attach-webview');
    expect(handlers).toHaveLength(1);
    const attempts = [
      { src: RENDERER_URL, preload: '/opt/latchkey/out/preload/index.cjs' },
      { src: 'https://attacker.example/', nodeIntegration: true },
      { src: 'about:blank' },
    ];
    for (const params of attempts) {
      const attach = event();
      const webPreferences: Record<string, unknown> = { nodeIntegration: true, contextIsolation: false };
      for (const handler of handlers) handler(attach, webPreferences, params);
      expect(attach.defaultPrevented).toBe(true);
    }
  });

  it('denies every new window; web links go to the system browser', () => {
    const record = openWindow();
    const handler = record.windowOpenHandler;
    if (handler === undefined) throw new Error('no window-open handler');
    for (const url of ['https://example.com/', 'http://127.0.0.1:4600/', RENDERER_URL, 'file:///etc/passwd', 'javascript:alert(1)', 'ms-settings:']) {
      expect(handler({ url })).toEqual({ action: 'deny' });
    }
    expect(recorded.openedExternally).toEqual(['https://example.com/', 'http://127.0.0.1:4600/']);
  });

  it('keeps the window on the app page: web links leave for the system browser, the rest is refused', () => {
    const record = openWindow();
    const [navigate] = listeners(record, 'will-navigate');
    if (navigate === undefined) throw new Error('no will-navigate handler');
    const reload = event(RENDERER_URL);
    navigate(reload);
    expect(reload.defaultPrevented).toBe(false);
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'file:///opt/latchkey/out/renderer/index.html', 'app://latchkey.evil/index.html', 'javascript:alert(1)']) {
      const away = event(url);
      navigate(away);
      expect(away.defaultPrevented).toBe(true);
    }
    expect(recorded.openedExternally).toEqual(['https://example.com/']);
  });

  it('refuses web permissions and replaces any Content-Security-Policy of the app page with the app one', () => {
    const record = openWindow();
    const answers: boolean[] = [];
    record.permissionRequest?.(null, 'media', (allowed) => answers.push(allowed), { isMainFrame: true, requestingUrl: RENDERER_URL });
    expect(answers).toEqual([false]);
    expect(record.permissionCheck?.(null, 'geolocation', '', { isMainFrame: true, requestingUrl: RENDERER_URL })).toBe(false);

    let response: Record<string, unknown> = {};
    record.headersReceived?.(
      { url: RENDERER_URL, responseHeaders: { 'content-security-policy': ["default-src *"], 'X-Other': ['kept'] } },
      (answer) => {
        response = answer;
      },
    );
    const headers = response.responseHeaders as Record<string, string[]>;
    expect(Object.keys(headers).filter((name) => name.toLowerCase() === 'content-security-policy')).toEqual(['Content-Security-Policy']);
    expect(headers['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
    expect(headers['X-Other']).toEqual(['kept']);
  });
});
