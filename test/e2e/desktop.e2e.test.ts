/**
 * The desktop app end to end, without the Electron binary: the built renderer in Chromium, the real preload
 * API over a Playwright binding into the real IPC router and session engine, the embedded demo provider,
 * a second Chromium as the system browser, the real keychain (private session) and a real config.yaml.
 *
 * The steps run in order and share one app, as a person would use it: sign-in screen, a cancelled and a
 * declined sign-in, a sign-in, reloads, a restart, a refresh, a second account, sign-out.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { findDemoUser } from '../../src/main/idp/users';
import { DEFAULT_CONFIG_YAML } from '../../src/main/store/default-config';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import {
  bundlePreloadApi,
  launchAppBrowser,
  openAppWindow,
  rendererBundle,
  SCREENSHOT_DIR,
  serveStatic,
  type AppWindow,
  type RendererBundle,
  type StaticServer,
} from '../helpers/renderer-harness';
import { createBrowserOpener, launchSystemBrowser } from '../helpers/system-browser';

/** Short enough that "Refresh now" visibly renews it; long enough that the background refresh stays out of the way. */
const ACCESS_TOKEN_TTL_SECONDS = 20;
const UI_TIMEOUT = 30_000;

type SystemBrowser = Awaited<ReturnType<typeof launchSystemBrowser>>;

/** What the person does in the system browser when Latchkey opens it. */
interface Person {
  openBrowser(url: string): Promise<void>;
  settled(): Promise<void>;
  failures: unknown[];
}

function nameOf(user: 'alice' | 'bob'): string {
  const found = findDemoUser(user);
  if (!found) throw new Error(`no demo user ${user}`);
  return found.name;
}

/** Opens the sign-in page and leaves it there (the person walks away, or is about to cancel). */
function idlePerson(browser: SystemBrowser): Person {
  return {
    failures: [],
    settled: async () => undefined,
    openBrowser: async (url) => {
      const page = await browser.newPage();
      await page.goto(url);
    },
  };
}

let appBrowser: Browser;
let systemBrowser: SystemBrowser;
let bundle: RendererBundle;
let server: StaticServer;
let preload: string;
let home: TempHome;
let providerPort: number;
let app: Latchkey;
let win: AppWindow;
let page: Page;
let person: Person;
let browserOpens = 0;

async function startApp(): Promise<Latchkey> {
  const latchkey = await createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    openBrowser: (url) => {
      browserOpens += 1;
      return person.openBrowser(url);
    },
    embeddedProvider: { port: providerPort, accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS },
  });
  await latchkey.restore();
  return latchkey;
}

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);

async function visible(id: string): Promise<void> {
  await byTestId(id).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, name), fullPage: true });
}

/** Seconds shown by "Access token valid for mm:ss", or null when it shows something else. */
async function secondsLeft(): Promise<number | null> {
  const text = (await byTestId('token-countdown').textContent()) ?? '';
  const match = /valid for (\d+):(\d\d)/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

async function readConfig(): Promise<{ credentials: { usernames: Record<string, { logged_in: boolean }> } }> {
  return parse(await readFile(home.configPath, 'utf8'));
}

function accountKeyOf(user: 'alice' | 'bob'): string {
  const account = app.engine.getState().accounts.find((a) => a.name === nameOf(user));
  if (!account) throw new Error(`${user} has no account`);
  return account.key;
}

beforeAll(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const [built, preloadScript, browser, system, port, tmp] = await Promise.all([
    rendererBundle(),
    bundlePreloadApi(),
    launchAppBrowser(),
    launchSystemBrowser(),
    freePort(),
    tempHome(),
  ]);
  preload = preloadScript;
  appBrowser = browser;
  systemBrowser = system;
  providerPort = port;
  home = tmp;
  bundle = built;
  server = await serveStatic(bundle.dir);
  await writeFile(home.configPath, DEFAULT_CONFIG_YAML, { mode: 0o600 });
  person = idlePerson(systemBrowser);
  app = await startApp();
  win = await openAppWindow({ browser: appBrowser, url: server.url, preload, engine: app.engine });
  page = win.page;
}, 120_000);

afterAll(async () => {
  await win?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await server?.close();
  await bundle?.cleanup();
  await systemBrowser?.close();
  await appBrowser?.close();
  await home?.cleanup();
});

describe('the desktop app in Chromium', () => {
  it('shows the sign-in screen with one button per provider', async () => {
    await page.goto(server.url);
    await visible('sign-in');
    expect(await byTestId('provider-demo').textContent()).toContain('Continue with Demo');
    expect(await byTestId('sign-in').textContent()).toContain('Your browser opens to sign you in');
    await screenshot('sign-in.png');
  });

  it('waits for the browser, and a cancel goes back to the sign-in screen', async () => {
    person = idlePerson(systemBrowser);
    await byTestId('provider-demo').click();
    await visible('waiting');
    expect(await byTestId('waiting-provider').textContent()).toBe('Demo');
    await expect.poll(() => byTestId('waiting-countdown').textContent()).toMatch(/valid for \d\d:\d\d/);
    await screenshot('waiting.png');

    // A lost browser tab can be opened again, or its link copied.
    const authorizationUrl = app.engine.getState().signIn?.authorizationUrl;
    expect(authorizationUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    // This time the browser takes its time to open: Cancel must still work meanwhile.
    let releaseBrowser: () => void = () => undefined;
    person = { failures: [], settled: async () => undefined, openBrowser: () => new Promise<void>((done) => (releaseBrowser = done)) };
    const opensBefore = browserOpens;
    await byTestId('reopen-browser').click();
    await expect.poll(() => browserOpens).toBe(opensBefore + 1);
    await win.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
    await byTestId('copy-link').click();
    await expect.poll(() => byTestId('copy-link').textContent()).toBe('Link copied');
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(
      authorizationUrl,
    );

    await byTestId('cancel-sign-in').click();
    await visible('sign-in');
    expect(await byTestId('waiting').count()).toBe(0);
    releaseBrowser();
    // A cancel is the person's own choice: acknowledged quietly, not as an alarm.
    await page.locator('[data-testid="error"][data-code="cancelled"]').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('[role="alert"]').count()).toBe(0);
  });

  it('explains a declined consent and offers to try again', async () => {
    person = createBrowserOpener(systemBrowser, { user: 'alice', consent: 'deny' });
    await byTestId('provider-demo').click();
    const error = page.locator('[data-testid="error"][data-code="access_denied"]');
    await error.waitFor({ timeout: UI_TIMEOUT });
    expect(await error.textContent()).toContain('You declined');
    expect(await error.getByRole('button', { name: 'Try again' }).count()).toBe(1);
    await screenshot('error-access-denied.png');
    await person.settled();
    expect(person.failures).toEqual([]);
  });

  it('signs in and shows the dashboard', async () => {
    person = createBrowserOpener(systemBrowser, { user: 'alice', consent: 'allow' });
    await byTestId('provider-demo').click();
    await visible('dashboard');
    expect(await byTestId('welcome').textContent()).toBe(`Welcome, ${nameOf('alice')}`);
    expect(await byTestId('email').textContent()).toBe(findDemoUser('alice')?.email);
    expect(await byTestId('roles').textContent()).toContain('admin');
    expect(await secondsLeft()).not.toBeNull();
    expect(await page.locator('[data-testid^="account-"]').count()).toBe(1);
    await person.settled();
    expect(person.failures).toEqual([]);

    const key = accountKeyOf('alice');
    expect((await readConfig()).credentials.usernames[key]?.logged_in).toBe(true);

    // The picture was fetched by the main process and arrives as a data: URL (the window loads nothing remote).
    const avatar = page.locator('[data-testid="avatar-image"]').first();
    await avatar.waitFor();
    expect(await avatar.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    await page.waitForFunction(() => {
      const img = (globalThis as unknown as { document: { querySelector(s: string): { complete: boolean } | null } }).document.querySelector(
        '[data-testid="avatar-image"]',
      );
      return img === null || img.complete;
    });
    await screenshot('dashboard.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot('dashboard-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 800, height: 600 });
    await screenshot('dashboard-800x600.png');
    await page.setViewportSize({ width: 960, height: 720 });
  });

  it('stays signed in across a reload, never drawing the sign-in screen', async () => {
    await page.reload();
    await visible('dashboard');
    expect(await byTestId('welcome').textContent()).toBe(`Welcome, ${nameOf('alice')}`);
    expect(await win.signInScreenSeen()).toBe(false);
  });

  it('stays signed in when the app is closed and started again, with no browser step', async () => {
    const opensBefore = browserOpens;
    await app.close();
    app = await startApp();
    win.attach(app.engine);
    expect(app.engine.getState().activeAccountKey).toBe(accountKeyOf('alice'));

    await page.reload();
    await visible('dashboard');
    expect(await byTestId('welcome').textContent()).toBe(`Welcome, ${nameOf('alice')}`);
    expect(await win.signInScreenSeen()).toBe(false);
    expect(browserOpens).toBe(opensBefore);
  });

  it('"Refresh now" renews the access token and the countdown follows', async () => {
    const countdown = byTestId('token-countdown');
    // Let the countdown run down a little, so a renewal is visible as a jump back up.
    await expect.poll(secondsLeft, { timeout: UI_TIMEOUT }).toBeLessThan(ACCESS_TOKEN_TTL_SECONDS - 2);
    const before = (await countdown.getAttribute('data-expires-at')) ?? '';
    const secondsBefore = (await secondsLeft()) ?? 0;

    await byTestId('refresh-now').click();
    await expect
      .poll(async () => Date.parse((await countdown.getAttribute('data-expires-at')) ?? ''), { timeout: UI_TIMEOUT })
      .toBeGreaterThan(Date.parse(before));
    expect(await secondsLeft()).toBeGreaterThan(secondsBefore);
    expect(await byTestId('last-refresh').textContent()).not.toBe('Not yet');
    expect(await page.locator('[data-testid="error"]').count()).toBe(0);
  });

  it('adds a second account and switches between them', async () => {
    // Bob signs in from a browser with no provider session of Alice's.
    const bobsBrowser = await launchSystemBrowser();
    try {
      person = createBrowserOpener(bobsBrowser, { user: 'bob', consent: 'allow' });
      await byTestId('add-account').click();
      await page.locator('[data-testid="add-account-choice"] [data-testid="provider-demo"]').click();
      await expect.poll(() => byTestId('welcome').textContent(), { timeout: UI_TIMEOUT }).toBe(`Welcome, ${nameOf('bob')}`);
      await person.settled();
      expect(person.failures).toEqual([]);
    } finally {
      await bobsBrowser.close();
    }
    expect(await page.locator('[data-testid^="account-"]').count()).toBe(2);
    await screenshot('dashboard-two-accounts.png');

    await byTestId(`switch-${accountKeyOf('alice')}`).click();
    await expect.poll(() => byTestId('welcome').textContent(), { timeout: UI_TIMEOUT }).toBe(`Welcome, ${nameOf('alice')}`);
  });

  it('signs out: the next account takes over, and the last sign-out shows the sign-in screen', async () => {
    const alice = accountKeyOf('alice');
    const bob = accountKeyOf('bob');
    expect(await byTestId('welcome').textContent()).toBe(`Welcome, ${nameOf('alice')}`);
    await byTestId('sign-out').click();
    await expect.poll(() => byTestId('welcome').textContent(), { timeout: UI_TIMEOUT }).toBe(`Welcome, ${nameOf('bob')}`);
    expect((await readConfig()).credentials.usernames[alice]?.logged_in).toBe(false);

    await byTestId('sign-out-forget').click();
    await visible('sign-in');
    const usernames = (await readConfig()).credentials.usernames;
    expect(usernames[alice]?.logged_in).toBe(false);
    expect(usernames[bob]).toBeUndefined();
    // The demo provider has an end-session endpoint: the app offers to sign out there too.
    await visible('end-session-offer');
    expect(await byTestId('end-session').textContent()).toBe('Also sign out at Demo');
    await screenshot('signed-out.png');
    person = idlePerson(systemBrowser);
    const opensBefore = browserOpens;
    await byTestId('end-session').click();
    await expect.poll(() => browserOpens).toBe(opensBefore + 1);
    await expect.poll(() => byTestId('end-session-offer').count()).toBe(0);

    await page.reload();
    await visible('sign-in');
  });
});

describe('a sign-in nobody finishes', () => {
  let idle: TempHome;
  let idleApp: Latchkey;
  let idleWin: AppWindow;

  afterAll(async () => {
    await idleWin?.close().catch(() => undefined);
    await idleApp?.close().catch(() => undefined);
    await idle?.cleanup();
  });

  it('times out and says so on the sign-in screen', async () => {
    idle = await tempHome();
    await writeFile(idle.configPath, DEFAULT_CONFIG_YAML, { mode: 0o600 });
    idleApp = await createLatchkey({
      configPath: idle.configPath,
      keychainService: idle.keychainService,
      openBrowser: idlePerson(systemBrowser).openBrowser,
      embeddedProvider: { port: 0 },
      signInTimeoutMs: 4_000,
    });
    await idleApp.restore();
    idleWin = await openAppWindow({ browser: appBrowser, url: server.url, preload, engine: idleApp.engine });
    page = idleWin.page;
    await page.goto(server.url);
    await byTestId('provider-demo').click();
    await visible('waiting');
    const error = page.locator('[data-testid="error"][data-code="timeout"]');
    await error.waitFor({ timeout: UI_TIMEOUT });
    expect(await error.textContent()).toContain('The sign-in took too long');
    await visible('sign-in');
  });
});

describe('a config.yaml that cannot be read', () => {
  let broken: TempHome;
  let brokenApp: Latchkey;
  let brokenWin: AppWindow;

  afterAll(async () => {
    await brokenWin?.close().catch(() => undefined);
    await brokenApp?.close().catch(() => undefined);
    await broken?.cleanup();
  });

  it('shows the config problem screen with file, line and column', async () => {
    broken = await tempHome();
    await writeFile(broken.configPath, 'session:\n  expiry_days: 30\nproviders:\n  demo: [label: Demo\n', { mode: 0o600 });
    brokenApp = await createLatchkey({
      configPath: broken.configPath,
      keychainService: broken.keychainService,
      openBrowser: async () => undefined,
      embeddedProvider: { port: await freePort() },
    });
    expect((await brokenApp.restore()).phase).toBe('config_invalid');
    brokenWin = await openAppWindow({ browser: appBrowser, url: server.url, preload, engine: brokenApp.engine });
    page = brokenWin.page;
    await page.goto(server.url);
    await visible('config-problem');
    const location = (await byTestId('error-location').textContent()) ?? '';
    expect(location).toMatch(new RegExp(`config\\.yaml:\\d+:\\d+$`));
    expect(await page.locator('[data-testid="error"][data-code="config_invalid"]').count()).toBe(1);
    expect(await brokenWin.signInScreenSeen()).toBe(false);
    await screenshot('config-problem.png');

    // Still broken: the screen stays, and the file is untouched.
    const brokenBytes = await readFile(broken.configPath, 'utf8');
    await byTestId('config-check-again').click();
    await expect.poll(() => byTestId('config-check-again').isEnabled()).toBe(true);
    await visible('config-problem');
    expect(await readFile(broken.configPath, 'utf8')).toBe(brokenBytes);

    // Fixed by hand: "check again" reads it and the app carries on, no restart.
    await writeFile(broken.configPath, 'session:\n  expiry_days: 30\nproviders:\n  demo: { label: Demo, embedded: true }\n');
    await byTestId('config-check-again').click();
    await visible('sign-in');
    expect(await byTestId('provider-demo').textContent()).toContain('Continue with Demo');
    // The demo provider the fixed file names starts on demand: the sign-in gets as far as the browser.
    await byTestId('provider-demo').click();
    await visible('waiting');
    await byTestId('cancel-sign-in').click();
    await visible('sign-in');
  });
});
