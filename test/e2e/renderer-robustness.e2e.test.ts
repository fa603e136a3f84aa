/**
 * One bad answer from the main process must not blank the window. The built renderer in Chromium, the real
 * preload API and the real IPC router, in front of an engine that answers what a buggy main process could:
 * `events:recent` with `[null]`, an account whose `roles` is not a list.
 *
 * - As production builds run it (no answer checks), the failing panel's error boundary shows what failed
 *   and a Reload action while the rest of the dashboard keeps working; Reload recovers once main answers
 *   properly again.
 * - As development builds run it (every answer checked against the contract), the bad answer becomes a
 *   coded `internal` error naming the channel, shown by the same panel state.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSummary, AuthEvent, SessionEngine, SessionState } from '../../src/shared/session';
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

const UI_TIMEOUT = 30_000;

const ADA: AccountSummary = {
  key: 'demo-ada',
  provider: 'demo',
  providerLabel: 'Demo',
  subject: 'ada',
  name: 'Ada Lovelace',
  email: 'ada@latchkey.example',
  roles: ['admin'],
  signedIn: true,
  signedInAt: '2026-11-26T18:00:00.000Z',
  accessTokenExpiresAt: new Date(Date.now() + 60 * 60 * 1000).toISOString(),
  connectivity: 'online',
  stale: false,
};

const GOOD_EVENTS: AuthEvent[] = [{ at: '2026-11-26T18:00:00.000Z', kind: 'sign_in', accountKey: 'demo-ada', outcome: 'ok' }];

/**
 * A signed-in engine whose answers the test chooses. Typed loosely on purpose: it stands for a main process
 * that breaks the contract.
 */
class ScriptedEngine {
  events: unknown = [null];
  account: unknown = ADA;

  engine(): SessionEngine {
    const state = (): SessionState =>
      ({ phase: 'ready', accounts: [this.account], activeAccountKey: ADA.key, signIn: null, configPath: '/tmp/latchkey/config.yaml' }) as SessionState;
    const refuse = async (): Promise<never> => {
      throw new Error('not used in this test');
    };
    return {
      getState: state,
      reload: async () => state(),
      unlock: async () => state(),
      listProviders: () => [],
      signIn: refuse,
      signInWithDevice: refuse,
      cancelSignIn: () => undefined,
      switchAccount: refuse,
      refreshNow: refuse,
      signOut: refuse,
      reopenBrowser: refuse,
      openEndSession: refuse,
      recentEvents: async () => this.events as AuthEvent[],
      localAccountsInfo: () => null,
      signInLocal: refuse,
      register: refuse,
      changePassword: refuse,
      updateDetails: refuse,
      hasRole: () => false,
      listUsers: () => [],
      beginTotp: () => {
        throw new Error('not used in this test');
      },
      confirmTotp: refuse,
      disableTotp: refuse,
      listApis: () => [],
      fetchApi: refuse,
      onStateChange: () => () => undefined,
    };
  }
}

let browser: Browser;
let bundle: RendererBundle;
let server: StaticServer;
let productionPreload: string;
let developmentPreload: string;
const windows: AppWindow[] = [];

beforeAll(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  [bundle, productionPreload, developmentPreload, browser] = await Promise.all([
    rendererBundle(),
    bundlePreloadApi(),
    bundlePreloadApi({ checkAnswers: true }),
    launchAppBrowser(),
  ]);
  server = await serveStatic(bundle.dir);
}, 120_000);

afterAll(async () => {
  for (const win of windows) await win.close().catch(() => undefined);
  await server?.close();
  await bundle?.cleanup();
  await browser?.close();
});

async function open(scripted: ScriptedEngine, preload: string): Promise<Page> {
  const win = await openAppWindow({ browser, url: server.url, preload, engine: scripted.engine() });
  windows.push(win);
  await win.page.goto(server.url);
  return win.page;
}

const eventsPanelError = (page: Page) => page.locator('[data-testid="panel-error"][data-panel="Recent activity"]');

/** The dashboard around the failed panel is still there and still works. */
async function expectRestOfDashboard(page: Page): Promise<void> {
  await page.locator('[data-testid="dashboard"]').waitFor({ timeout: UI_TIMEOUT });
  expect(await page.locator('[data-testid="dashboard"]').textContent()).toContain('Ada Lovelace');
  expect(await page.locator('[data-testid="sign-out"]').isEnabled()).toBe(true);
  expect(await page.locator('[data-testid="app-error"]').count()).toBe(0);
  expect(await page.locator('[data-testid="panel-error"]').count()).toBe(1);
}

describe('a bad answer from the main process', () => {
  it('production build: events:recent answering [null] shows the panel error with Reload; the dashboard still renders', async () => {
    const scripted = new ScriptedEngine();
    const page = await open(scripted, productionPreload);
    const panel = eventsPanelError(page);
    await panel.waitFor({ timeout: UI_TIMEOUT });
    expect(await panel.getAttribute('role')).toBe('alert');
    expect(await panel.locator('[data-testid="failure"]').textContent()).toMatch(/\S/);
    expect(await panel.getByRole('button', { name: 'Reload' }).count()).toBe(1);
    await expectRestOfDashboard(page);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'panel-error.png'), fullPage: true });

    // Once main answers properly, Reload brings the panel back.
    scripted.events = GOOD_EVENTS;
    await panel.getByRole('button', { name: 'Reload' }).click();
    await page.locator('[data-testid="events"]').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('[data-testid="panel-error"]').count()).toBe(0);
  });

  it('development build: the answer check turns [null] into a coded error naming the channel, shown in the panel', async () => {
    const page = await open(new ScriptedEngine(), developmentPreload);
    const panel = eventsPanelError(page);
    await panel.waitFor({ timeout: UI_TIMEOUT });
    const failure = (await panel.locator('[data-testid="failure"]').textContent()) ?? '';
    expect(failure).toContain('events:recent');
    expect(failure).toContain('(internal)');
    expect(await panel.getByRole('button', { name: 'Reload' }).count()).toBe(1);
    await expectRestOfDashboard(page);
  });

  it('development build: a valid answer passes the check unchanged', async () => {
    const scripted = new ScriptedEngine();
    scripted.events = GOOD_EVENTS;
    const page = await open(scripted, developmentPreload);
    await page.locator('[data-testid="events"]').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('[data-testid="events"]').textContent()).toContain('Signed in');
    expect(await page.locator('[data-testid="panel-error"]').count()).toBe(0);
  });

  it('never leaves a blank window, whatever field is wrong', async () => {
    for (const preload of [productionPreload, developmentPreload]) {
      const scripted = new ScriptedEngine();
      scripted.events = GOOD_EVENTS;
      scripted.account = { ...ADA, roles: null, name: 42 };
      const page = await open(scripted, preload);
      const shown = page.locator('[data-testid="panel-error"], [data-testid="app-error"], [data-testid="load-problem"]');
      await shown.first().waitFor({ timeout: UI_TIMEOUT });
      if (preload === productionPreload) await page.screenshot({ path: join(SCREENSHOT_DIR, 'render-error.png'), fullPage: true });
      expect((await page.locator('#root').innerText()).trim()).not.toBe('');
      expect(await page.getByRole('button', { name: /Reload|Try again/ }).count()).toBeGreaterThan(0);
    }
  });
});
