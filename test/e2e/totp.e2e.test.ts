/**
 * Two-factor sign-in in the window: the built renderer in Chromium with the real preload API over the real
 * router and engine, the real keychain. A local account turns TOTP on by scanning the QR code on the screen
 * (read from a screenshot by zbar, as a phone would), sees its recovery codes once, and is asked for a code at
 * its next sign-in. The secret never appears in the DOM or an IPC answer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { base32Decode } from '../../src/main/auth/totp/base32';
import { totp } from '../../src/main/auth/totp/totp';
import { tempHome, type TempHome } from '../helpers/engine-fixture';
import { readQrImage } from '../helpers/qr-reader';
import { bundlePreloadApi, launchAppBrowser, openAppWindow, rendererBundle, SCREENSHOT_DIR, serveStatic, type AppWindow, type RendererBundle, type StaticServer } from '../helpers/renderer-harness';

const UI_TIMEOUT = 30_000;
const PASSWORD = 'a long enough password';

let appBrowser: Browser;
let bundle: RendererBundle;
let server: StaticServer;
let home: TempHome;
let app: Latchkey;
let win: AppWindow;
let page: Page;

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const visible = (id: string) => byTestId(id).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });

beforeAll(async () => {
  const [built, preload, browser, tmp] = await Promise.all([rendererBundle(), bundlePreloadApi({ checkAnswers: true }), launchAppBrowser(), tempHome()]);
  [bundle, appBrowser, home] = [built, browser, tmp];
  server = await serveStatic(bundle.dir);
  await writeFile(home.configPath, stringify({ providers: { team: { label: 'Team', local: true } }, access: { password_hash_cost: 14 }, credentials: { usernames: {} } }), { mode: 0o600 });
  app = await createLatchkey({ configPath: home.configPath, keychainService: home.keychainService, openBrowser: async () => undefined, embeddedProvider: false });
  await app.restore();
  await app.users.add({ username: 'ada', email: 'ada@example.com', password: PASSWORD });
  win = await openAppWindow({ browser: appBrowser, url: server.url, preload, engine: app.engine });
  page = win.page;
}, 120_000);

afterAll(async () => {
  await win?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await server?.close();
  await bundle?.cleanup();
  await appBrowser?.close();
  await home?.cleanup();
});

describe('two-factor sign-in in the window', () => {
  it('is turned on by scanning the QR code, shows the recovery codes once, and asks for a code at the next sign-in', async () => {
    await page.goto(server.url);
    await visible('local-sign-in');
    expect(await byTestId('provider-demo').count()).toBe(0); // only local accounts here: no provider buttons
    await byTestId('local-identifier').fill('ada');
    await byTestId('local-password').fill(PASSWORD);
    await byTestId('local-sign-in-submit').click();
    await visible('totp-begin');
    await byTestId('totp-begin').click();
    await visible('totp-qr');

    // Scan it as a phone would: from what is on the screen.
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-qr-shot-'));
    let uri: URL;
    try {
      const shot = join(dir, 'qr.png');
      await byTestId('totp-qr').screenshot({ path: shot });
      uri = new URL(await readQrImage(shot));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const secretText = uri.searchParams.get('secret') as string;
    expect(decodeURIComponent(uri.pathname)).toContain('Latchkey:ada@example.com');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'totp-enrol.png'), fullPage: true });
    const secret = base32Decode(secretText);

    await byTestId('totp-code').fill(totp(secret, Date.now()));
    await byTestId('totp-confirm').click();
    await visible('recovery-codes');
    const codes = await byTestId('recovery-codes').locator('code').allTextContents();
    expect(codes).toHaveLength(8);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect.poll(() => byTestId('recovery-codes').count()).toBe(0);
    await visible('totp-disable-form');

    // Nothing of the secret in the page, the event of turning it on, or any IPC answer.
    expect(await page.content()).not.toContain(secretText);
    for (const code of codes) expect(await page.content()).not.toContain(code);

    await byTestId('sign-out').click();
    await byTestId('local-identifier').fill('ada');
    await byTestId('local-password').fill(PASSWORD);
    await byTestId('local-sign-in-submit').click();
    await visible('totp-form');
    // The code of the next step: the one used to confirm is spent, and one step of drift is allowed.
    await byTestId('totp-sign-in-code').fill(totp(secret, Date.now() + 30_000));
    await byTestId('totp-sign-in').click();
    await visible('dashboard');
    expect(await page.content()).not.toContain(secretText);
  });
});
