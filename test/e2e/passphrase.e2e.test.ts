/**
 * The passphrase screen (storage: passphrase) in the window: the built renderer in Chromium with the real
 * preload API over the real router and engine, real files and the demo provider signed in to with Chromium as
 * the system browser. First start: a passphrase is chosen (typed twice; a mismatch and a short one refused);
 * then a sign-in; a restarted app asks for it again, refuses a wrong one and restores the session with the
 * right one. The passphrase never reaches the DOM after submit, an IPC answer or any file.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import { bundlePreloadApi, launchAppBrowser, openAppWindow, rendererBundle, SCREENSHOT_DIR, serveStatic, type AppWindow, type RendererBundle, type StaticServer } from '../helpers/renderer-harness';
import { createBrowserOpener, launchSystemBrowser } from '../helpers/system-browser';

const UI_TIMEOUT = 30_000;
const PASSPHRASE = 'window passphrase of some length';

let appBrowser: Browser;
let systemBrowser: Awaited<ReturnType<typeof launchSystemBrowser>>;
let bundle: RendererBundle;
let server: StaticServer;
let home: TempHome;
let port: number;
let app: Latchkey | undefined;
let win: AppWindow;
let page: Page;

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const visible = (id: string) => byTestId(id).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });

/** Every IPC answer the page receives, as JSON text (recorded in the page, around the preload's transport). */
const RECORD_ANSWERS = `(() => {
  const answers = [];
  Object.defineProperty(window, '__answers', { value: answers });
  const original = window.__latchkeyInvoke;
  window.__latchkeyInvoke = async (channel, args) => {
    const answer = await original(channel, args);
    answers.push(JSON.stringify(answer));
    return answer;
  };
})();`;

async function startApp(): Promise<Latchkey> {
  const opener = createBrowserOpener(systemBrowser, { user: 'alice', consent: 'allow' });
  // No askPassphrase: the app's way, the store waits for the window.
  const latchkey = await createLatchkey({ configPath: home.configPath, keychainService: home.keychainService, openBrowser: opener.openBrowser, embeddedProvider: { port } });
  await latchkey.restore();
  return latchkey;
}

async function submitPassphrase(passphrase: string, repeat?: string): Promise<void> {
  await byTestId('passphrase').fill(passphrase);
  if (repeat !== undefined) await byTestId('repeat-passphrase').fill(repeat);
  await byTestId('passphrase-submit').click();
}

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(full)));
    else if (entry.isFile()) found.push(full);
  }
  return found;
}

beforeAll(async () => {
  [bundle, appBrowser, systemBrowser, port, home] = await Promise.all([rendererBundle(), launchAppBrowser(), launchSystemBrowser(), freePort(), tempHome()]);
  server = await serveStatic(bundle.dir);
  await writeFile(home.configPath, `storage: passphrase\nproviders:\n  demo: { label: Demo, embedded: true, port: ${port} }\ncredentials:\n  usernames: {}\n`, { mode: 0o600 });
  app = await startApp();
  const preload = await bundlePreloadApi({ checkAnswers: true });
  win = await openAppWindow({ browser: appBrowser, url: server.url, preload, engine: app.engine });
  page = win.page;
  await page.addInitScript({ content: RECORD_ANSWERS });
}, 120_000);

afterAll(async () => {
  await win?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await Promise.all([appBrowser?.close(), systemBrowser?.close(), server?.close(), bundle?.cleanup()].map((p) => p?.catch(() => undefined)));
  await home?.cleanup();
});

describe('the passphrase screen', () => {
  const storeFile = () => join(home.dir, 'secrets', 'passphrase-store.json');

  it('first start: asks to choose a passphrase (twice), refuses a mismatch and a short one, then goes on to sign-in', async () => {
    expect(app?.engine.getState()).toMatchObject({ phase: 'passphrase_required', passphraseSetup: 'create' });
    await page.goto(server.url);
    await visible('passphrase-screen');
    expect(await byTestId('repeat-passphrase').count()).toBe(1);
    expect(await byTestId('sign-in').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'passphrase-create.png'), fullPage: true });

    await submitPassphrase(PASSPHRASE, `${PASSPHRASE} but different`);
    await visible('error');
    expect(await byTestId('error').getAttribute('data-code')).toBe('invalid_argument');
    expect(await byTestId('passphrase').inputValue()).toBe('');
    expect(existsSync(storeFile())).toBe(false);

    await submitPassphrase('short', 'short');
    await page.locator('[data-testid="error"][data-code="weak_password"]').waitFor({ timeout: UI_TIMEOUT });
    expect(await byTestId('error').innerText()).toMatch(/at least 8 characters/);
    expect(existsSync(storeFile())).toBe(false);

    await submitPassphrase(PASSPHRASE, PASSPHRASE);
    await visible('sign-in');
    expect(existsSync(storeFile())).toBe(true);
    expect(app?.engine.getState().phase).toBe('ready');
  });

  it('signs in with the store open, and a restarted app asks again, refuses a wrong passphrase, restores with the right one', async () => {
    await byTestId('provider-demo').click();
    await visible('dashboard');
    expect(app?.engine.getState().accounts[0]).toMatchObject({ signedIn: true });

    await app?.close();
    app = await startApp();
    expect(app.engine.getState()).toMatchObject({ phase: 'passphrase_required', passphraseSetup: 'unlock' });
    win.attach(app.engine);
    await page.reload();
    await visible('passphrase-screen');
    expect(await byTestId('repeat-passphrase').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'passphrase-unlock.png'), fullPage: true });

    const before = await readFile(storeFile());
    await submitPassphrase('not the right passphrase');
    await page.locator('[data-testid="error"][data-code="passphrase_wrong"]').waitFor({ timeout: UI_TIMEOUT });
    await visible('passphrase-screen');
    expect(await readFile(storeFile())).toEqual(before);

    await submitPassphrase(PASSPHRASE);
    await visible('dashboard');
    expect(app.engine.getState()).toMatchObject({ phase: 'ready', accounts: [{ signedIn: true }] });
    expect(app.engine.getState().lastSignInError).toBeUndefined();
  });

  it('keeps the passphrase out of the page, the IPC answers and every file', async () => {
    const answers = await page.evaluate(() => (globalThis as unknown as { __answers: string[] }).__answers.join('\n'));
    expect(answers).toContain('"phase":"ready"');
    expect(answers).not.toContain(PASSPHRASE);
    expect(await page.content()).not.toContain(PASSPHRASE);
    for (const file of await filesUnder(home.dir)) expect((await readFile(file)).includes(PASSPHRASE), file).toBe(false);
  });
});
