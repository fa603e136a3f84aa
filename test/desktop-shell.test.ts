/**
 * The desktop shell's pure decisions: what the app:// origin serves, where the window opens, the menu, and
 * the window background against the renderer's stylesheet.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ORIGIN, APP_PAGE_URL, resolveAppAsset, serveAppRequest } from '../src/main/desktop/app-protocol';
import { contentSecurityPolicy } from '../src/main/desktop/csp';
import { appMenuTemplate, menuRoles } from '../src/main/desktop/menu';
import { WINDOW_BACKGROUND, windowBackground } from '../src/main/desktop/theme';
import { DEFAULT_WINDOW_SIZE, MIN_WINDOW_SIZE, parseWindowState, placeWindow } from '../src/main/desktop/window-state';

const ROOT = join(import.meta.dirname, '..');

describe('app:// origin', () => {
  let root = '';
  beforeAll(async () => {
    const base = await mkdtemp(join(tmpdir(), 'latchkey-app-origin-'));
    root = join(base, 'renderer');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    await writeFile(join(root, 'assets', 'index-abc.css'), 'body{}');
    await writeFile(join(base, 'secret.txt'), 'outside');
    await writeFile(join(base, 'renderer-evil.js'), 'outside, with a name that starts like the root');
    await writeFile(join(root, '.hidden.js'), 'hidden');
    await writeFile(join(root, 'notes.txt'), 'not a renderer file type');
  });
  afterAll(async () => {
    await rm(join(root, '..'), { recursive: true, force: true });
  });

  it('is one fixed origin and page', () => {
    expect(APP_ORIGIN).toBe('app://latchkey');
    expect(APP_PAGE_URL).toBe('app://latchkey/index.html');
  });

  it('maps the page and the bundle to files of the renderer folder, with their types', () => {
    expect(resolveAppAsset('app://latchkey/index.html', root)).toEqual({ file: join(root, 'index.html'), contentType: 'text/html; charset=utf-8' });
    expect(resolveAppAsset('app://latchkey/', root)?.file).toBe(join(root, 'index.html'));
    expect(resolveAppAsset('app://latchkey/index.html?x=1#y', root)?.file).toBe(join(root, 'index.html'));
    expect(resolveAppAsset('app://latchkey/assets/index-abc.js', root)).toEqual({
      file: join(root, 'assets', 'index-abc.js'),
      contentType: 'text/javascript; charset=utf-8',
    });
    expect(resolveAppAsset('app://latchkey/assets/index-abc.css', root)?.contentType).toBe('text/css; charset=utf-8');
  });

  it('refuses other origins, escapes from the folder, hidden files and unknown types', () => {
    for (const url of [
      'app://other/index.html',
      'app://latchkey.evil/index.html',
      'app://user:pw@latchkey/index.html',
      'file:///etc/passwd',
      'https://latchkey/index.html',
      'app://latchkey/..%2Fsecret.txt',
      'app://latchkey/%2E%2E%2Fsecret.txt',
      'app://latchkey/assets%2F..%2F..%2Fsecret.txt',
      'app://latchkey/..%2Frenderer-evil.js',
      'app://latchkey/..%5Csecret.txt',
      'app://latchkey/assets%5C..%5C..%5Csecret.txt',
      'app://latchkey/index.html%00.js',
      'app://latchkey/.hidden.js',
      'app://latchkey/notes.txt',
      'app://latchkey/%E0%A4%A',
      'app://latchkey/assets',
      'not a url',
    ]) {
      expect(resolveAppAsset(url, root), url).toBeNull();
    }
  });

  it('answers with the CSP and nosniff on every response; 404 says nothing; only GET and HEAD', async () => {
    const csp = contentSecurityPolicy();
    const reads: string[] = [];
    const options = {
      root,
      csp,
      readFile: async (file: string) => {
        reads.push(file);
        return new Uint8Array(await readFile(file));
      },
    };
    const page = await serveAppRequest({ url: APP_PAGE_URL, method: 'GET' }, options);
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject({ 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Content-Type': 'text/html; charset=utf-8' });
    expect(new TextDecoder().decode(page.body ?? new Uint8Array())).toContain('<title>app</title>');

    const head = await serveAppRequest({ url: APP_PAGE_URL, method: 'HEAD' }, options);
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();

    const missing = await serveAppRequest({ url: 'app://latchkey/assets/missing.js', method: 'GET' }, options);
    expect(missing).toEqual({ status: 404, headers: { 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' }, body: null });

    reads.length = 0;
    const escape = await serveAppRequest({ url: 'app://latchkey/..%2Fsecret.txt', method: 'GET' }, options);
    expect(escape.status).toBe(404);
    expect(reads).toEqual([]);

    const post = await serveAppRequest({ url: APP_PAGE_URL, method: 'POST' }, options);
    expect(post.status).toBe(405);
    expect(post.headers.Allow).toBe('GET, HEAD');
    expect(reads).toEqual([]);
  });
});

describe('window placement', () => {
  const screen = { x: 0, y: 0, width: 1920, height: 1040 };
  const right = { x: 1920, y: 0, width: 2560, height: 1400 };

  it('opens at the default size, centred, the first time', () => {
    expect(placeWindow(null, [screen])).toEqual({ ...DEFAULT_WINDOW_SIZE, maximized: false });
  });

  it('comes back where it was while that spot is on a screen', () => {
    expect(placeWindow({ bounds: { x: 100, y: 50, width: 1200, height: 900 }, maximized: true }, [screen])).toEqual({
      x: 100,
      y: 50,
      width: 1200,
      height: 900,
      maximized: true,
    });
    expect(placeWindow({ bounds: { x: 2000, y: 100, width: 1200, height: 900 }, maximized: false }, [screen, right])).toMatchObject({ x: 2000, y: 100 });
  });

  it('lets the OS place a window whose title bar would be off every screen, and clamps its size', () => {
    const lost = placeWindow({ bounds: { x: 2000, y: 100, width: 1200, height: 900 }, maximized: false }, [screen]);
    expect(lost).toEqual({ width: 1200, height: 900, maximized: false });
    expect(placeWindow({ bounds: { x: 100, y: -500, width: 1000, height: 700 }, maximized: false }, [screen]).x).toBeUndefined();
    expect(placeWindow({ bounds: { x: 1850, y: 100, width: 1000, height: 700 }, maximized: false }, [screen]).x).toBeUndefined();
    expect(placeWindow({ bounds: { x: 0, y: 0, width: 5000, height: 4000 }, maximized: false }, [screen])).toMatchObject({ width: 1920, height: 1040 });
    expect(placeWindow({ bounds: { x: 0, y: 0, width: 100, height: 100 }, maximized: false }, [screen])).toMatchObject(MIN_WINDOW_SIZE);
    // No screens reported at all: keep the size (at least the minimum), let the OS place it.
    expect(placeWindow({ bounds: { x: 10, y: 10, width: 1000, height: 700 }, maximized: false }, [])).toEqual({ width: 1000, height: 700, maximized: false });
  });

  it('forgets a saved value of the wrong shape', () => {
    for (const value of [undefined, null, 'x', {}, { bounds: { x: 0, y: 0, width: 0, height: 10 }, maximized: false }, { bounds: { x: Number.NaN, y: 0, width: 10, height: 10 }, maximized: false }, { bounds: { x: 0, y: 0, width: 10, height: 10 } }]) {
      expect(parseWindowState(value)).toBeNull();
    }
    expect(parseWindowState({ bounds: { x: 1.4, y: 2.6, width: 800.2, height: 600 }, maximized: false, extra: 1 })).toEqual({
      bounds: { x: 1, y: 3, width: 800, height: 600 },
      maximized: false,
    });
  });
});

describe('application menu', () => {
  const EDIT = ['undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'selectAll'] as const;

  for (const platform of ['darwin', 'linux', 'win32'] as const) {
    it(`${platform}: the standard edit, view and window roles; devtools only in development`, () => {
      const production = menuRoles(appMenuTemplate({ platform, development: false, appName: 'Latchkey' }));
      const development = menuRoles(appMenuTemplate({ platform, development: true, appName: 'Latchkey' }));
      for (const role of [...EDIT, 'reload', 'forceReload', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen', 'minimize']) {
        expect(production, role).toContain(role);
      }
      expect(production).not.toContain('toggleDevTools');
      expect(development).toContain('toggleDevTools');
      expect(development.filter((role) => role !== 'toggleDevTools')).toEqual(production);
      expect(production).toContain(platform === 'darwin' ? 'hideOthers' : 'quit');
      expect(production.filter((role) => role === 'quit')).toHaveLength(1);
    });
  }
});

describe('window background', () => {
  it('is the renderer stylesheet’s --bg, for the light and the dark theme', async () => {
    const css = await readFile(join(ROOT, 'src', 'renderer', 'src', 'styles', 'app.css'), 'utf8');
    const light = /:root\s*\{[^}]*--bg:\s*(#[0-9a-f]{6})/i.exec(css)?.[1];
    const dark = /prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{[^}]*--bg:\s*(#[0-9a-f]{6})/i.exec(css)?.[1];
    expect(light?.toLowerCase()).toBe(WINDOW_BACKGROUND.light);
    expect(dark?.toLowerCase()).toBe(WINDOW_BACKGROUND.dark);
    expect(windowBackground(true)).toBe(WINDOW_BACKGROUND.dark);
    expect(windowBackground(false)).toBe(WINDOW_BACKGROUND.light);
  });
});
