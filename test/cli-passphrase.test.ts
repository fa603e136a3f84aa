/**
 * The `latchkey` command on a machine with no keychain to use: every run here has a D-Bus session address that
 * leads nowhere, so the Secret Service cannot be reached. Without the opt-in, login stops with
 * keychain_unavailable and its hint names the opt-in, and nothing is kept anywhere. With
 * LATCHKEY_STORAGE=passphrase and the passphrase on stdin (one line per question, as a script gives it), the
 * demo provider's sign-in in Chromium is kept in the passphrase store, status says so, token works, a new
 * process restores the session, and a wrong passphrase fails clearly and changes nothing. No token is ever in
 * a file in clear.
 */
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TempHome } from './helpers/engine-fixture';
import { assertCliBuilt } from './helpers/cli-runner';
import { runCliWithInput } from './helpers/cli-with-stdin';
import { noKeyringHome, snapshotFiles } from './helpers/no-keyring';

const PASSPHRASE = 'a long passphrase for a headless box';

let home: TempHome;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  assertCliBuilt();
  ({ home, env } = await noKeyringHome());
});

afterAll(async () => {
  await home?.cleanup();
});

describe('latchkey without a keychain', () => {
  it('login without the opt-in fails with keychain_unavailable, names the opt-in, and keeps nothing', async () => {
    if (process.platform !== 'linux') return; // Only Linux reaches its keychain over D-Bus.
    const login = await runCliWithInput(env, '', 'login');
    expect(login.code, login.stderr).toBe(1);
    expect(login.stdout).toBe('');
    expect(login.stderr).toMatch(/latchkey: The system keychain is not available: /);
    expect(login.stderr).toContain('storage: passphrase');
    expect(login.stderr).toContain('LATCHKEY_STORAGE=passphrase');
    // Stopped before the browser: no sign-in happened, so there is nothing to keep anywhere.
    expect(login.stderr).not.toMatch(/Opening your browser/);
    const files = await snapshotFiles(home.dir);
    expect([...files.keys()].filter((file) => file.endsWith('.bin') || file.endsWith('passphrase-store.json'))).toEqual([]);
    expect(await readFile(home.configPath, 'utf8')).toMatch(/usernames: \{\}/);

    const status = await runCliWithInput(env, '', 'status', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({ signedIn: false, secretStore: { kind: 'keychain', location: home.keychainService } });
  });

  it('with LATCHKEY_STORAGE=passphrase: login, status, token, and a new process restores the session; no token in clear', async () => {
    const withStore = { ...env, LATCHKEY_STORAGE: 'passphrase' };
    const storeFile = join(home.dir, 'secrets', 'passphrase-store.json');

    // A new store: the passphrase is asked twice (two lines), before the browser opens.
    const mismatch = await runCliWithInput(withStore, `${PASSPHRASE}\nsomething else entirely\n`, 'login');
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/The two passphrases differ\. Nothing was created\./);
    expect(mismatch.stderr).not.toMatch(/Opening your browser/);
    expect(existsSync(storeFile)).toBe(false);
    const short = await runCliWithInput(withStore, 'short\nshort\n', 'login');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least 8 characters/);
    expect(existsSync(storeFile)).toBe(false);

    const login = await runCliWithInput(withStore, `${PASSPHRASE}\n${PASSPHRASE}\n`, 'login');
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe('Signed in as Alice Anders <alice@latchkey.example> via Demo\n');
    expect(login.stderr).toMatch(/sealed with a passphrase/);
    expect(existsSync(storeFile)).toBe(true);
    if (process.platform !== 'win32') expect((await stat(storeFile)).mode & 0o777).toBe(0o600);

    const status = await runCliWithInput(withStore, `${PASSPHRASE}\n`, 'status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^Signed in as Alice Anders <alice@latchkey\.example> via Demo \(account demo:/);
    expect(status.stderr).toContain(`secrets: passphrase-sealed file ${storeFile}`);
    const json = await runCliWithInput(withStore, `${PASSPHRASE}\n`, 'status', '--json');
    const parsed = JSON.parse(json.stdout) as { signedIn: boolean; activeAccountKey: string; secretStore: unknown };
    expect(parsed).toMatchObject({ signedIn: true, secretStore: { kind: 'passphrase', location: storeFile } });

    const token = await runCliWithInput(withStore, `${PASSPHRASE}\n`, 'token');
    expect(token.code, token.stderr).toBe(0);
    const accessToken = token.stdout.trim();
    expect(accessToken.length).toBeGreaterThan(20);
    expect(token.stdout).toBe(`${accessToken}\n`);

    // A new process, nothing in memory: the session comes back from the store with the passphrase.
    const again = await runCliWithInput(withStore, `${PASSPHRASE}\n`, 'token');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(accessToken);

    // The token and the passphrase are in no file in clear: not Latchkey's (token files, the store, config.yaml,
    // the event log, caches), and not the built-in demo provider's records either (it keeps tokens under a digest).
    const files = await snapshotFiles(home.dir);
    expect([...files.keys()].some((file) => file.startsWith(join(home.dir, 'secrets')))).toBe(true);
    expect([...files.keys()].some((file) => file.startsWith(join(home.dir, 'demo-provider')))).toBe(true);
    for (const [file, bytes] of files) {
      expect(bytes.includes(accessToken), file).toBe(false);
      expect(bytes.includes(PASSPHRASE), file).toBe(false);
    }
    // The tokens are in the passphrase store's own folder, none in the keychain's.
    expect([...files.keys()].filter((file) => file.endsWith('.bin')).map((file) => file.startsWith(join(home.dir, 'secrets', 'passphrase-store')))).toEqual([true]);
  });

  it('a wrong passphrase fails clearly and changes nothing', async () => {
    const withStore = { ...env, LATCHKEY_STORAGE: 'passphrase' };
    const before = await snapshotFiles(home.dir);
    for (const command of [['token'], ['status'], ['login']]) {
      const run = await runCliWithInput(withStore, 'not the passphrase\n', ...command);
      expect(run.code, command.join(' ')).toBe(1);
      expect(run.stdout, command.join(' ')).not.toMatch(/Signed in|^\S{20,}$/);
      expect(run.stderr, command.join(' ')).toMatch(/The passphrase does not open the passphrase store /);
      expect(run.stderr, command.join(' ')).not.toMatch(/Opening your browser/);
    }
    const after = await snapshotFiles(home.dir);
    // Only the event log may have grown (it records the failed read); nothing else changed, nothing was removed.
    for (const [file, bytes] of before) {
      if (file.endsWith('auth-events.jsonl')) continue;
      expect(after.get(file), file).toEqual(bytes);
    }
    expect(await readFile(home.configPath, 'utf8')).toMatch(/logged_in: true/);
    // And the right passphrase still opens it.
    const status = await runCliWithInput(withStore, `${PASSPHRASE}\n`, 'status');
    expect(status.code, status.stderr).toBe(0);
  });

  it('storage: passphrase in config.yaml chooses the store without the environment, and LATCHKEY_STORAGE=keychain overrides it', async () => {
    const before = await readFile(home.configPath, 'utf8');
    await writeFile(home.configPath, `storage: passphrase\n${before}`, { mode: 0o600 });
    try {
      const token = await runCliWithInput(env, `${PASSPHRASE}\n`, 'token');
      expect(token.code, token.stderr).toBe(0);
      expect(token.stdout.trim().length).toBeGreaterThan(20);
      const json = await runCliWithInput(env, `${PASSPHRASE}\n`, 'status', '--json');
      expect(JSON.parse(json.stdout)).toMatchObject({ signedIn: true, secretStore: { kind: 'passphrase' } });
      // Without the passphrase on stdin the command fails; it never falls back to another store.
      const none = await runCliWithInput(env, '', 'token');
      expect(none.code).toBe(1);
      expect(none.stdout).toBe('');
      expect(none.stderr).toMatch(/No password on standard input/);
      const overridden = await runCliWithInput({ ...env, LATCHKEY_STORAGE: 'keychain' }, '', 'status', '--json');
      expect(JSON.parse(overridden.stdout)).toMatchObject({ signedIn: false, secretStore: { kind: 'keychain' } });
    } finally {
      await writeFile(home.configPath, (await readFile(home.configPath, 'utf8')).replace(/^storage: passphrase\n/, ''), { mode: 0o600 });
    }
  });

  it('switching back to the keychain keeps the session where it is and says so, instead of signing it out', async () => {
    if (process.platform !== 'linux') return;
    const status = await runCliWithInput(env, '', 'status');
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/kept in the passphrase store, but Latchkey is set to use the OS keychain/);
    // Nothing was signed out or deleted: with the opt-in again, the session is there.
    expect(await readFile(home.configPath, 'utf8')).toMatch(/logged_in: true/);
    const back = await runCliWithInput({ ...env, LATCHKEY_STORAGE: 'passphrase' }, `${PASSPHRASE}\n`, 'status');
    expect(back.code, back.stderr).toBe(0);
  });
});
