/**
 * Who may sign in and roles, in the renderer: the built bundle in Chromium with the real preload API over the
 * real router and engine, the embedded demo provider, a Chromium per person as the system browser, the real
 * keychain and config.yaml. A person the access rules refuse sees why and nothing is kept; an admin (the demo
 * provider's roles claim) sees the administration panel, listed by the main process; when the roles change in
 * config.yaml the panel goes, and the main process refuses the list as well.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import type { LatchkeyApi } from '../../src/shared/ipc';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import { bundlePreloadApi, launchAppBrowser, openAppWindow, rendererBundle, SCREENSHOT_DIR, serveStatic, type AppWindow, type RendererBundle, type StaticServer } from '../helpers/renderer-harness';
import { createBrowserOpener, launchSystemBrowser, type BrowserOpener } from '../helpers/system-browser';

const UI_TIMEOUT = 30_000;
type SystemBrowser = Awaited<ReturnType<typeof launchSystemBrowser>>;

let appBrowser: Browser;
const people: Record<'alice' | 'bob', SystemBrowser | undefined> = { alice: undefined, bob: undefined };
let bundle: RendererBundle;
let server: StaticServer;
let home: TempHome;
let app: Latchkey;
let win: AppWindow;
let page: Page;
let person: BrowserOpener;

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);

function as(user: 'alice' | 'bob'): BrowserOpener {
  return createBrowserOpener(people[user] as SystemBrowser, { user, consent: 'allow' });
}

beforeAll(async () => {
  const [built, preload, browser, alice, bob, port, tmp] = await Promise.all([
    rendererBundle(),
    bundlePreloadApi({ checkAnswers: true }),
    launchAppBrowser(),
    launchSystemBrowser(),
    launchSystemBrowser(),
    freePort(),
    tempHome(),
  ]);
  [bundle, appBrowser, people.alice, people.bob, home] = [built, browser, alice, bob, tmp];
  server = await serveStatic(bundle.dir);
  await writeFile(
    home.configPath,
    stringify({
      providers: { demo: { label: 'Demo', embedded: true } },
      access: { allowed_emails: ['alice@latchkey.example'], roles_claim: 'roles' },
      credentials: { usernames: {} },
    }),
    { mode: 0o600 },
  );
  person = as('bob');
  app = await createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    openBrowser: (url) => person.openBrowser(url),
    embeddedProvider: { port },
  });
  await app.restore();
  win = await openAppWindow({ browser: appBrowser, url: server.url, preload, engine: app.engine });
  page = win.page;
}, 120_000);

afterAll(async () => {
  await win?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await server?.close();
  await bundle?.cleanup();
  await people.alice?.close();
  await people.bob?.close();
  await appBrowser?.close();
  await home?.cleanup();
});

describe('access rules and roles in the window', () => {
  it('tells a person the access rules refuse why, and keeps nothing of them', async () => {
    await page.goto(server.url);
    await byTestId('provider-demo').click();
    const error = page.locator('[data-testid="error"][data-code="not_allowed"]');
    await error.waitFor({ timeout: UI_TIMEOUT });
    expect(await error.textContent()).toContain("This account can't sign in here");
    await person.settled();
    expect(person.results[0]).toContain('bob@latchkey.example is not in access.allowed_emails');
    expect(parse(await readFile(home.configPath, 'utf8')).credentials.usernames).toEqual({});
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'sign-in-not-allowed.png'), fullPage: true });
  });

  it('shows the administration panel to an admin, with the accounts the main process lists', async () => {
    person = as('alice');
    await byTestId('provider-demo').click();
    await byTestId('dashboard').waitFor({ timeout: UI_TIMEOUT });
    await byTestId('admin-panel').waitFor({ timeout: UI_TIMEOUT });
    const row = byTestId('admin-user-demo:alice');
    await expect.poll(() => row.textContent()).toContain('Alice Anders');
    expect(await row.textContent()).toContain('admin');
    expect(await byTestId('admin-status-demo:alice').textContent()).toBe('Signed in');
    expect(await page.evaluate(() => (globalThis as unknown as { latchkey: LatchkeyApi }).latchkey.accounts.hasRole('admin'))).toBe(true);
    expect(await byTestId('roles').textContent()).toContain('admin');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-admin.png'), fullPage: true });
  });

  it('hides the panel when config.yaml no longer gives the role, and the main process refuses the list too', async () => {
    const doc = parse(await readFile(home.configPath, 'utf8'));
    delete doc.access.roles_claim;
    doc.credentials.usernames['demo:alice'].roles = ['auditor'];
    await writeFile(home.configPath, stringify(doc));
    await app.engine.reload();
    await expect.poll(() => byTestId('admin-panel').count(), { timeout: UI_TIMEOUT }).toBe(0);
    await expect.poll(() => byTestId('roles').textContent()).toContain('auditor');
    expect(await page.evaluate(() => (globalThis as unknown as { latchkey: LatchkeyApi }).latchkey.accounts.hasRole('admin'))).toBe(false);
    const refused = await page.evaluate(() => (globalThis as unknown as { latchkey: LatchkeyApi }).latchkey.accounts.listUsers().then(() => 'listed', (error: { code?: string }) => error.code));
    expect(refused).toBe('forbidden');
  });
});
