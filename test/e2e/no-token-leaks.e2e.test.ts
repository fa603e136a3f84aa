/**
 * No secret leaves the main process: after a sign-in, the dashboard's API panel (data from the demo API with the
 * DPoP-bound token), a forced refresh (a rotated refresh token), a reload and a sign-out through the real window,
 * none of the tokens ever issued — nor the session's DPoP private key — appears in the renderer DOM, the page
 * console, anything the renderer can ask for over IPC (API answers included), the state events, the YAML, the
 * auth-event log, the engine's log lines, this process's stdout/stderr, or the CLI's output (`latchkey api`
 * included).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { DEFAULT_CONFIG_YAML } from '../../src/main/store/default-config';
import { SecretVault, type TokenSet } from '../../src/main/store/secrets';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import { bundlePreloadApi, launchAppBrowser, openAppWindow, rendererBundle, serveStatic, type AppWindow, type RendererBundle, type StaticServer } from '../helpers/renderer-harness';
import { createBrowserOpener, launchSystemBrowser } from '../helpers/system-browser';

const run = promisify(execFile);
const CLI = resolve(__dirname, '..', '..', 'bin', 'latchkey.js');

let home: TempHome;
let appBrowser: Browser;
let systemBrowser: Awaited<ReturnType<typeof launchSystemBrowser>>;
let bundle: RendererBundle;
let server: StaticServer;
let app: Latchkey;
let win: AppWindow;
let port: number;

/** Everything that must never contain a token. */
const exposed: string[] = [];
const issued = new Set<string>();

function remember(tokens: TokenSet | null): void {
  for (const token of [tokens?.accessToken, tokens?.refreshToken, tokens?.idToken, tokens?.dpopKey?.d]) if (token) issued.add(token);
}

const writeOut = process.stdout.write.bind(process.stdout);
const writeErr = process.stderr.write.bind(process.stderr);

beforeAll(async () => {
  home = await tempHome();
  await writeFile(home.configPath, DEFAULT_CONFIG_YAML, { mode: 0o600 });
  // Capture this process's own output while the engine runs in it.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    exposed.push(String(chunk));
    return writeOut(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    exposed.push(String(chunk));
    return writeErr(chunk, ...rest);
  }) as typeof process.stderr.write;
  [appBrowser, systemBrowser, bundle] = await Promise.all([launchAppBrowser(), launchSystemBrowser(), rendererBundle()]);
  server = await serveStatic(bundle.dir);
  const opener = createBrowserOpener(systemBrowser, { user: 'alice', consent: 'allow' });
  app = await createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    openBrowser: opener.openBrowser,
    embeddedProvider: { port: (port = await freePort()) },
    log: (line) => exposed.push(line),
  });
  await app.restore();
  app.engine.onStateChange((state) => exposed.push(JSON.stringify(state)));
  win = await openAppWindow({ browser: appBrowser, url: server.url, preload: await bundlePreloadApi(), engine: app.engine });
  win.page.on('console', (message) => exposed.push(message.text()));
}, 120_000);

afterAll(async () => {
  process.stdout.write = writeOut;
  process.stderr.write = writeErr;
  await win?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await server?.close();
  await bundle?.cleanup();
  await systemBrowser?.close();
  await appBrowser?.close();
  await home?.cleanup();
});

it('no issued token appears anywhere outside the main process and the keychain', async () => {
  const vault = new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') });
  const page = win.page;
  await page.goto(server.url);
  await page.locator('[data-testid="provider-demo"]').click();
  await page.locator('[data-testid="dashboard"]').waitFor({ timeout: 30_000 });
  // The API panel has its data: requests made with the token, answers shown in the window.
  await page.locator('[data-testid="api-table"]').waitFor({ timeout: 30_000 });
  const key = app.engine.getState().activeAccountKey as string;
  const first = await vault.get(key);
  remember(first);

  await page.locator('[data-testid="refresh-now"]').click();
  await expect.poll(async () => (await vault.get(key))?.refreshToken).not.toBe(first?.refreshToken);
  remember(await vault.get(key));
  await page.reload();
  await page.locator('[data-testid="dashboard"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="api-table"]').waitFor({ timeout: 30_000 });

  // What the renderer can see: the DOM and every read-only answer over IPC.
  exposed.push(await page.content());
  exposed.push(await page.evaluate(async () => {
    const api = (globalThis as unknown as { latchkey: { session: { get(): Promise<unknown> }; providers: { list(): Promise<unknown> }; events: { recent(n: number): Promise<unknown> } } }).latchkey;
    return JSON.stringify([await api.session.get(), await api.providers.list(), await api.events.recent(50)]);
  }));
  exposed.push(await page.evaluate(async () => {
    type Answer = Promise<unknown>;
    const api = (globalThis as unknown as { latchkey: { api: { list(): Answer; request(name: string, request: { path: string; headers?: Record<string, string> }): Answer } } }).latchkey.api;
    const refused = await api.request('demo', { path: '/me', headers: { authorization: 'Bearer x' } }).catch((error: unknown) => error);
    return JSON.stringify([await api.list(), await api.request('demo', { path: '/projects' }), await api.request('demo', { path: '/me' }), refused]);
  }));

  // The CLI on the same config, in separate processes.
  const env = { ...process.env, LATCHKEY_CONFIG: home.configPath, LATCHKEY_KEYCHAIN_SERVICE: home.keychainService, LATCHKEY_IDP_PORT: String(port) };
  for (const args of [['status'], ['status', '--json'], ['accounts', '--json'], ['api', 'demo', '/me', '--include'], ['api', 'demo', '/projects']]) {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env });
    exposed.push(stdout, stderr);
  }

  await page.locator('[data-testid="sign-out"]').click();
  await page.locator('[data-testid="sign-in"]').waitFor({ timeout: 30_000 });
  exposed.push(await page.content());
  exposed.push(await readFile(home.configPath, 'utf8'));
  exposed.push(await readFile(join(home.dir, 'auth-events.jsonl'), 'utf8'));

  expect(issued.size).toBeGreaterThanOrEqual(6); // access, refresh and ID token, the DPoP key, then a rotated pair
  const haystack = exposed.join('\n');
  expect(haystack).toContain('Alice'); // the capture really saw the app's output
  expect(haystack).toContain('Orbit API'); // ... and the API's answers (in the window, over IPC and from the CLI)
  expect(haystack).toContain('alice@latchkey.example');
  for (const token of issued) {
    expect(haystack.includes(token), 'a token leaked').toBe(false);
  }
});
