/**
 * "Check this computer" in the window: the built renderer in Chromium with the real preload API and IPC router,
 * the router's `diagnostics:run` backed by the real checks (the same as `latchkey doctor`). From the
 * config-problem screen, the panel shows config.yaml's problem with its line and column, the keychain as ok,
 * and the report as selectable, redacted text (no temp folder path: the home folder is ~). From an error view
 * (a sign-in whose provider cannot be reached), it names the unreachable provider as the problem.
 */
import { writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { runDiagnostics } from '../../src/main/diagnostics/run';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import { bundlePreloadApi, launchAppBrowser, openAppWindow, rendererBundle, serveStatic, type AppWindow, type RendererBundle, type StaticServer } from '../helpers/renderer-harness';

const UI_TIMEOUT = 30_000;
let appBrowser: Browser;
let bundle: RendererBundle;
let server: StaticServer;
let preload: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  const [built, preloadScript, browser] = await Promise.all([rendererBundle(), bundlePreloadApi({ checkAnswers: true }), launchAppBrowser()]);
  bundle = built;
  preload = preloadScript;
  appBrowser = browser;
  server = await serveStatic(bundle.dir);
}, 120_000);

afterAll(async () => {
  while (cleanups.length) await cleanups.pop()?.().catch(() => undefined);
  await server?.close();
  await bundle?.cleanup();
  await appBrowser?.close();
});

/** An app on `home` whose router runs the real checks of that home, with the home folder shown as ~. */
async function openApp(home: TempHome): Promise<{ app: Latchkey; win: AppWindow; page: Page }> {
  const app = await createLatchkey({ configPath: home.configPath, keychainService: home.keychainService, openBrowser: async () => undefined, embeddedProvider: false, role: 'cli' });
  cleanups.push(() => app.close());
  await app.restore();
  const env = { ...process.env };
  for (const name of ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'LATCHKEY_STORAGE']) delete env[name];
  const win = await openAppWindow({
    browser: appBrowser,
    url: server.url,
    preload,
    engine: app.engine,
    diagnostics: () => runDiagnostics({ configPath: home.configPath, keychainService: home.keychainService, env, home: home.dir }),
  });
  cleanups.push(() => win.close());
  await win.page.goto(server.url);
  return { app, win, page: win.page };
}

async function newHome(): Promise<TempHome> {
  const home = await tempHome();
  cleanups.push(home.cleanup);
  return home;
}

describe('Check this computer', () => {
  it('opens from the config-problem screen and shows the same checks as latchkey doctor', async () => {
    const home = await newHome();
    await writeFile(home.configPath, 'session:\n  expiry_days: 30\nproviders:\n  demo: [label: Demo\n', { mode: 0o600 });
    const { page } = await openApp(home);
    const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
    await byTestId('config-problem').waitFor({ timeout: UI_TIMEOUT });
    // The config screen has its own link; its error view does not add a second one.
    expect(await byTestId('diagnostics-open').count()).toBe(1);
    await byTestId('diagnostics-open').click();
    await byTestId('diagnostics-summary').waitFor({ timeout: UI_TIMEOUT });

    const configCheck = page.locator('[data-testid="diagnostics-check"][data-group="config"]');
    expect(await configCheck.getAttribute('data-status')).toBe('problem');
    expect(await configCheck.textContent()).toMatch(/~\/config\.yaml:\d+:\d+: /);
    expect(await configCheck.textContent()).toContain('How to fix:');
    expect(await page.locator('[data-testid="diagnostics-check"][data-group="storage"][data-id="keychain"]').getAttribute('data-status')).toBe('ok');
    expect(await page.locator('[data-testid="diagnostics-check"][data-group="network"][data-id="providers"]').getAttribute('data-status')).toBe('skipped');
    expect(await byTestId('diagnostics-summary').getAttribute('data-problems')).toBe('1');

    // The report as text: selectable, and redacted (the temp home folder is ~).
    await page.locator('.diagnostics-report summary').click();
    const text = await byTestId('diagnostics-text').inputValue();
    expect(text).toContain('Latchkey doctor');
    expect(text).toMatch(/\[PROBLEM\] config\.yaml is valid/);
    expect(text).not.toContain(home.dir);
    await byTestId('diagnostics-text').focus();
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { selectionEnd: number } } }).document.activeElement.selectionEnd)).toBe(text.length);

    await byTestId('diagnostics-close').click();
    expect(await byTestId('diagnostics-panel').count()).toBe(0);
  });

  it('opens from an error view: a provider that cannot be reached is the problem it names', async () => {
    const home = await newHome();
    const closed = await freePort();
    await writeFile(
      home.configPath,
      `session:\n  expiry_days: 30\nproviders:\n  corp:\n    label: Corp SSO\n    issuer: http://127.0.0.1:${closed}\n    client_id: latchkey-desktop\ncredentials:\n  usernames: {}\n`,
      { mode: 0o600 },
    );
    const { page } = await openApp(home);
    const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
    await byTestId('provider-corp').click();
    const error = page.locator('[data-testid="error"][data-code="network"]');
    await error.waitFor({ timeout: UI_TIMEOUT });
    await error.locator('[data-testid="diagnostics-open"]').click();
    const reach = page.locator('[data-testid="diagnostics-check"][data-id="reach:corp"]');
    await reach.waitFor({ timeout: UI_TIMEOUT });
    expect(await reach.getAttribute('data-status')).toBe('problem');
    expect(await reach.textContent()).toContain(`http://127.0.0.1:${closed}/.well-known/openid-configuration could not be reached`);
    expect(await reach.textContent()).toContain('requests go directly');

    // Check again runs them again (the same answer: nothing changed).
    await byTestId('diagnostics-run-again').click();
    await expect.poll(() => byTestId('diagnostics-run-again').isEnabled()).toBe(true);
    expect(await reach.getAttribute('data-status')).toBe('problem');
  });
});
