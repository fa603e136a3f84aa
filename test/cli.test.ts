/**
 * The `latchkey` command as a person runs it: separate processes, the built CLI, $BROWSER pointing at a script
 * that drives Chromium through the demo provider's pages.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretVault } from '../src/main/store/secrets';
import { freePort, tempHome, type TempHome } from './helpers/engine-fixture';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'bin', 'latchkey.js');
const BROWSER_SCRIPT = join(ROOT, 'test', 'helpers', 'browser-cli.mjs');

interface Result { code: number; stdout: string; stderr: string }

let home: TempHome;
let env: NodeJS.ProcessEnv;

async function latchkey(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) throw new Error('The CLI is not built: run `npm run build` first (npm test does).');
  home = await tempHome();
  const port = await freePort();
  await writeFile(
    home.configPath,
    `session:\n  expiry_days: 30\nproviders:\n  demo:\n    label: Demo\n    embedded: true\n    port: ${port}\n    access_token_ttl_seconds: 4\ncredentials:\n  usernames: {}\n`,
  );
  env = {
    ...process.env,
    LATCHKEY_CONFIG: home.configPath,
    LATCHKEY_KEYCHAIN_SERVICE: home.keychainService,
    BROWSER: `${process.execPath} ${BROWSER_SCRIPT}`,
    LATCHKEY_TEST_USER: 'alice',
    LATCHKEY_TEST_CONSENT: 'allow',
  };
});
afterAll(async () => {
  await home?.cleanup();
});

describe('latchkey CLI', () => {
  it('before sign-in: status exits 1, token fails on stderr only, accounts is empty', async () => {
    const status = await latchkey('status');
    expect(status).toMatchObject({ code: 1, stdout: 'Not signed in.\n' });
    const token = await latchkey('token');
    expect(token.code).toBe(1);
    expect(token.stdout).toBe('');
    expect(token.stderr).toMatch(/No account is signed in/);
    expect(await latchkey('accounts')).toMatchObject({ code: 0, stdout: expect.stringMatching(/No accounts yet/) });
  });

  it('login opens the browser, waits, and reports the account; status and token then work in new processes', async () => {
    const login = await latchkey('login');
    expect(login.stderr).toMatch(/Opening your browser/);
    expect(login).toMatchObject({ code: 0, stdout: 'Signed in as Alice Anders <alice@latchkey.example> via Demo\n' });

    // --config accepted after the command too.
    const status = await latchkey('status', '--config', home.configPath);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Signed in as Alice Anders <alice@latchkey\.example> via Demo \(account demo:/);
    const json = JSON.parse((await latchkey('--config', home.configPath, 'status', '--json')).stdout);
    expect(json.signedIn).toBe(true);
    expect(JSON.stringify(json)).not.toMatch(/"(access|refresh|id)_?token"/i);

    const token = await latchkey('token');
    expect(token.code).toBe(0);
    const printed = token.stdout.trim();
    expect(token.stdout).toBe(`${printed}\n`);
    const stored = await new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') }).get(json.activeAccountKey);
    expect(printed).toBe(stored?.accessToken);
  });

  it('token refreshes an expired access token (the provider restarts in every process) and rotates the refresh token', async () => {
    const vault = new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') });
    const key = (JSON.parse((await latchkey('accounts', '--json')).stdout) as Array<{ key: string }>)[0]?.key as string;
    const before = await vault.get(key);
    await new Promise((r) => setTimeout(r, 4_500));
    const token = await latchkey('token');
    expect(token.code).toBe(0);
    expect(token.stdout.trim()).not.toBe(before?.accessToken);
    const after = await vault.get(key);
    expect(after?.accessToken).toBe(token.stdout.trim());
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    const yaml = await readFile(home.configPath, 'utf8');
    for (const secret of [after?.accessToken, after?.refreshToken, before?.refreshToken]) expect(yaml).not.toContain(secret as string);
  });

  it('accounts lists the account; logout signs out; status then exits 1', async () => {
    const accounts = await latchkey('accounts');
    expect(accounts.stdout).toMatch(/^\* demo:\S+\tAlice Anders <alice@latchkey\.example> via Demo\tsigned in\n$/);
    const logout = await latchkey('logout');
    expect(logout.code).toBe(0);
    expect(logout.stdout).toMatch(/^Signed out of demo:\S+\. The provider revoked its tokens\.\n$/);
    expect(logout.stderr).toMatch(/Opened the provider's sign-out page in your browser/);
    expect((await latchkey('status')).code).toBe(1);
    expect(await readFile(home.configPath, 'utf8')).toMatch(/logged_in: false/);
  });

  it('bad input: unknown command and option exit 2 with usage; unknown provider explains itself', async () => {
    expect((await latchkey('frobnicate')).code).toBe(2);
    expect((await latchkey('status', '--bogus')).code).toBe(2);
    const unknown = await latchkey('login', '--provider', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No provider named "nope"/);
  });
});
