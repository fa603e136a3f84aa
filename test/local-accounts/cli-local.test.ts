/**
 * Local accounts from the command line: the built CLI in separate processes (a process per command, as a
 * person runs them), passwords given on standard input (not a terminal), the real keychain and config.yaml.
 * An administrator adds an account and hands over a one-time password; the person signs in with
 * `login --local`, chooses their own password, and stays signed in for later commands; roles, reset, lockout,
 * unlock, registration and removal; two-factor sign-in turned on from the terminal's QR code and off again; no
 * password ever appears in the output.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCli } from '../helpers/cli-runner';
import { runCliWithInput, startCliWithInput } from '../helpers/cli-with-stdin';
import { tempHome, type TempHome } from '../helpers/engine-fixture';
import { readQrText } from '../helpers/qr-reader';
import { base32Decode } from '../../src/main/auth/totp/base32';
import { totp } from '../../src/main/auth/totp/totp';
import { useCleanups } from '../helpers/test-lifecycle';

const defer = useCleanups();

beforeAll(() => {
  assertCliBuilt();
});

async function home(access: Record<string, unknown>, providers: Record<string, unknown> = { team: { label: 'Team', local: true } }): Promise<{ at: TempHome; env: NodeJS.ProcessEnv }> {
  const at = await tempHome();
  defer(at.cleanup);
  await writeFile(at.configPath, stringify({ providers, access: { password_hash_cost: 14, ...access }, credentials: { usernames: {} } }), { mode: 0o600 });
  return { at, env: { ...process.env, LATCHKEY_CONFIG: at.configPath, LATCHKEY_KEYCHAIN_SERVICE: at.keychainService, BROWSER: 'false' } };
}

describe('latchkey users and login --local', () => {
  it('adds an account with a one-time password, which the person replaces at their first sign-in, and stays signed in', async () => {
    const { at, env } = await home({ max_login_attempts: 2 });
    const added = await runCli(env, 'users', 'add', 'ada', '--email', 'ada@example.com', '--first-name', 'Ada', '--last-name', 'Lovelace', '--role', 'editor');
    expect(added.code).toBe(0);
    const code = added.stdout.trim();
    expect(code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    expect(added.stderr).toContain('Hand this one-time password to them');

    const login = await runCliWithInput(env, `${code}\nmy own long password\nmy own long password\n`, 'login', '--local', '--user', 'ada');
    expect(login.stderr).toContain('This password works only once');
    expect(login.stdout).toBe('Signed in as Ada Lovelace <ada@example.com> via Team (new password set)\n');
    expect(login.code).toBe(0);

    const status = await runCli(env, 'status');
    expect(status).toMatchObject({ code: 0 });
    expect(status.stdout).toContain('Signed in as Ada Lovelace <ada@example.com> via Team (account ada)');

    const list = await runCli(env, 'users', 'list');
    expect(list.stdout).toMatch(/^ada\tAda Lovelace <ada@example\.com>\tlocal\troles: editor\tsigned in\n$/);
    const json = JSON.parse((await runCli(env, 'users', 'list', '--json')).stdout);
    expect(json).toEqual([expect.objectContaining({ key: 'ada', roles: ['editor'], signedIn: true, mustChangePassword: false })]);

    for (const result of [added, login, status, list]) {
      expect(`${result.stdout}${result.stderr}`).not.toContain('my own long password');
    }
    const yaml = await readFile(at.configPath, 'utf8');
    expect(yaml).not.toContain(code);
    expect(yaml).not.toContain('my own long password');
  });

  it('edits roles, locks after wrong passwords with the time shown, unlocks, resets and removes', async () => {
    const { at, env } = await home({ max_login_attempts: 2, lockout_minutes: 30 });
    expect((await runCliWithInput(env, 'a long password\n', 'users', 'add', 'bo', '--password-stdin')).stdout).toBe('Added "bo".\n');

    expect((await runCli(env, 'users', 'roles', 'bo', '--add', 'admin', '--add', 'viewer')).stdout).toBe('Roles of "bo": admin, viewer\n');
    expect((await runCli(env, 'users', 'roles', 'bo', '--remove', 'viewer')).stdout).toBe('Roles of "bo": admin\n');
    expect((await runCli(env, 'users', 'roles', 'bo', '--set', 'a,b')).stdout).toBe('Roles of "bo": a, b\n');
    expect((await runCli(env, 'users', 'roles', 'bo')).stdout).toBe('a, b\n');
    expect(parse(await readFile(at.configPath, 'utf8')).credentials.usernames.bo.roles).toEqual(['a', 'b']);

    const wrong = await runCliWithInput(env, 'nope\n', 'login', '--local', '--user', 'bo');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('do not match an account');
    const locked = await runCliWithInput(env, 'nope again\n', 'login', '--local', '--user', 'bo');
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/locked for another (29|30) min \d+ s/);
    expect(locked.stderr).toMatch(/Try again after \d{4}-\d\d-\d\dT/);
    expect((await runCliWithInput(env, 'a long password\n', 'login', '--local', '--user', 'bo')).code).toBe(1);
    expect((await runCli(env, 'users', 'list')).stdout).toContain('locked until');

    expect((await runCli(env, 'users', 'unlock', 'bo')).stdout).toBe('Unlocked "bo".\n');
    expect((await runCliWithInput(env, 'a long password\n', 'login', '--local', '--user', 'bo')).code).toBe(0);

    const reset = await runCli(env, 'users', 'reset-password', 'bo');
    expect(reset.code).toBe(0);
    expect(reset.stderr).toContain('its session ended');
    expect((await runCli(env, 'status')).code).toBe(1);
    expect((await runCliWithInput(env, 'a long password\n', 'login', '--local', '--user', 'bo')).code).toBe(1);

    expect((await runCli(env, 'users', 'remove', 'bo')).stdout).toBe('Removed "bo" and ended its session.\n');
    expect(parse(await readFile(at.configPath, 'utf8')).credentials.usernames).toEqual({});
    expect((await runCli(env, 'users', 'remove', 'bo')).code).toBe(1);
  });

  it('registers where registration is on, and adds the local provider when config.yaml has none', async () => {
    const { env } = await home({ registration: true, default_roles: ['viewer'] });
    const registered = await runCliWithInput(env, 'long enough pw\nlong enough pw\n', 'register', '--user', 'eve', '--email', 'eve@example.com', '--first-name', 'Eve');
    expect(registered.stdout).toBe('Registered and signed in as Eve <eve@example.com> (account eve)\n');
    const differ = await runCliWithInput(env, 'long enough pw\nother long pw\n', 'register', '--user', 'fay', '--email', 'fay@example.com');
    expect(differ).toMatchObject({ code: 1 });

    const bare = await home({}, { demo: { embedded: true } });
    const none = await runCliWithInput(bare.env, 'x\n', 'login', '--local', '--user', 'x');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no local accounts');
    const added = await runCli(bare.env, 'users', 'add', 'gus');
    expect(added.code).toBe(0);
    expect(added.stderr).toContain('Added the provider "local" (local: true)');
    expect(parse(await readFile(bare.at.configPath, 'utf8')).providers.local).toEqual({ label: 'Local accounts', local: true });
  });

  it('turns two-factor sign-in on from the QR code drawn in the terminal, asks for the code at sign-in, and turns it off', async () => {
    const { at, env } = await home({});
    await runCliWithInput(env, 'a long password\n', 'users', 'add', 'ada', '--email', 'ada@example.com', '--password-stdin');
    expect((await runCliWithInput(env, 'a long password\n', 'login', '--local', '--user', 'ada')).code).toBe(0);

    // LATCHKEY_ACCOUNT picks the account as for token or status: one that is not signed in here is refused.
    const other = await runCli({ ...env, LATCHKEY_ACCOUNT: 'nobody' }, 'totp', 'enable');
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('nobody');
    const enabling = startCliWithInput(env, 'totp', 'enable');
    const shown = await enabling.stderrMatching(/Or type this key into it .*: ([A-Z2-7 ]+)\n/);
    const secret = (/Or type this key into it .*: ([A-Z2-7 ]+)\n/.exec(shown)?.[1] ?? '').replaceAll(' ', '');
    const qr = shown.split('\n').filter((line) => /^[█▀▄ ]+$/.test(line) && line.includes('█'));
    // An independent decoder reads the terminal's drawing: the otpauth URI with the same secret.
    expect(await readQrText(qr)).toBe(`otpauth://totp/${encodeURIComponent('Latchkey:ada@example.com')}?secret=${secret}&issuer=Latchkey&algorithm=SHA1&digits=6&period=30`);
    // A wrong code first, then the one the app shows now.
    enabling.writeLine('000000' === totp(base32Decode(secret), Date.now()) ? '111111' : '000000');
    enabling.writeLine(totp(base32Decode(secret), Date.now()));
    enabling.endInput();
    const enabled = await enabling.result;
    expect(enabled.stderr).toContain('That code does not match');
    expect(enabled.code).toBe(0);
    const recovery = enabled.stdout.trim().split('\n');
    expect(recovery).toHaveLength(8);
    expect(recovery.every((code) => /^[0-9A-Z]{5}-[0-9A-Z]{5}$/.test(code))).toBe(true);
    const yaml = await readFile(at.configPath, 'utf8');
    expect(parse(yaml).credentials.usernames.ada.totp).toBe(true);
    expect(yaml).not.toContain(secret);

    // Signed out, the sign-in now needs the second factor: a recovery code stands in for it once.
    expect((await runCli(env, 'logout')).code).toBe(0);
    expect((await runCliWithInput(env, 'a long password\n', 'login', '--local', '--user', 'ada')).code).toBe(1);
    expect((await runCli(env, 'status')).code).toBe(1);
    const signIn = await runCliWithInput(env, `a long password\n${recovery[0]}\n`, 'login', '--local', '--user', 'ada');
    expect(signIn.code).toBe(0);

    expect((await runCliWithInput(env, 'not the password\n', 'totp', 'disable')).code).toBe(1);
    const disabled = await runCliWithInput(env, 'a long password\n', 'totp', 'disable');
    expect(disabled).toMatchObject({ code: 0, stdout: 'Two-factor sign-in is off.\n' });
    expect(parse(await readFile(at.configPath, 'utf8')).credentials.usernames.ada.totp).toBeFalsy();
    expect((await runCli(env, 'totp', 'frob')).code).toBe(2);
  });

  it('tells a hand-written password was hashed, and refuses malformed command lines with exit code 2', async () => {
    const { at, env } = await home({});
    const text = (await readFile(at.configPath, 'utf8')).replace('usernames: {}', 'usernames:\n    kim: { name: Kim, password: typed-by-hand, provider: team, subject: kim, logged_in: false }');
    await writeFile(at.configPath, text);
    const list = await runCli(env, 'users', 'list');
    expect(list.stderr).toContain('The password written by hand for "kim"');
    expect(list.stderr).not.toContain('typed-by-hand');
    expect(await readFile(at.configPath, 'utf8')).not.toContain('typed-by-hand');

    expect((await runCli(env, 'users')).code).toBe(2);
    expect((await runCli(env, 'users', 'frobnicate', 'kim')).code).toBe(2);
    expect((await runCli(env, 'users', 'add')).code).toBe(2);
    expect((await runCli(env, 'users', 'list', '--frob')).code).toBe(2);
    expect((await runCli(env, 'login', '--local', 'extra')).code).toBe(2);
    expect((await runCli(env, 'import', 'streamlit-authenticator')).code).toBe(2);
    const help = await runCli(env, '--help');
    expect(help.stdout).toContain('login --local [--user NAME]');
    expect(help.stdout).toContain('users reset-password NAME');
  });
});
