/**
 * Sign-in on another device in the window: the built renderer in Chromium with the real preload API over the
 * real router and engine, the real keychain, the demo provider found by discovery. The sign-in screen offers
 * "Sign in on another device"; the device screen shows the code large, the page, a QR code (read from a
 * screenshot by zbar, as a phone would) and the time left; a second Chromium context plays the phone. Cancel
 * goes back to the sign-in screen. The dashboard's "Add another account" offers the device too.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { startDemoProvider, type DemoProvider } from '../../src/main/idp';
import { completeDeviceVerification } from '../helpers/device-browser';
import { tempHome, writeGenericProviderConfig, type TempHome } from '../helpers/engine-fixture';
import { readQrImage } from '../helpers/qr-reader';
import { bundlePreloadApi, launchAppBrowser, openAppWindow, rendererBundle, SCREENSHOT_DIR, serveStatic, type AppWindow, type RendererBundle, type StaticServer } from '../helpers/renderer-harness';

const UI_TIMEOUT = 30_000;

let appBrowser: Browser;
let phone: BrowserContext;
let bundle: RendererBundle;
let server: StaticServer;
let home: TempHome;
let provider: DemoProvider;
/** A provider whose codes last two seconds. */
let briefProvider: DemoProvider;
let app: Latchkey;
let win: AppWindow;
let page: Page;

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const visible = (id: string) => byTestId(id).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });

beforeAll(async () => {
  const [built, preload, browser, tmp] = await Promise.all([rendererBundle(), bundlePreloadApi({ checkAnswers: true }), launchAppBrowser(), tempHome()]);
  [bundle, appBrowser, home] = [built, browser, tmp];
  phone = await appBrowser.newContext();
  server = await serveStatic(bundle.dir);
  provider = await startDemoProvider({ dataDir: join(home.dir, 'provider'), port: 0, deviceFlow: { intervalSeconds: 1 } });
  briefProvider = await startDemoProvider({ dataDir: join(home.dir, 'brief-provider'), port: 0, deviceFlow: { intervalSeconds: 1, codeTtlSeconds: 2 } });
  await writeGenericProviderConfig(home.configPath, provider.issuer, `  brief:\n    label: Brief codes\n    issuer: ${briefProvider.issuer}\n    client_id: latchkey-desktop\n`);
  app = await createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    openBrowser: async (url) => {
      throw new Error(`no browser may be opened by a sign-in on another device (asked for ${url})`);
    },
    embeddedProvider: false,
  });
  await app.restore();
  win = await openAppWindow({ browser: appBrowser, url: server.url, preload, engine: app.engine });
  page = win.page;
}, 120_000);

afterAll(async () => {
  await win?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await provider?.close();
  await briefProvider?.close();
  await server?.close();
  await bundle?.cleanup();
  await phone?.close().catch(() => undefined);
  await appBrowser?.close();
  await home?.cleanup();
});

describe('sign-in on another device in the window', () => {
  it('Cancel on the device screen goes back to the sign-in screen and keeps nothing', async () => {
    await page.goto(server.url);
    await visible('sign-in');
    await byTestId('device-local').click();
    await visible('device-sign-in');
    await byTestId('cancel-device-sign-in').click();
    await visible('sign-in');
    expect(app.engine.getState().deviceSignIn).toBeUndefined();
    expect(app.engine.getState().accounts).toEqual([]);
  });

  it('a code that expires ends on the sign-in screen with what happened, and keeps nothing', async () => {
    await page.goto(server.url);
    await visible('sign-in');
    expect(await byTestId('device-brief').innerText()).toBe('Sign in on another device with Brief codes');
    await byTestId('device-brief').click();
    await visible('device-sign-in');
    expect(await byTestId('device-provider').innerText()).toBe('Brief codes');
    await visible('sign-in');
    await expect.poll(() => byTestId('error').getAttribute('data-code'), { timeout: UI_TIMEOUT }).toBe('timeout');
    expect(await byTestId('error').innerText()).toMatch(/code for another device was not entered in time/);
    expect(app.engine.getState().accounts).toEqual([]);
  });

  it('shows the code, the page, a QR code of the page with the code and the time left; the phone signs in and the dashboard follows', async () => {
    await page.goto(server.url);
    await visible('sign-in');
    await byTestId('device-local').click();
    await visible('device-sign-in');
    const progress = app.engine.getState().deviceSignIn;
    if (!progress?.verificationUriComplete) throw new Error('the engine shows no device sign-in with a complete page');
    expect(await byTestId('device-code').innerText()).toBe(progress.userCode);
    // Large: the code is the biggest text on the screen.
    const fontSize = (selector: string): Promise<number> =>
      page.evaluate((s) => {
        const view = globalThis as unknown as { document: { querySelector(q: string): unknown }; getComputedStyle(e: unknown): { fontSize: string } };
        return parseFloat(view.getComputedStyle(view.document.querySelector(s)).fontSize);
      }, selector);
    const codeSize = await fontSize('[data-testid="device-code"]');
    const titleSize = await fontSize('#device-title');
    expect(codeSize).toBeGreaterThan(titleSize);
    expect(await byTestId('device-uri').innerText()).toBe(progress.verificationUri);
    expect(await byTestId('device-provider').innerText()).toBe('Local SSO');
    await expect.poll(() => byTestId('device-countdown').innerText(), { timeout: UI_TIMEOUT }).toMatch(/stays valid for (09:5\d|10:00)/);
    // Nothing that redeems the grant reaches the window.
    expect(await page.content()).not.toMatch(/device_code/);

    // Scan it as a phone would: from what is on the screen.
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-device-qr-'));
    let scanned: string;
    try {
      const shot = join(dir, 'qr.png');
      await byTestId('device-qr').screenshot({ path: shot });
      scanned = await readQrImage(shot);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(scanned).toBe(progress.verificationUriComplete);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'device-sign-in.png'), fullPage: true });

    const phonePage = await phone.newPage();
    const verification = await completeDeviceVerification(phonePage, scanned, { user: 'alice' });
    expect(verification.kind).toBe('device-done');
    await visible('dashboard');
    expect(app.engine.getState().accounts.map((a) => a.email)).toEqual(['alice@latchkey.example']);
  });

  it('"Add another account" on the dashboard offers the device too; the phone adds the second account, and Cancel goes back', async () => {
    await visible('dashboard');
    await byTestId('add-account').click();
    await visible('add-account-choice');
    await byTestId('device-local').click();
    await visible('device-sign-in');
    await byTestId('cancel-device-sign-in').click();
    await visible('dashboard');
    expect(app.engine.getState().deviceSignIn).toBeUndefined();

    await byTestId('add-account').click();
    await byTestId('device-local').click();
    await visible('device-sign-in');
    const progress = app.engine.getState().deviceSignIn;
    if (!progress?.verificationUriComplete) throw new Error('no device sign-in in progress');
    const phonePage = await phone.newPage();
    await phonePage.context().clearCookies();
    expect((await completeDeviceVerification(phonePage, progress.verificationUriComplete, { user: 'bob' })).kind).toBe('device-done');
    await expect.poll(() => app.engine.getState().accounts.map((a) => a.email).sort(), { timeout: UI_TIMEOUT }).toEqual(['alice@latchkey.example', 'bob@latchkey.example']);
    await visible('dashboard');
    expect(await byTestId('welcome').innerText()).toContain('Bob');
  });
});
