/**
 * The desktop app as a whole, in Electron: sign in with the demo provider through the (test) system browser,
 * reload, restart — and still be signed in.
 *
 * Needs the Electron binary, which cannot be downloaded on every machine (ELECTRON_SKIP_BINARY_DOWNLOAD);
 * where it is missing the end-to-end test is skipped and says so. The pure launch-option parsing of the
 * entry point is tested here too, and always runs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackDevServer, parseLaunchOptions } from '../src/main/desktop/launch-options';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The Electron binary's path, or null when the package was installed without it. */
function findElectronBinary(): string | null {
  try {
    // The electron package's main export is the binary's path; it throws when the binary was never fetched.
    const path: unknown = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/** Whether an X display is there, or can be made with Xvfb (Electron on Linux cannot run without one). */
function displayProblem(): string | null {
  if (process.platform !== 'linux') return null;
  if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return null;
  const xvfb = spawnSync('sh', ['-c', 'command -v Xvfb'], { encoding: 'utf8' });
  return xvfb.status === 0 ? null : 'no X display and Xvfb is not installed (apt-get install -y xvfb)';
}

const ELECTRON_BINARY = findElectronBinary();
const SKIP_REASON =
  ELECTRON_BINARY === null
    ? 'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD): skipped'
    : (() => {
        const problem = displayProblem();
        return problem === null ? null : `Electron end-to-end test skipped: ${problem}`;
      })();
if (SKIP_REASON !== null) console.warn(SKIP_REASON);

describe('launch options', () => {
  it('takes --config from argv before LATCHKEY_CONFIG', () => {
    expect(parseLaunchOptions(['electron', '.', '--config', '/a.yaml'], { LATCHKEY_CONFIG: '/b.yaml' })).toEqual({
      configPath: '/a.yaml',
    });
    expect(parseLaunchOptions(['electron', '.', '--no-sandbox', '--config=/c.yaml'], {})).toEqual({
      configPath: '/c.yaml',
    });
    expect(parseLaunchOptions(['electron', '.'], { LATCHKEY_CONFIG: '/b.yaml' })).toEqual({ configPath: '/b.yaml' });
    expect(parseLaunchOptions(['electron', '.', '--config'], {})).toEqual({});
  });

  it('reads the keychain service, browser command and dev server from the environment', () => {
    expect(
      parseLaunchOptions([], {
        LATCHKEY_KEYCHAIN_SERVICE: 'latchkey-test-1',
        LATCHKEY_BROWSER: 'node test/helpers/browser-cli.mjs',
        ELECTRON_RENDERER_URL: 'http://localhost:5173',
      }),
    ).toEqual({
      keychainService: 'latchkey-test-1',
      browserCommand: 'node test/helpers/browser-cli.mjs',
      devServerUrl: 'http://localhost:5173',
    });
    expect(parseLaunchOptions([], { LATCHKEY_BROWSER: '  ', LATCHKEY_CONFIG: '' })).toEqual({});
  });

  it('accepts only a local dev server', () => {
    expect(isLoopbackDevServer('http://localhost:5173/')).toBe(true);
    expect(isLoopbackDevServer('http://127.0.0.1:5173/')).toBe(true);
    expect(isLoopbackDevServer('http://[::1]:5173/')).toBe(true);
    expect(isLoopbackDevServer('https://evil.example/')).toBe(false);
    expect(isLoopbackDevServer('file:///tmp/index.html')).toBe(false);
    expect(isLoopbackDevServer('not a url')).toBe(false);
    expect(parseLaunchOptions([], { ELECTRON_RENDERER_URL: 'https://evil.example/' })).toEqual({});
  });
});

/** A port that was free a moment ago, for the demo provider (which must keep one port across restarts). */
async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts Xvfb on a free display number and answers `:N`. */
async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const fd3 = child.stdio[3];
  if (fd3 === null || fd3 === undefined || !('on' in fd3)) throw new Error('Xvfb: no display pipe');
  const display = await new Promise<string>((resolveDisplay, reject) => {
    let text = '';
    fd3.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('\n')) resolveDisplay(`:${text.trim()}`);
    });
    child.once('exit', (code) => reject(new Error(`Xvfb exited with ${String(code)}`)));
    child.once('error', reject);
  });
  return { display, process: child };
}

/**
 * Runs in the page before its own scripts (as source text: this file is compiled without DOM types). It
 * records whether the sign-in screen is ever rendered on a load — a signed-in reload must not flash it.
 */
const RECORD_SIGN_IN_SCREEN = `
  window.__signInSeen = false;
  new MutationObserver(() => {
    if (document.querySelector('[data-testid="sign-in"]')) window.__signInSeen = true;
  }).observe(document, { childList: true, subtree: true });
`;
const SIGN_IN_SEEN = 'window.__signInSeen';

/** The built main-process entry (electron-vite names ES module output `.mjs` in some setups). */
function builtMainEntry(): string {
  for (const name of ['index.js', 'index.mjs', 'index.cjs']) {
    const path = join(ROOT, 'out', 'main', name);
    if (existsSync(path)) return path;
  }
  throw new Error('The app is not built: run `npx electron-vite build` (or `npm run build`) first.');
}

describe('Latchkey desktop app in Electron', () => {
  let dir = '';
  let xvfb: ChildProcess | null = null;
  let env: Record<string, string> = {};

  beforeAll(async () => {
    if (SKIP_REASON !== null) return;
    dir = await mkdtemp(join(tmpdir(), 'latchkey-electron-'));
    const base: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) base[key] = value;
    // Never let a developer's dev server or a node-mode switch leak into the app under test.
    delete base.ELECTRON_RENDERER_URL;
    delete base.ELECTRON_RUN_AS_NODE;
    env = {
      ...base,
      LATCHKEY_CONFIG: join(dir, 'config.yaml'),
      LATCHKEY_KEYCHAIN_SERVICE: `latchkey-test-${randomBytes(6).toString('hex')}`,
      LATCHKEY_BROWSER: 'node test/helpers/browser-cli.mjs',
      LATCHKEY_TEST_USER: 'alice',
      LATCHKEY_TEST_CONSENT: 'allow',
      LATCHKEY_IDP_PORT: String(await freePort()),
    };
    if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
      const started = await startXvfb();
      xvfb = started.process;
      env.DISPLAY = started.display;
    }
  });

  afterAll(async () => {
    xvfb?.kill();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  async function launch(): Promise<{ app: ElectronApplication; page: Page }> {
    const app = await electron.launch({
      executablePath: ELECTRON_BINARY ?? undefined,
      args: ['--disable-gpu', builtMainEntry()],
      cwd: ROOT,
      env,
      timeout: 60_000,
    });
    await app.context().addInitScript({ content: RECORD_SIGN_IN_SCREEN });
    const page = await app.firstWindow();
    return { app, page };
  }

  async function expectDashboard(page: Page): Promise<void> {
    await page.locator('[data-testid="dashboard"]').waitFor({ state: 'visible', timeout: 60_000 });
    await expect
      .poll(async () => page.locator('[data-testid="welcome"]').textContent(), { timeout: 10_000 })
      .toContain('Alice');
  }

  it.skipIf(SKIP_REASON !== null)(
    'signs in with the demo provider and stays signed in across reload and restart',
    async () => {
      const first = await launch();
      try {
        await first.page.locator('[data-testid="sign-in"]').waitFor({ state: 'visible', timeout: 60_000 });
        // The built renderer comes from the app's own origin (src/main/desktop/app-protocol.ts), never file://.
        expect(first.page.url()).toBe('app://latchkey/index.html');
        await first.page.locator('[data-testid="provider-demo"]').click();
        await expectDashboard(first.page);

        // Disk before announcement: the account is in config.yaml by the time the dashboard shows.
        const yaml = await readFile(env.LATCHKEY_CONFIG ?? '', 'utf8');
        expect(yaml).toContain('logged_in: true');

        await first.page.reload();
        await expectDashboard(first.page);
        expect(await first.page.evaluate(SIGN_IN_SEEN)).toBe(false);
      } finally {
        await first.app.close();
      }

      const second = await launch();
      try {
        await expectDashboard(second.page);
        // The first load may start before the init script is registered, so the flash check runs on a reload.
        await second.page.reload();
        await expectDashboard(second.page);
        expect(await second.page.evaluate(SIGN_IN_SEEN)).toBe(false);
      } finally {
        await second.app.close();
      }
    },
    240_000,
  );
});
