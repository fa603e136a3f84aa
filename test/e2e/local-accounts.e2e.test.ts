/**
 * Local accounts in the window: the built renderer in Chromium with the real preload API over the real router
 * and engine, the real keychain and config.yaml. Wrong passwords and the lockout with its live countdown and
 * unlock; a sign-in, the dashboard with the account's settings (details and password, each written at once);
 * a reload and a restart that stay signed in; a one-time password replaced at sign-in; registration; the
 * admin panel for a local admin; a signed-out local account signed back in from the Accounts panel; a
 * Streamlit-Authenticator file imported from the admin panel. No
 * password or session secret reaches the DOM, an IPC answer, config.yaml or the event log.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { StreamlitImportService } from '../../src/main/import/import-service';
import { SecretVault } from '../../src/main/store/secrets';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import { bundlePreloadApi, launchAppBrowser, openAppWindow, rendererBundle, SCREENSHOT_DIR, serveStatic, type AppWindow, type RendererBundle, type StaticServer } from '../helpers/renderer-harness';

const UI_TIMEOUT = 30_000;
const ADA = 'ada-first-password';
const ADA_NEW = 'ada-second-password';
const KIM_OWN = 'kims-own-password';
const EVE = 'eves-registered-password';

let appBrowser: Browser;
let bundle: RendererBundle;
let server: StaticServer;
let home: TempHome;
let port: number;
let app: Latchkey;
let win: AppWindow;
let page: Page;
let kimCode = '';
/** What the "open dialog" answers next (null: the person cancels it). */
let importFile: string | null = null;
const STREAMLIT_FIXTURE = join(__dirname, '..', 'fixtures', 'streamlit-authenticator', 'config.yaml');

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const visible = (id: string) => byTestId(id).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, name), fullPage: true });

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
  const latchkey = await createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    openBrowser: async () => undefined,
    embeddedProvider: { port },
  });
  await latchkey.restore();
  return latchkey;
}

async function signInWith(identifier: string, password: string): Promise<void> {
  await byTestId('local-identifier').fill(identifier);
  await byTestId('local-password').fill(password);
  await byTestId('local-sign-in-submit').click();
}

beforeAll(async () => {
  const [built, preload, browser, freeport, tmp] = await Promise.all([rendererBundle(), bundlePreloadApi({ checkAnswers: true }), launchAppBrowser(), freePort(), tempHome()]);
  [bundle, appBrowser, port, home] = [built, browser, freeport, tmp];
  server = await serveStatic(bundle.dir);
  await writeFile(
    home.configPath,
    stringify({
      providers: { demo: { label: 'Demo', embedded: true }, team: { label: 'Team', local: true } },
      access: { password_hash_cost: 14, registration: true, default_roles: ['viewer'], max_login_attempts: 2, lockout_minutes: 0.1 },
      credentials: { usernames: {} },
    }),
    { mode: 0o600 },
  );
  app = await startApp();
  await app.users.add({ username: 'ada', email: 'ada@example.com', firstName: 'Ada', roles: ['admin'], password: ADA });
  kimCode = (await app.users.add({ username: 'kim', email: 'kim@example.com' })).oneTimeCode as string;
  // The import service as the desktop entry builds it, with the open dialog played by `importFile`.
  const importer = new StreamlitImportService({
    target: { load: () => app.users.load(), updateConfig: (edit) => app.users.updateConfig(edit) },
    chooseFile: async () => importFile,
    isAdmin: () => app.engine.hasRole('admin'),
    afterImport: () => app.engine.reload(),
  });
  win = await openAppWindow({ browser: appBrowser, url: server.url, preload, engine: app.engine, importer });
  page = win.page;
  await page.addInitScript({ content: RECORD_ANSWERS });
}, 120_000);

afterAll(async () => {
  await win?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await server?.close();
  await bundle?.cleanup();
  await appBrowser?.close();
  await home?.cleanup();
});

describe('local accounts in the window', () => {
  it('shows the local sign-in form beside the providers, refuses wrong passwords, and locks with a live countdown that lifts', async () => {
    await page.goto(server.url);
    await visible('local-sign-in');
    expect(await byTestId('provider-demo').count()).toBe(1);
    await shot('sign-in-local.png');

    await signInWith('ada', 'wrong one');
    await page.locator('[data-testid="error"][data-code="invalid_credentials"]').waitFor({ timeout: UI_TIMEOUT });
    await signInWith('ada', 'wrong two');
    await visible('lockout');
    await expect.poll(() => byTestId('lockout-countdown').textContent()).toMatch(/^Try again in 00:0\d$/);
    await shot('sign-in-locked.png');
    // The lock holds for the right password too, until it lifts.
    await signInWith('ada', ADA);
    await visible('lockout');
    await expect.poll(() => byTestId('lockout-countdown').textContent(), { timeout: 15_000 }).toBe('You can try again now.');
    await signInWith('ada', ADA);
    await visible('dashboard');
    expect(await byTestId('welcome').textContent()).toBe('Welcome, Ada');
    expect(await byTestId('provider-label').textContent()).toBe('Team');
  });

  it('saves details and changes the password from the dashboard, each in config.yaml at once', async () => {
    await visible('account-settings');
    await byTestId('details-last-name').fill('Lovelace');
    await byTestId('details-email').fill('ada.lovelace@example.com');
    await byTestId('save-details').click();
    await expect.poll(() => byTestId('settings-done').textContent()).toBe('Details saved.');
    await expect.poll(() => byTestId('welcome').textContent()).toBe('Welcome, Ada Lovelace');
    expect(parse(await readFile(home.configPath, 'utf8')).credentials.usernames.ada).toMatchObject({ last_name: 'Lovelace', email: 'ada.lovelace@example.com' });

    await byTestId('current-password').fill('not the password');
    await byTestId('change-new-password').fill(ADA_NEW);
    await byTestId('change-repeat-password').fill(ADA_NEW);
    await byTestId('change-password').click();
    await page.locator('[data-testid="account-settings"] [data-testid="error"][data-code="invalid_credentials"]').waitFor({ timeout: UI_TIMEOUT });
    expect(await byTestId('current-password').inputValue()).toBe('');
    await byTestId('current-password').fill(ADA);
    await byTestId('change-new-password').fill(ADA_NEW);
    await byTestId('change-repeat-password').fill(ADA_NEW);
    await byTestId('change-password').click();
    await expect.poll(() => byTestId('settings-done').textContent()).toBe('Password changed.');
    await shot('dashboard-local-account.png');
  });

  it('stays signed in across a reload and a restart, and shows a local admin the accounts', async () => {
    await page.reload();
    await visible('dashboard');
    expect(await win.signInScreenSeen()).toBe(false);
    await app.close();
    app = await startApp();
    win.attach(app.engine);
    await page.reload();
    await visible('dashboard');
    expect(await win.signInScreenSeen()).toBe(false);
    await visible('admin-panel');
    await expect.poll(() => byTestId('admin-status-kim').textContent()).toBe('One-time password');
    expect(await byTestId('admin-user-ada').textContent()).toContain('admin');
  });

  it('replaces a one-time password at sign-in, and registers a new account', async () => {
    await byTestId('sign-out').click();
    await visible('local-sign-in');
    await signInWith('kim', kimCode);
    await visible('new-password-form');
    await byTestId('new-password').fill(KIM_OWN);
    await byTestId('repeat-password').fill(KIM_OWN);
    await byTestId('set-password').click();
    await visible('dashboard');
    expect(await byTestId('welcome').textContent()).toBe('Welcome, kim');
    expect(parse(await readFile(home.configPath, 'utf8')).credentials.usernames.kim.change_at_next_login).toBeUndefined();
    expect(await byTestId('admin-panel').count()).toBe(0);

    await byTestId('sign-out').click();
    await byTestId('show-register').click();
    await visible('register-form');
    await byTestId('register-username').fill('eve');
    await byTestId('register-email').fill('eve@example.com');
    await byTestId('register-first-name').fill('Eve');
    await byTestId('register-password').fill(EVE);
    await byTestId('register-repeat').fill(EVE);
    await shot('register.png');
    await byTestId('register-submit').click();
    await visible('dashboard');
    expect(await byTestId('roles').textContent()).toContain('viewer');
    expect(parse(await readFile(home.configPath, 'utf8')).credentials.usernames.eve).toMatchObject({ provider: 'team', roles: ['viewer'], logged_in: true });
  });

  it('signs a signed-out local account back in from the Accounts panel with its password, and shows its session as local', async () => {
    await visible('account-kim');
    await byTestId('sign-in-again-kim').click();
    await visible('local-sign-in-kim');
    const form = page.locator('[data-testid="local-sign-in-kim"]');
    expect(await form.locator('[data-testid="local-identifier"]').inputValue()).toBe('kim');
    expect(await form.locator('[data-testid="show-register"]').count()).toBe(0);
    await form.locator('[data-testid="local-password"]').fill('not kims password');
    await form.locator('[data-testid="local-sign-in-submit"]').click();
    await form.locator('[data-testid="error"][data-code="invalid_credentials"]').waitFor({ timeout: UI_TIMEOUT });
    await form.locator('[data-testid="local-password"]').fill(KIM_OWN);
    await form.locator('[data-testid="local-sign-in-submit"]').click();
    await expect.poll(() => byTestId('welcome').textContent(), { timeout: UI_TIMEOUT }).toBe('Welcome, kim');
    expect(await byTestId('token-countdown').textContent()).toBe('Local account: no provider token to renew');
    expect(await byTestId('refresh-now').count()).toBe(0);
    expect(parse(await readFile(home.configPath, 'utf8')).credentials.usernames.kim).toMatchObject({ logged_in: true });
  });

  it('never shows a password, hash or session secret in the DOM, an IPC answer, config.yaml or the event log', async () => {
    const vault = new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') });
    const secrets = await Promise.all(['ada', 'kim', 'eve'].map(async (key) => (await vault.get(key))?.accessToken));
    const yaml = await readFile(home.configPath, 'utf8');
    const hashes = Object.values(parse(yaml).credentials.usernames as Record<string, { password?: string }>).flatMap((record) => (record.password ? [record.password] : []));
    expect(hashes).toHaveLength(3);
    const dom = await page.content();
    const answers = (await page.evaluate(() => (globalThis as unknown as { __answers: string[] }).__answers)).join('\n');
    expect(answers).toContain('"ok":true');
    const log = await readFile(join(home.dir, 'auth-events.jsonl'), 'utf8');
    for (const secret of [ADA, ADA_NEW, KIM_OWN, EVE, kimCode, ...hashes, ...secrets.filter((s): s is string => Boolean(s))]) {
      expect(dom).not.toContain(secret);
      expect(answers).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
    for (const secret of [ADA, ADA_NEW, KIM_OWN, EVE, kimCode, ...secrets.filter((s): s is string => Boolean(s))]) expect(yaml).not.toContain(secret);
  });

  it('imports a Streamlit-Authenticator file from the admin panel: the file from the open dialog, a preview, then the accounts listed', async () => {
    // Back to the admin, signed in again from the Accounts panel.
    await byTestId('sign-in-again-ada').click();
    const form = page.locator('[data-testid="local-sign-in-ada"]');
    await form.locator('[data-testid="local-password"]').fill(ADA_NEW);
    await form.locator('[data-testid="local-sign-in-submit"]').click();
    await visible('import-panel');

    importFile = null;
    await byTestId('import-choose').click();
    await expect.poll(() => byTestId('import-choose').isEnabled()).toBe(true);
    expect(await byTestId('import-preview').count()).toBe(0);

    importFile = join(home.dir, 'streamlit-config.yaml');
    await copyFile(STREAMLIT_FIXTURE, importFile);
    await byTestId('import-choose').click();
    await visible('import-preview');
    expect(await byTestId('import-file').textContent()).toBe('streamlit-config.yaml');
    expect(await byTestId('import-report').textContent()).toContain('+ account jsmith (John Smith <jsmith@gmail.com>)');
    await shot('admin-import-preview.png');
    await byTestId('import-apply').click();
    await expect.poll(() => byTestId('import-done').textContent(), { timeout: UI_TIMEOUT }).toBe('Imported 3 account(s). They sign in with their passwords from before.');
    await visible('admin-user-jsmith');
    expect(await byTestId('admin-user-mkhan').count()).toBe(1);
    expect(Object.keys(parse(await readFile(home.configPath, 'utf8')).credentials.usernames).sort()).toEqual(['ada', 'eve', 'jsmith', 'kim', 'mkhan', 'rbriggs']);
    expect(await page.content()).not.toContain('$2b$');
  });
});
