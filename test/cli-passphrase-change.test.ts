/**
 * `latchkey passphrase change` with the built CLI on a machine with no keychain (the D-Bus session address
 * leads nowhere), the passphrases on stdin one line each as a script gives them: refused clearly with the OS
 * keychain chosen or no store yet; after a sign-in with the demo provider in Chromium, a wrong current
 * passphrase or two new ones that differ change nothing; a change makes `token` and `status` work with the new
 * passphrase and fail with the old one, and touches nothing but the store's file.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TempHome } from './helpers/engine-fixture';
import { assertCliBuilt } from './helpers/cli-runner';
import { runCliWithInput } from './helpers/cli-with-stdin';
import { noKeyringHome, snapshotFiles } from './helpers/no-keyring';

const OLD = 'the first passphrase of this box';
const NEW = 'the second passphrase, changed';

let home: TempHome;
let env: NodeJS.ProcessEnv;
let withStore: NodeJS.ProcessEnv;
let storeFile: string;

beforeAll(async () => {
  assertCliBuilt();
  ({ home, env } = await noKeyringHome());
  withStore = { ...env, LATCHKEY_STORAGE: 'passphrase' };
  storeFile = join(home.dir, 'secrets', 'passphrase-store.json');
});

afterAll(async () => {
  await home?.cleanup();
});

describe('latchkey passphrase change', () => {
  it('is in the help, and needs its subcommand', async () => {
    const help = await runCliWithInput(env, '', '--help');
    expect(help.stdout).toMatch(/^ {2}passphrase change {2,}change the passphrase of the passphrase store/m);
    const bare = await runCliWithInput(env, '', 'passphrase');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/passphrase needs a subcommand: latchkey passphrase change/);
    const other = await runCliWithInput(env, '', 'passphrase', 'reset');
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/unknown passphrase subcommand "reset"/);
  });

  it('with the OS keychain chosen, or no passphrase store yet, says so, asks nothing and makes nothing', async () => {
    const keychain = await runCliWithInput(env, `${OLD}\n${NEW}\n${NEW}\n`, 'passphrase', 'change');
    expect(keychain.code).toBe(1);
    expect(keychain.stdout).toBe('');
    expect(keychain.stderr).toMatch(/latchkey: Latchkey keeps secrets in the OS keychain here, not in the passphrase store: there is no passphrase to change\./);
    expect(keychain.stderr).toContain('storage: passphrase');
    expect(keychain.stderr).not.toMatch(/passphrase of Latchkey's secret store/i);

    const none = await runCliWithInput(withStore, `${OLD}\n${NEW}\n${NEW}\n`, 'passphrase', 'change');
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain(`latchkey: There is no passphrase store at ${storeFile} yet: there is no passphrase to change.`);
    expect(none.stderr).toContain('latchkey login');
    expect(existsSync(storeFile)).toBe(false);
  });

  it('after a sign-in: token works with the new passphrase and fails with the old one', async () => {
    const login = await runCliWithInput(withStore, `${OLD}\n${OLD}\n`, 'login');
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe('Signed in as Alice Anders <alice@latchkey.example> via Demo\n');
    const token = await runCliWithInput(withStore, `${OLD}\n`, 'token');
    expect(token.code, token.stderr).toBe(0);
    const accessToken = token.stdout.trim();
    expect(accessToken.length).toBeGreaterThan(20);

    const before = await snapshotFiles(home.dir, { skipLocks: true });
    // A wrong current passphrase: stopped before the new one is asked; nothing changed.
    const wrong = await runCliWithInput(withStore, `not the passphrase\n${NEW}\n${NEW}\n`, 'passphrase', 'change');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/latchkey: The passphrase does not open the passphrase store /);
    // Two new ones that differ, and a new one too short: refused, nothing changed.
    const differ = await runCliWithInput(withStore, `${OLD}\n${NEW}\nsomething else entirely\n`, 'passphrase', 'change');
    expect(differ.code).toBe(1);
    expect(differ.stderr).toMatch(/The two new passphrases differ\. Nothing was changed\./);
    const short = await runCliWithInput(withStore, `${OLD}\nshort\nshort\n`, 'passphrase', 'change');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least 8 characters\. Nothing was changed\./);
    // Not enough lines on stdin: refused, nothing changed.
    const cut = await runCliWithInput(withStore, `${OLD}\n${NEW}\n`, 'passphrase', 'change');
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/No password on standard input/);
    expect(await snapshotFiles(home.dir, { skipLocks: true })).toEqual(before);

    const change = await runCliWithInput(withStore, `${OLD}\n${NEW}\n${NEW}\n`, 'passphrase', 'change');
    expect(change.code, change.stderr).toBe(0);
    expect(change.stdout).toBe(`Passphrase changed: ${storeFile} is now sealed with the new passphrase.\n`);
    // Only the store's file changed: no engine ran (no restore, no demo provider, no event logged), and the
    // token files, sealed with the per-account keys, were not rewritten.
    const after = await snapshotFiles(home.dir, { skipLocks: true });
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [file, bytes] of before) {
      if (file === storeFile) expect(after.get(file), file).not.toEqual(bytes);
      else expect(after.get(file), file).toEqual(bytes);
    }
    for (const bytes of after.values()) {
      expect(bytes.includes(NEW)).toBe(false);
      expect(bytes.includes(OLD)).toBe(false);
    }

    const again = await runCliWithInput(withStore, `${NEW}\n`, 'token');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`${accessToken}\n`);
    const status = await runCliWithInput(withStore, `${NEW}\n`, 'status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^Signed in as Alice Anders <alice@latchkey\.example> via Demo/);

    const old = await runCliWithInput(withStore, `${OLD}\n`, 'token');
    expect(old.code).toBe(1);
    expect(old.stdout).toBe('');
    expect(old.stderr).toMatch(/The passphrase does not open the passphrase store /);
    const oldChange = await runCliWithInput(withStore, `${OLD}\n${NEW}\n${NEW}\n`, 'passphrase', 'change');
    expect(oldChange.code).toBe(1);
    expect(oldChange.stderr).toMatch(/The passphrase does not open the passphrase store /);
  }, 180_000);

  it('follows storage: passphrase in config.yaml as the other commands do', async () => {
    const before = await readFile(home.configPath, 'utf8');
    await writeFile(home.configPath, `storage: passphrase\n${before}`, { mode: 0o600 });
    try {
      const change = await runCliWithInput(env, `${NEW}\n${OLD}\n${OLD}\n`, 'passphrase', 'change');
      expect(change.code, change.stderr).toBe(0);
      const token = await runCliWithInput(env, `${OLD}\n`, 'token');
      expect(token.code, token.stderr).toBe(0);
      expect(token.stdout.trim().length).toBeGreaterThan(20);
      // LATCHKEY_STORAGE=keychain wins over config.yaml: then there is no passphrase to change.
      const overridden = await runCliWithInput({ ...env, LATCHKEY_STORAGE: 'keychain' }, `${OLD}\n${NEW}\n${NEW}\n`, 'passphrase', 'change');
      expect(overridden.code).toBe(1);
      expect(overridden.stderr).toMatch(/keeps secrets in the OS keychain here/);
    } finally {
      await writeFile(home.configPath, (await readFile(home.configPath, 'utf8')).replace(/^storage: passphrase\n/, ''), { mode: 0o600 });
    }
  });
});
