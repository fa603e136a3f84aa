/**
 * The dashboard's API panel end to end: the built renderer in Chromium with the real preload API over the real
 * router and engine, the demo provider (run beside the app, as `latchkey idp` would, so the test can take it
 * down) with its demo API, a second Chromium as the system browser, the real keychain and config.yaml.
 *
 * In order: after sign-in the panel shows a skeleton, then a chart and a table of the signed-in person's own
 * projects (the same numbers the API gives); a reload shows them again without the sign-in screen; a refresh
 * of the session loads them again; with the API down the panel says so and offers "Try again", the rest of the
 * dashboard keeps working, and "Try again" brings the data back once the API is up. For GitHub (its emulator),
 * the same panel shows the person's most recently updated repositories.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { startDemoProvider, type DemoProvider } from '../../src/main/idp';
import { SecretVault } from '../../src/main/store/secrets';
import { GITHUB_REPOS, startGitHubEmulator, type GitHubEmulator } from '../emulators';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import { emulatorOpener, loopbackOnlyFetch, writeProvidersConfig } from '../helpers/emulator-fixture';
import { bundlePreloadApi, launchAppBrowser, openAppWindow, rendererBundle, SCREENSHOT_DIR, serveStatic, type AppWindow, type RendererBundle, type StaticServer } from '../helpers/renderer-harness';
import { createBrowserOpener, launchSystemBrowser } from '../helpers/system-browser';

const UI_TIMEOUT = 30_000;

/** Records, from before any page script runs, which of these parts were ever added to the DOM. */
const SEEN_WATCH = `(() => {
  const ids = ['api-skeleton', 'api-data', 'api-error', 'sign-in'];
  const seen = {};
  Object.defineProperty(window, '__apiSeen', { value: seen });
  new MutationObserver((records) => {
    for (const record of records) for (const node of record.addedNodes) {
      if (!(node instanceof Element)) continue;
      for (const id of ids) if (node.matches('[data-testid="' + id + '"]') || node.querySelector('[data-testid="' + id + '"]')) seen[id] = true;
    }
  }).observe(document, { childList: true, subtree: true });
})();`;

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

async function seen(page: Page): Promise<Record<string, boolean>> {
  return page.evaluate(() => ({ ...(globalThis as unknown as { __apiSeen: Record<string, boolean> }).__apiSeen }));
}

async function rowNames(page: Page): Promise<string[]> {
  return page.locator('[data-testid="api-table"] tbody th').allInnerTexts();
}

describe('the demo API panel', () => {
  let home: TempHome;
  let port: number;
  let provider: DemoProvider;
  let app: Latchkey;
  let win: AppWindow;
  let page: Page;
  const startProvider = (): Promise<DemoProvider> => startDemoProvider({ dataDir: join(home.dir, 'demo-provider'), port, accessTokenTtlSeconds: 120 });

  beforeAll(async () => {
    home = await tempHome();
    port = await freePort();
    await writeFile(home.configPath, `providers:\n  demo: { label: Demo, embedded: true, port: ${port} }\napis:\n  demo: { provider: demo }\ncredentials:\n  usernames: {}\n`, { mode: 0o600 });
    provider = await startProvider();
    const opener = createBrowserOpener(systemBrowser, { user: 'alice', consent: 'allow' });
    app = await createLatchkey({ configPath: home.configPath, keychainService: home.keychainService, openBrowser: opener.openBrowser, embeddedProvider: { port } });
    await app.restore();
    // Tall enough that the panel is in view as a whole (its screenshot is the README's).
    win = await openAppWindow({ browser: appBrowser, url: server.url, preload, engine: app.engine, viewport: { width: 960, height: 1400 } });
    page = win.page;
    await page.addInitScript({ content: SEEN_WATCH });
  }, 120_000);

  afterAll(async () => {
    await win?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await provider?.close().catch(() => undefined);
    await home?.cleanup();
  });

  it("shows a skeleton, then a chart and a table of the signed-in person's own projects", async () => {
    await page.goto(server.url);
    await page.locator('[data-testid="provider-demo"]').click();
    await page.locator('[data-testid="dashboard"]').waitFor({ timeout: UI_TIMEOUT });
    await page.locator('[data-testid="api-table"]').waitFor({ timeout: UI_TIMEOUT });
    expect((await seen(page))['api-skeleton']).toBe(true);

    // What the API itself says (asked by the engine here), and what the window shows, agree.
    const answer = await app.engine.fetchApi('demo', { path: '/projects', query: { days: 30 } });
    const projects = (answer.body as { projects: Array<{ name: string; totalCommits: number }> }).projects;
    expect(projects.length).toBe(4);
    expect(await rowNames(page)).toEqual(projects.map((p) => p.name));
    const commits = await page.locator('[data-testid="api-table"] tbody tr td:nth-of-type(2)').allInnerTexts();
    expect(commits).toEqual(projects.map((p) => String(p.totalCommits)));
    const bars = page.locator('[data-testid="chart-bar"]');
    expect(await bars.count()).toBe(30);
    const totals = await bars.evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute('data-total'))));
    expect(totals.reduce((a, b) => a + b, 0)).toBe(projects.reduce((sum, p) => sum + p.totalCommits, 0));
    await expect.poll(() => page.locator('[data-testid="dpop-badge"]').isVisible()).toBe(true);
    await page.locator('[data-testid="api-panel"]').screenshot({ path: join(SCREENSHOT_DIR, 'api-panel.png') });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-with-api-panel.png'), fullPage: true });
  });

  it('shows them again after a reload, without ever drawing the sign-in screen', async () => {
    const before = await rowNames(page);
    await page.reload();
    await page.locator('[data-testid="api-table"]').waitFor({ timeout: UI_TIMEOUT });
    expect(await rowNames(page)).toEqual(before);
    expect(await win.signInScreenSeen()).toBe(false);
    expect((await seen(page))['sign-in']).toBeUndefined();
  });

  it('loads the data again when the session is refreshed', async () => {
    const key = app.engine.getState().activeAccountKey as string;
    const vault = new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') });
    const token = (await vault.get(key))?.accessToken;
    const loadedAt = Number(await page.locator('[data-testid="api-data"]').getAttribute('data-loaded-at'));
    await page.locator('[data-testid="refresh-now"]').click();
    await expect.poll(async () => Number(await page.locator('[data-testid="api-data"]').getAttribute('data-loaded-at')), { timeout: UI_TIMEOUT }).toBeGreaterThan(loadedAt);
    expect((await vault.get(key))?.accessToken).not.toBe(token);
  });

  it('says so when the API is down, keeps the rest of the dashboard, and "Try again" brings the data back', async () => {
    await provider.close();
    await page.reload();
    const error = page.locator('[data-testid="api-error"]');
    await error.waitFor({ timeout: UI_TIMEOUT });
    expect(await error.getAttribute('data-code')).toBe('network');
    expect(await page.locator('[data-testid="api-table"]').count()).toBe(0);
    // The person is still signed in, and the other panels work.
    await page.locator('[data-testid="token-countdown"]').waitFor();
    expect(app.engine.getState().accounts[0]?.signedIn).toBe(true);
    await page.locator('[data-testid="api-panel"]').screenshot({ path: join(SCREENSHOT_DIR, 'api-panel-error.png') });

    provider = await startProvider();
    await page.locator('[data-testid="api-retry"]').click();
    await page.locator('[data-testid="api-table"]').waitFor({ timeout: UI_TIMEOUT });
    expect(await rowNames(page)).toHaveLength(4);
    expect(await error.count()).toBe(0);
  });
});

describe('the GitHub panel', () => {
  let github: GitHubEmulator;
  let home: TempHome;
  let app: Latchkey;
  let win: AppWindow;

  beforeAll(async () => {
    github = await startGitHubEmulator({ clientId: 'Iv1.panel', clientSecret: 'panel-secret', mode: 'oauth-app' });
    home = await tempHome();
    await writeProvidersConfig(home, `  github:\n    preset: github\n    client_id: Iv1.panel\n    client_secret: panel-secret\n    host: ${github.url}\napis:\n  github: { provider: github, base_url: "${github.apiUrl}" }\n`);
    app = await createLatchkey({
      configPath: home.configPath,
      keychainService: home.keychainService,
      openBrowser: emulatorOpener(systemBrowser, 'octo').openBrowser,
      embeddedProvider: false,
      fetch: loopbackOnlyFetch,
    });
    await app.restore();
    await app.engine.signIn('github');
    win = await openAppWindow({ browser: appBrowser, url: server.url, preload, engine: app.engine, viewport: { width: 960, height: 1400 } });
  }, 120_000);

  afterAll(async () => {
    await win?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await github?.close();
    await home?.cleanup();
  });

  it("shows the person's most recently updated repositories", async () => {
    const page = win.page;
    await page.goto(server.url);
    await page.locator('[data-testid="api-table"]').waitFor({ timeout: UI_TIMEOUT });
    const expected = [...(GITHUB_REPOS.octo ?? [])].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
    expect(await rowNames(page)).toEqual(expected.map((repo) => `octo/${repo.name}${repo.private ? ' (private)' : ''}`));
    expect(await page.locator('#api-github-title').innerText()).toBe('Recently updated repositories');
    const totals = await page.locator('[data-testid="chart-bar"]').evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute('data-total'))));
    expect(totals).toEqual(expected.map((repo) => repo.stargazers_count));
    // The token is a plain bearer token at GitHub (no DPoP there), asked for with the panel's sort.
    expect(await page.locator('[data-testid="dpop-badge"]').count()).toBe(0);
    expect(github.log.some((request) => {
      const url = new URL(request.path, github.url);
      return url.pathname === '/api/v3/user/repos' && url.searchParams.get('sort') === 'updated';
    })).toBe(true);
    await page.locator('[data-testid="api-panel"]').screenshot({ path: join(SCREENSHOT_DIR, 'api-panel-github.png') });
  });
});
