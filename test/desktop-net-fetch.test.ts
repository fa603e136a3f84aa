/**
 * The desktop app makes its requests through Chromium's network stack (Electron's `net.fetch`: the system's
 * proxy settings, PAC and the OS certificate store), not through Node's. The entry (src/main/desktop/index.ts)
 * runs with the real engine (app.ts) against a fake `electron` whose net.fetch records each URL; a sign-in
 * asked for over IPC loads a provider emulator's discovery document, and that request must be one net.fetch saw.
 * "Check this computer" (diagnostics:run) reaches the provider the same way and names the proxy Chromium's
 * resolution chose (session.resolveProxy).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startStrictOidcEmulator, type StrictOidcEmulator } from './emulators';
import { resetFakeElectron, type FakeElectron } from './helpers/fake-electron';

vi.mock('electron', async () => (await import('./helpers/fake-electron')).fakeElectronModule());

let fake: FakeElectron;
let dir = '';
let emulator: StrictOidcEmulator;
const savedArgv = process.argv;
const savedEnv = { ...process.env };

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeEach(async () => {
  fake = resetFakeElectron();
  dir = await mkdtemp(join(tmpdir(), 'latchkey-netfetch-'));
  fake.paths.set('appData', dir);
  emulator = await startStrictOidcEmulator({ clientId: 'net-fetch-client' });
  const configPath = join(dir, 'data', 'config.yaml');
  await mkdir(join(dir, 'data'), { mode: 0o700 });
  await writeFile(
    configPath,
    `providers:\n  strict:\n    label: Strict\n    issuer: ${emulator.issuer}\n    client_id: net-fetch-client\ncredentials:\n  usernames: {}\n`,
    { mode: 0o600 },
  );
  process.argv = ['/opt/Latchkey/latchkey-desktop', '--config', configPath];
  process.env.LATCHKEY_KEYCHAIN_SERVICE = `latchkey-netfetch-${process.pid}`;
  for (const name of ['LATCHKEY_CONFIG', 'LATCHKEY_BROWSER', 'ELECTRON_RENDERER_URL', 'LATCHKEY_IDP_PORT']) delete process.env[name];
});

afterEach(async () => {
  process.argv = savedArgv;
  process.env = { ...savedEnv };
  await emulator.close();
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('desktop entry: the network', () => {
  it("hands the engine Electron's net.fetch: a sign-in's discovery request goes through it", async () => {
    vi.resetModules();
    await import('../src/main/desktop/index');
    fake.ready.resolve();
    await until(() => fake.windows.length > 0, 'the window');
    const win = fake.windows.at(-1);
    if (!win) throw new Error('no window');
    const invoke = (channel: string, ...args: unknown[]) => {
      const handler = fake.ipcHandlers.get(channel);
      if (!handler) throw new Error(`no handler for ${channel}`);
      return handler({ senderFrame: win.webContents.mainFrame() }, ...args) as Promise<{ ok: boolean }>;
    };
    const signIn = invoke('session:sign-in', 'strict');
    // The engine opens the browser (shell.openExternal) only after discovery.
    await until(() => fake.openedExternally.length > 0, 'the authorization URL to be opened');
    expect(fake.openedExternally[0]).toContain(`${emulator.issuer}/authorize?`);
    expect(fake.netFetches).toContain(`${emulator.issuer}/.well-known/openid-configuration`);
    // The emulator saw that request: net.fetch really made it.
    expect(emulator.log.some((request) => request.path === '/.well-known/openid-configuration')).toBe(true);
    await invoke('session:cancel-sign-in');
    expect((await signIn).ok).toBe(false);

    // The checks of this computer: the provider through net.fetch, the proxy as Chromium resolves it.
    fake.session.proxyAnswer = 'PROXY proxy.corp:3128; DIRECT';
    const fetchesBefore = fake.netFetches.length;
    const answer = (await invoke('diagnostics:run')) as unknown as { ok: boolean; value: { checks: { id: string; status: string; detail: string }[] } };
    expect(answer.ok).toBe(true);
    const reach = answer.value.checks.find((check) => check.id === 'reach:strict');
    expect(reach?.status).toBe('ok');
    expect(reach?.detail).toContain("requests go through the proxy http://proxy.corp:3128/ (the system's proxy settings)");
    expect(fake.netFetches.slice(fetchesBefore)).toContain(`${emulator.issuer}/.well-known/openid-configuration`);

    // Quit: the entry closes the engine before the app goes.
    fake.app.emit('before-quit', { preventDefault() {} });
    await settle();
  });
});
