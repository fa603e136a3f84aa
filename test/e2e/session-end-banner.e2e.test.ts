/**
 * The dashboard's warning before a session ends: the built renderer in Chromium with the real preload API over
 * the real router and engine, the demo provider, a second Chromium as the system browser, the real keychain and
 * config.yaml, and the engine's clock moved forward (its `now` option).
 *
 * With `session.expiry_days: 30` and `session.warn_days: 3` nothing is shown right after the sign-in; 28 days
 * later (unused) the banner says when the session ends and why; "Sign in again now" starts a browser sign-in with
 * the same provider and the account's e-mail as `login_hint`, and the renewed account keeps its key — the banner
 * is gone since the session starts again from now.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import { bundlePreloadApi, launchAppBrowser, openAppWindow, rendererBundle, SCREENSHOT_DIR, serveStatic, type AppWindow, type RendererBundle, type StaticServer } from '../helpers/renderer-harness';
import { createBrowserOpener, launchSystemBrowser, type BrowserOpener } from '../helpers/system-browser';

const UI_TIMEOUT = 30_000;
const DAY_MS = 24 * 3600_000;

let appBrowser: Browser;
let systemBrowser: Awaited<ReturnType<typeof launchSystemBrowser>>;
let bundle: RendererBundle;
let server: StaticServer;
let preload: string;

beforeAll(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  [appBrowser, systemBrowser, bundle, preload] = await Promise.all([launchAppBrowser(), launchSystemBrowser(), rendererBundle(), bundlePreloadApi({ checkAnswers: true })]);
  server = await serveStatic(bundle.dir);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await bundle?.cleanup();
  await systemBrowser?.close();
  await appBrowser?.close();
});

describe('the session-end banner', () => {
  let home: TempHome;
  let app: Latchkey;
  let win: AppWindow;
  let page: Page;
  let opener: BrowserOpener;
  let offset = 0;

  beforeAll(async () => {
    home = await tempHome();
    const port = await freePort();
    await writeFile(home.configPath, `session:\n  expiry_days: 30\n  warn_days: 3\nproviders:\n  demo: { label: Demo, embedded: true, port: ${port} }\ncredentials:\n  usernames: {}\n`, { mode: 0o600 });
    opener = createBrowserOpener(systemBrowser, { user: 'alice', consent: 'allow' });
    app = await createLatchkey({
      configPath: home.configPath,
      keychainService: home.keychainService,
      openBrowser: opener.openBrowser,
      embeddedProvider: { port },
      now: () => Date.now() + offset,
    });
    await app.restore();
    win = await openAppWindow({ browser: appBrowser, url: server.url, preload, engine: app.engine });
    page = win.page;
  }, 120_000);

  afterAll(async () => {
    await win?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await home?.cleanup();
  });

  it('is not shown while the end is further away than session.warn_days', async () => {
    await page.goto(server.url);
    await page.locator('[data-testid="provider-demo"]').click();
    await page.locator('[data-testid="dashboard"]').waitFor({ timeout: UI_TIMEOUT });
    await opener.settled();
    const account = app.engine.getState().accounts[0];
    expect(account).toMatchObject({ signedIn: true, sessionEndsBecause: 'expiry_days' });
    expect(account?.sessionEndsSoon).toBeUndefined();
    expect(Date.parse(account?.sessionEndsAt ?? '') - Date.parse(account?.signedInAt ?? '')).toBe(30 * DAY_MS);
    expect(await page.locator('[data-testid="session-end-banner"]').count()).toBe(0);
    // The session panel says when, whatever the warning.
    expect(await page.locator('[data-testid="session-ends"]').getAttribute('data-at')).toBe(account?.sessionEndsAt);
  });

  it('says when and why 28 days later, and "Sign in again now" renews the same account with a login hint', async () => {
    const before = app.engine.getState().accounts[0];
    offset = 28 * DAY_MS;
    await page.reload();
    const banner = page.locator('[data-testid="session-end-banner"]');
    await banner.waitFor({ timeout: UI_TIMEOUT });
    expect(await banner.innerText()).toMatch(/Your session with Demo ends on .+\.\s+Latchkey ends sessions that are not used for a while \(session\.expiry_days\)/);
    expect(app.engine.getState().accounts[0]).toMatchObject({ sessionEndsSoon: true, sessionEndsAt: before?.sessionEndsAt });
    await banner.screenshot({ path: join(SCREENSHOT_DIR, 'session-end-banner.png') });

    const openedBefore = opener.opened.length;
    await page.locator('[data-testid="renew-session"]').click();
    await expect.poll(() => opener.opened.length, { timeout: UI_TIMEOUT }).toBe(openedBefore + 1);
    // Renewed in the engine first: while the sign-in runs the window shows the waiting screen, which has no
    // banner either, so the banner's absence alone proves nothing.
    await expect
      .poll(
        () => {
          const now = app.engine.getState();
          return !now.signIn && now.accounts[0]?.sessionEndsSoon === undefined;
        },
        { timeout: UI_TIMEOUT },
      )
      .toBe(true);
    await opener.settled();
    await page.locator('[data-testid="dashboard"]').waitFor({ timeout: UI_TIMEOUT });
    await expect.poll(() => banner.count(), { timeout: UI_TIMEOUT }).toBe(0);
    expect(opener.failures).toEqual([]);
    // One browser sign-in, at the same provider, naming who is expected, without the account chooser.
    const url = new URL(opener.opened.at(-1) as string);
    expect(url.origin).toBe(new URL(opener.opened[0] as string).origin);
    expect(url.searchParams.get('login_hint')).toBe('alice@latchkey.example');
    expect(url.searchParams.get('prompt') ?? '').not.toContain('select_account');

    // The same account (its key is provider + subject), its session starting again from the clock's now.
    const state = app.engine.getState();
    expect(state.accounts).toHaveLength(1);
    const renewed = state.accounts[0];
    expect(renewed?.key).toBe(before?.key);
    expect(renewed?.sessionEndsSoon).toBeUndefined();
    expect(Date.parse(renewed?.sessionEndsAt ?? '')).toBeGreaterThan(Date.parse(before?.sessionEndsAt ?? '') + 20 * DAY_MS);
    const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials: { usernames: Record<string, unknown> } };
    expect(Object.keys(doc.credentials.usernames)).toEqual([before?.key]);
  });
});
