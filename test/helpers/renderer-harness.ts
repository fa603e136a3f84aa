/**
 * Runs the Latchkey renderer in Chromium the way the desktop app runs it, minus Electron's three glue files:
 *
 * - the built renderer bundle, served from 127.0.0.1 with the app's Content-Security-Policy as a header;
 * - `window.latchkey` built by the real `createLatchkeyApi` (bundled with esbuild, injected before any page
 *   script like a preload script), over a transport whose `invoke` is a Playwright binding into the real
 *   IPC router, which drives the real session engine;
 * - `session:changed` events delivered from the engine into the page, in order.
 *
 * The engine behind the page can be swapped (close the app, start a new one from the same config and
 * keychain) without closing the page, as a restarted app would show the same window again.
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { APP_ORIGIN, serveAppRequest } from '../../src/main/desktop/app-protocol';
import { contentSecurityPolicy } from '../../src/main/desktop/csp';
import { createIpcRouter, type ImportService, type IpcRouter } from '../../src/main/desktop/ipc-router';
import type { DiagnosticsReport } from '../../src/shared/diagnostics';
import type { SessionEngine, SessionState } from '../../src/shared/session';
import { CHROMIUM_ARGS } from './system-browser';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILT_RENDERER = join(REPO_ROOT, 'out', 'renderer');
/** Sources the renderer bundle is made from: if any is newer than the built bundle, the bundle is stale. */
const RENDERER_SOURCES = [join(REPO_ROOT, 'src', 'renderer'), join(REPO_ROOT, 'src', 'shared')];

// ---------------------------------------------------------------------------------------------------------
// The renderer bundle

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

export interface RendererBundle {
  dir: string;
  /** Removes the folder if it was built for this test run (never `out/renderer`). */
  cleanup(): Promise<void>;
}

/**
 * The built renderer: `out/renderer` as `electron-vite build` left it, unless it is missing or older than
 * the sources — then the renderer alone is built into a temp folder with the same settings (root, React
 * plugin, relative base), so a test never runs against a stale bundle.
 */
export async function rendererBundle(): Promise<RendererBundle> {
  const index = join(BUILT_RENDERER, 'index.html');
  if (existsSync(index)) {
    const built = (await stat(index)).mtimeMs;
    const sources = Math.max(...(await Promise.all(RENDERER_SOURCES.map(newestMtime))));
    if (built >= sources) return { dir: BUILT_RENDERER, cleanup: async () => undefined };
  }
  const outDir = await mkdtemp(join(tmpdir(), 'latchkey-renderer-'));
  const { build: viteBuild } = await import('vite');
  const { default: react } = await import('@vitejs/plugin-react');
  await viteBuild({
    configFile: false,
    root: join(REPO_ROOT, 'src', 'renderer'),
    base: './',
    plugins: [react()],
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return { dir: outDir, cleanup: () => rm(outDir, { recursive: true, force: true }) };
}

/** The folder of `rendererBundle()`, for callers that keep it for the life of the process. */
export async function rendererBundleDir(): Promise<string> {
  return (await rendererBundle()).dir;
}

// ---------------------------------------------------------------------------------------------------------
// The static server

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a folder on 127.0.0.1 (ephemeral port) exactly as the app's app://latchkey protocol serves the
 * built renderer: every answer comes from the same `serveAppRequest` (file mapping, types, CSP, refusals),
 * so the renderer tests also load the bundle the way the packaged app does.
 */
export async function serveStatic(root: string): Promise<StaticServer> {
  const base = resolve(root);
  const csp = contentSecurityPolicy();
  const server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      const answer = await serveAppRequest(
        { url: `${APP_ORIGIN}${path}`, method: request.method ?? 'GET' },
        { root: base, csp, readFile: (file) => readFile(file) },
      );
      response.writeHead(answer.status, { ...answer.headers, 'Cache-Control': 'no-store' }).end(answer.body ?? undefined);
    })();
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('static server has no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The preload API

/**
 * The test's preload script: the real `createLatchkeyApi` over a transport that calls the
 * `__latchkeyInvoke` binding, exposed as a read-only `window.latchkey` (as contextBridge would), plus
 * `__latchkeyEmit` for the harness to deliver main -> renderer events.
 *
 * `checkAnswers` builds it as a development build of the app does: every answer checked against the
 * contract (src/shared/ipc-answers.ts). By default it is built as production builds are, without.
 */
export async function bundlePreloadApi(options: { checkAnswers?: boolean } = {}): Promise<string> {
  const apiOptions = options.checkAnswers === true ? '{ checks: { answer: checkIpcAnswer, event: checkIpcEvent } }' : '{}';
  const entry = `
    import { createLatchkeyApi } from './src/preload/api';
    import { checkIpcAnswer, checkIpcEvent } from './src/shared/ipc-answers';
    const listeners = new Map();
    const transport = {
      invoke: (channel, ...args) => window.__latchkeyInvoke(channel, args),
      on(event, listener) {
        let set = listeners.get(event);
        if (!set) listeners.set(event, (set = new Set()));
        set.add(listener);
        return () => { set.delete(listener); };
      },
    };
    Object.defineProperty(window, '__latchkeyEmit', {
      value: (event, payload) => { for (const listener of [...(listeners.get(event) ?? [])]) listener(payload); },
    });
    Object.defineProperty(window, 'latchkey', { value: Object.freeze(createLatchkeyApi(transport, ${apiOptions})), enumerable: true });
  `;
  const result = await build({
    stdin: { contents: entry, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'test-preload.ts' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no preload bundle');
  return output.text;
}

/**
 * Records, from before the first page script runs, whether the sign-in screen was ever added to the DOM —
 * even for a moment. Mutation records keep removed nodes, so a flash that React adds and removes within
 * one task is still seen.
 */
const SIGN_IN_WATCH = `(() => {
  const seen = { signIn: false };
  Object.defineProperty(window, '__latchkeySeen', { value: seen });
  const selector = '[data-testid="sign-in"]';
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node instanceof Element && (node.matches(selector) || node.querySelector(selector))) seen.signIn = true;
      }
    }
  }).observe(document, { childList: true, subtree: true });
})();`;

// ---------------------------------------------------------------------------------------------------------
// The window

export interface AppWindow {
  page: Page;
  context: BrowserContext;
  /** Whether the sign-in screen was added to the DOM since the last load of the page. */
  signInScreenSeen(): Promise<boolean>;
  /** Puts another engine behind the same page (a restarted app). */
  attach(engine: SessionEngine): void;
  /** Waits until every state change announced so far has been delivered to the page. */
  delivered(): Promise<void>;
  close(): Promise<void>;
}

export interface AppWindowOptions {
  browser: Browser;
  url: string;
  preload: string;
  engine: SessionEngine;
  viewport?: { width: number; height: number };
  /** The checks of this computer behind `diagnostics:run`, as the desktop entry gives them to the router. */
  diagnostics?: () => Promise<DiagnosticsReport>;
  /** The admin panel's import behind `admin:import-*`, as the desktop entry gives it to the router. */
  importer?: ImportService;
}

/** Opens a page wired to the engine as the Electron window would be. Call `page.goto(url)` to load it. */
export async function openAppWindow(options: AppWindowOptions): Promise<AppWindow> {
  // Reduced motion: no colour transitions or spinner frames half-way through a screenshot.
  const context = await options.browser.newContext({
    viewport: options.viewport ?? { width: 960, height: 720 },
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const routerOptions = {
    ...(options.diagnostics ? { diagnostics: options.diagnostics } : {}),
    ...(options.importer ? { importer: options.importer } : {}),
  };
  let router: IpcRouter = createIpcRouter(options.engine, routerOptions);
  let unsubscribe: () => void = () => undefined;
  let delivery: Promise<void> = Promise.resolve();

  const attach = (engine: SessionEngine): void => {
    unsubscribe();
    router = createIpcRouter(engine, routerOptions);
    unsubscribe = engine.onStateChange((state: SessionState) => {
      // Chained so the page hears changes in the order the engine announced them. A page in the middle of
      // loading misses an event, exactly like a reloading Electron window: it asks for the state on load.
      delivery = delivery
        .then(() =>
          page.evaluate(
            (next) => (globalThis as unknown as { __latchkeyEmit?: (e: string, s: unknown) => void }).__latchkeyEmit?.('session:changed', next),
            state,
          ),
        )
        .catch(() => undefined);
    });
  };

  await page.exposeBinding('__latchkeyInvoke', (_source, channel: unknown, args: unknown) =>
    router.handle(channel, Array.isArray(args) ? (args as unknown[]) : []),
  );
  await page.addInitScript({ content: SIGN_IN_WATCH });
  await page.addInitScript({ content: options.preload });
  attach(options.engine);

  return {
    page,
    context,
    signInScreenSeen: () => page.evaluate(() => (globalThis as unknown as { __latchkeySeen: { signIn: boolean } }).__latchkeySeen.signIn),
    attach,
    delivered: () => delivery,
    close: async () => {
      unsubscribe();
      await context.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Browsers

/** Chromium for the app window (the system browser is launched by test/helpers/system-browser.ts). */
export async function launchAppBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');
