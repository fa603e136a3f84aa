/**
 * The admin panel's Streamlit-Authenticator import through the desktop entry (src/main/desktop/index.ts) with
 * the real engine, config.yaml and keychain, against a fake `electron`: the file comes from the system's open
 * dialog (parented to the app's window), never from the renderer; only an admin may import; a cancelled dialog
 * imports nothing; the preview is what `latchkey import --dry-run` shows; applying writes config.yaml and the
 * engine reads it again, so the new accounts are in the admin list at once; a preview id is good once.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLatchkey } from '../src/main/app';
import { resetFakeElectron, type FakeElectron } from './helpers/fake-electron';

vi.mock('electron', async () => (await import('./helpers/fake-electron')).fakeElectronModule());

const FIXTURE = join(__dirname, 'fixtures', 'streamlit-authenticator', 'config.yaml');
const ADMIN_PASSWORD = 'ada-admin-password';
const VIEWER_PASSWORD = 'kim-viewer-password';

let fake: FakeElectron;
let dir = '';
let configPath = '';
const savedArgv = process.argv;
const savedEnv = { ...process.env };

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeEach(async () => {
  fake = resetFakeElectron();
  dir = await mkdtemp(join(tmpdir(), 'latchkey-import-glue-'));
  fake.paths.set('appData', dir);
  configPath = join(dir, 'data', 'config.yaml');
  await mkdir(join(dir, 'data'), { mode: 0o700 });
  await writeFile(configPath, 'providers:\n  team: { label: Team, local: true }\naccess:\n  password_hash_cost: 14\ncredentials:\n  usernames: {}\n', { mode: 0o600 });
  process.argv = ['/opt/Latchkey/latchkey-desktop', '--config', configPath];
  process.env.LATCHKEY_KEYCHAIN_SERVICE = `latchkey-import-glue-${process.pid}`;
  for (const name of ['LATCHKEY_CONFIG', 'LATCHKEY_BROWSER', 'ELECTRON_RENDERER_URL', 'LATCHKEY_IDP_PORT', 'LATCHKEY_STORAGE']) delete process.env[name];
  const admin = await createLatchkey({ configPath, keychainService: process.env.LATCHKEY_KEYCHAIN_SERVICE, openBrowser: async () => undefined, embeddedProvider: false, role: 'cli' });
  await admin.users.add({ username: 'ada', email: 'ada@example.com', roles: ['admin'], password: ADMIN_PASSWORD });
  await admin.users.add({ username: 'kim', email: 'kim@example.com', roles: ['viewer'], password: VIEWER_PASSWORD });
  await admin.close();
});

afterEach(async () => {
  process.argv = savedArgv;
  process.env = { ...savedEnv };
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('desktop entry: importing a Streamlit-Authenticator file', () => {
  it('asks for the file with the open dialog, previews, imports for an admin only, and the new accounts are listed at once', async () => {
    const source = join(dir, 'streamlit-config.yaml');
    await copyFile(FIXTURE, source);
    vi.resetModules();
    await import('../src/main/desktop/index');
    fake.ready.resolve();
    await until(() => fake.windows.length > 0, 'the window');
    const win = fake.windows.at(-1);
    if (!win) throw new Error('no window');
    type Envelope = { ok: boolean; value?: unknown; error?: { code: string } };
    const invoke = (channel: string, ...args: unknown[]) => {
      const handler = fake.ipcHandlers.get(channel);
      if (!handler) throw new Error(`no handler for ${channel}`);
      return handler({ senderFrame: win.webContents.mainFrame() }, ...args) as Promise<Envelope>;
    };

    // Not an admin: refused before any dialog opens.
    expect((await invoke('local:sign-in', { identifier: 'kim', password: VIEWER_PASSWORD })).ok).toBe(true);
    expect((await invoke('admin:import-choose')).error?.code).toBe('forbidden');
    expect(fake.openDialogs).toHaveLength(0);

    expect((await invoke('local:sign-in', { identifier: 'ada', password: ADMIN_PASSWORD })).ok).toBe(true);
    // The person cancels the dialog: nothing happens.
    fake.openDialogAnswer = null;
    expect(await invoke('admin:import-choose')).toEqual({ ok: true, value: null });
    expect(fake.openDialogs).toHaveLength(1);
    expect(fake.openDialogs[0]?.parent).toBe(win);
    expect(fake.openDialogs[0]?.options).toMatchObject({ properties: ['openFile'] });

    fake.openDialogAnswer = source;
    const before = await readFile(configPath, 'utf8');
    const chosen = await invoke('admin:import-choose');
    expect(chosen.ok).toBe(true);
    const preview = chosen.value as { id: string; fileName: string; report: string[]; accounts: number; changes: boolean };
    expect(preview).toMatchObject({ fileName: 'streamlit-config.yaml', accounts: 3, changes: true, withClientSecrets: false });
    expect(preview.report).toContain('+ access.registration: true (pre-authorized addresses may create their account)');
    expect(preview.report.some((line) => line.startsWith('+ account jsmith (John Smith <jsmith@gmail.com>)'))).toBe(true);
    expect(JSON.stringify(chosen)).not.toContain('$2b$');
    expect(await readFile(configPath, 'utf8')).toBe(before);

    // Another id, or the right one a second time, imports nothing.
    expect((await invoke('admin:import-apply', '3f2504e0-4f89-41d3-9a0c-0305e82c3301')).error?.code).toBe('invalid_argument');
    const applied = await invoke('admin:import-apply', preview.id);
    expect(applied).toMatchObject({ ok: true, value: { imported: 3 } });
    expect((await invoke('admin:import-apply', preview.id)).error?.code).toBe('invalid_argument');
    const usernames = parse(await readFile(configPath, 'utf8')).credentials.usernames as Record<string, { provider?: string }>;
    expect(Object.keys(usernames).sort()).toEqual(['ada', 'jsmith', 'kim', 'mkhan', 'rbriggs']);
    const listed = (await invoke('admin:users')).value as { key: string }[];
    expect(listed.map((user) => user.key).sort()).toEqual(['ada', 'jsmith', 'kim', 'mkhan', 'rbriggs']);
    // The source file is never changed.
    expect(await readFile(source, 'utf8')).toBe(await readFile(FIXTURE, 'utf8'));

    fake.app.emit('before-quit', { preventDefault() {} });
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
  });
});
