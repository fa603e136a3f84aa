/**
 * The `latchkey` command on a machine without a browser (SSH), as separate processes against the real embedded
 * demo provider, with Chromium playing the browser on "another machine":
 * - `login --no-browser` prints the link; when that browser cannot reach 127.0.0.1 here (its navigation to the
 *   loopback listener is blocked, so the listener never sees it) the address it ends on is pasted into stdin,
 *   and the sign-in finishes exactly as with the browser's return: YAML and keychain as usual. A paste with a
 *   changed state is refused (state_mismatch) and the sign-in keeps waiting; so does a paste of another path; a
 *   pasted error answer ends it; the loopback still wins when the browser can reach it; with the passphrase store,
 *   the passphrase lines and then the address come through one piped stdin.
 * - without a display or $BROWSER, or with a browser command that cannot be started, plain `login` says to use
 *   --no-browser or --device;
 * - LATCHKEY_ACCOUNT picks the account for token, status, api and logout; --account beats it; an unknown one is an
 *   error naming the known accounts;
 * - status prints when the session ends (session.expiry_days here; the provider's refresh-token limit is in
 *   session-end.test.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCli, type CliResult } from './helpers/cli-runner';
import { runCliWithInput, startCliWithInput, type InteractiveCli } from './helpers/cli-with-stdin';
import { vaultFor } from './helpers/emulator-fixture';
import { freePort, tempHome, type TempHome } from './helpers/engine-fixture';
import { completeDemoSignIn } from './helpers/system-browser';
import { useSystemBrowser } from './helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();

let home: TempHome;
/** No $BROWSER, no display: what an SSH session looks like. */
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  assertCliBuilt();
  home = await tempHome();
  const port = await freePort();
  await writeFile(
    home.configPath,
    `session:\n  expiry_days: 30\nproviders:\n  demo:\n    label: Demo\n    embedded: true\n    port: ${port}\napis:\n  demo: { provider: demo }\ncredentials:\n  usernames: {}\n`,
    { mode: 0o600 },
  );
  env = { ...process.env, LATCHKEY_CONFIG: home.configPath, LATCHKEY_KEYCHAIN_SERVICE: home.keychainService };
  for (const name of ['BROWSER', 'DISPLAY', 'WAYLAND_DISPLAY', 'LATCHKEY_ACCOUNT']) delete env[name];
});
afterAll(async () => {
  await home?.cleanup();
});

function latchkey(extra: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return runCli({ ...env, ...extra }, ...args);
}

async function accountsInYaml(): Promise<Record<string, Record<string, unknown>>> {
  const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials: { usernames: Record<string, Record<string, unknown>> | null } };
  return doc.credentials.usernames ?? {};
}

/** Starts `login --no-browser` and reads the printed link. */
async function startNoBrowserLogin(): Promise<{ cli: InteractiveCli; link: string; listener: URL }> {
  const cli = startCliWithInput(env, 'login', '--no-browser');
  const stderr = await cli.stderrMatching(/paste it here/);
  const link = /open this link in a browser on any machine:\n {2}(\S+)\n/.exec(stderr)?.[1];
  if (!link) throw new Error(`no link in:\n${stderr}`);
  expect(stderr).not.toMatch(/Opening your browser/);
  return { cli, link, listener: new URL(new URL(link).searchParams.get('redirect_uri') as string) };
}

/**
 * The browser on the other machine: signs in at the provider, but its navigation to this machine's loopback
 * listener fails (aborted before it leaves the browser). Resolves with the address it ended on.
 */
async function signInElsewhere(link: string, listener: URL, user: 'alice' | 'bob', consent: 'allow' | 'deny' = 'allow'): Promise<string> {
  const page: Page = await systemBrowser().newPage();
  // A browser with no provider session yet: the provider asks who signs in.
  await page.context().clearCookies();
  let ended: string | undefined;
  // Stopped inside the browser before it is sent, redirects included (Playwright's own routing sees only the
  // first request of a redirect chain): the listener never hears of it.
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Fetch.requestPaused', (event: { requestId: string; request: { url: string } }) => {
    ended = event.request.url;
    void cdp.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'ConnectionRefused' }).catch(() => undefined);
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${listener.origin}/*`, requestStage: 'Request' }] });
  try {
    await page.goto(link);
    // The last navigation fails (as it does on another machine): the driver's wait for it may reject.
    await completeDemoSignIn(page, { user, consent }).catch(() => undefined);
  } finally {
    await page.close();
  }
  if (!ended) throw new Error('the browser never went back to the loopback address');
  return ended;
}

describe('latchkey login --no-browser (paste the address back)', () => {
  it('without a browser here, plain login says to use --no-browser or --device', async () => {
    const cli = startCliWithInput(env, 'login');
    await cli.stderrMatching(/No browser can be opened on this machine\. Run latchkey login --no-browser .* or latchkey login --device/);
    cli.interrupt();
    const result = await cli.result;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cancelled/);
  });

  it('when the browser command cannot be started, login says so and suggests --no-browser or --device', async () => {
    const cli = startCliWithInput({ ...env, BROWSER: '/nonexistent/latchkey-test-browser' }, 'login');
    await cli.stderrMatching(/Could not open the browser: Could not start the browser command "\/nonexistent\/latchkey-test-browser"\.\n.*latchkey login --no-browser .* latchkey login --device/);
    cli.interrupt();
    expect((await cli.result).code).toBe(1);
  });

  it('refuses a pasted address with a changed state or another path and keeps waiting; the right one signs in', async () => {
    const { cli, link, listener } = await startNoBrowserLogin();
    const ended = await signInElsewhere(link, listener, 'alice');
    const redirect = new URL(ended);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(listener.href);
    expect(redirect.searchParams.get('code')).toBeTruthy();

    // The state changed: refused (state_mismatch), and the sign-in keeps waiting.
    const tampered = new URL(ended);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
    cli.writeLine(tampered.href);
    await cli.stderrMatching(/does not belong to the sign-in Latchkey is waiting for \(its state does not match\)[\s\S]*Still waiting/);
    // Another path of the listener: refused, still waiting.
    cli.writeLine(`${listener.origin}/elsewhere${redirect.search}`);
    const said = await cli.stderrMatching(/Still waiting[\s\S]*That is not the address this sign-in is waiting for: it must start with http:\/\/127\.0\.0\.1:\d+\/callback\?[\s\S]*Still waiting/);
    expect(said.match(/Still waiting/g)).toHaveLength(2);
    // Neither refusal was a sign-in.
    expect(await accountsInYaml()).toEqual({});

    cli.writeLine(ended);
    const result = await cli.result;
    expect(result).toMatchObject({ code: 0, stdout: 'Signed in as Alice Anders <alice@latchkey.example> via Demo\n' });
    expect(result.stderr).toMatch(/Got the address: finishing the sign-in/);
    // Nothing pasted is ever printed: it holds the code.
    expect(result.stderr).not.toContain(redirect.searchParams.get('code') as string);

    // Persisted as every sign-in is: the record in config.yaml, the tokens in the keychain.
    const accounts = await accountsInYaml();
    const [key, record] = Object.entries(accounts)[0] ?? [];
    expect(record).toMatchObject({ provider: 'demo', subject: 'alice', logged_in: true });
    const vault = vaultFor(home);
    const tokens = await vault.get(key as string);
    vault.release();
    expect(tokens?.refreshToken).toBeTruthy();
    const token = await latchkey({}, 'token');
    expect(token).toMatchObject({ code: 0, stdout: `${tokens?.accessToken}\n` });
    // The listener closed once the paste won: its port answers nothing any more.
    await expect(fetch(listener.href)).rejects.toThrow();
  });

  it('ends the sign-in when the pasted address is the provider\'s refusal', async () => {
    const before = await readFile(home.configPath, 'utf8');
    const { cli, link, listener } = await startNoBrowserLogin();
    const ended = await signInElsewhere(link, listener, 'bob', 'deny');
    expect(new URL(ended).searchParams.get('error')).toBe('access_denied');
    cli.writeLine(ended);
    const result = await cli.result;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/latchkey: The provider declined the sign-in/);
    expect(await readFile(home.configPath, 'utf8')).toBe(before);
  });

  it('still finishes through the loopback listener when the browser can reach it, without a paste', async () => {
    const { cli, link } = await startNoBrowserLogin();
    const page = await systemBrowser().newPage();
    await page.context().clearCookies();
    try {
      await page.goto(link);
      expect(await completeDemoSignIn(page, { user: 'bob' })).toMatch(/You are signed in/);
    } finally {
      await page.close();
    }
    const result = await cli.result;
    expect(result).toMatchObject({ code: 0, stdout: 'Signed in as Bob Berger <bob@latchkey.example> via Demo\n' });
    expect(result.stderr).not.toMatch(/Got the address/);
  });

  it('with the passphrase store and no terminal, takes the passphrase lines and then the pasted address from one stdin', async () => {
    const own = await tempHome();
    try {
      await writeFile(own.configPath, `providers:\n  demo: { label: Demo, embedded: true, port: ${await freePort()} }\ncredentials:\n  usernames: {}\n`, { mode: 0o600 });
      const storeEnv = { ...env, LATCHKEY_CONFIG: own.configPath, LATCHKEY_KEYCHAIN_SERVICE: own.keychainService, LATCHKEY_STORAGE: 'passphrase' };
      const cli = startCliWithInput(storeEnv, 'login', '--no-browser');
      // Both lines of a new store's passphrase are in the pipe before the command asks for either.
      cli.writeLine('a long store passphrase');
      cli.writeLine('a long store passphrase');
      const stderr = await cli.stderrMatching(/paste it here/);
      const link = /open this link in a browser on any machine:\n {2}(\S+)\n/.exec(stderr)?.[1] as string;
      const ended = await signInElsewhere(link, new URL(new URL(link).searchParams.get('redirect_uri') as string), 'alice');
      cli.writeLine(ended);
      const result = await cli.result;
      expect(result, result.stderr).toMatchObject({ code: 0, stdout: 'Signed in as Alice Anders <alice@latchkey.example> via Demo\n' });
      const status = await runCliWithInput(storeEnv, 'a long store passphrase\n', 'status');
      expect(status.code, status.stderr).toBe(0);
      expect(status.stderr).toMatch(/secrets: passphrase/);
    } finally {
      await own.cleanup();
    }
  });
});

describe('LATCHKEY_ACCOUNT', () => {
  async function keys(): Promise<{ alice: string; bob: string; active: string }> {
    const doc = parse(await readFile(home.configPath, 'utf8')) as { active_account: string; credentials: { usernames: Record<string, { subject: string }> } };
    const entries = Object.entries(doc.credentials.usernames);
    const alice = entries.find(([, r]) => r.subject === 'alice')?.[0] as string;
    const bob = entries.find(([, r]) => r.subject === 'bob')?.[0] as string;
    return { alice, bob, active: doc.active_account };
  }

  async function storedToken(key: string): Promise<string | undefined> {
    const vault = vaultFor(home);
    try {
      return (await vault.get(key))?.accessToken;
    } finally {
      vault.release();
    }
  }

  it('picks the account for token, status and api; --account beats it; without either the active account is used', async () => {
    const { alice, bob, active } = await keys();
    // bob signed in last: he is the active account, and LATCHKEY_ACCOUNT picks the other one.
    expect(active).toBe(bob);

    const status = await latchkey({ LATCHKEY_ACCOUNT: alice }, 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^Signed in as Alice Anders <alice@latchkey\\.example> via Demo \\(account ${alice}\\) \\(chosen by LATCHKEY_ACCOUNT\\)\\n`));
    expect(await latchkey({ LATCHKEY_ACCOUNT: alice }, 'token')).toMatchObject({ code: 0, stdout: `${await storedToken(alice)}\n` });
    const api = await latchkey({ LATCHKEY_ACCOUNT: alice }, 'api', 'demo', '/projects');
    expect(api.code).toBe(0);
    expect(JSON.parse(api.stdout)).toMatchObject({ user: { sub: 'alice' } });
    const json = JSON.parse((await latchkey({ LATCHKEY_ACCOUNT: alice }, 'status', '--json')).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ signedIn: true, activeAccountKey: bob, accountKey: alice, chosenBy: 'LATCHKEY_ACCOUNT' });

    // --account wins over the variable.
    const option = await latchkey({ LATCHKEY_ACCOUNT: alice }, 'status', '--account', bob);
    expect(option.stdout).toMatch(new RegExp(`^Signed in as Bob Berger <bob@latchkey\\.example> via Demo \\(account ${bob}\\) \\(--account\\)\\n`));
    expect(await latchkey({ LATCHKEY_ACCOUNT: alice }, 'token', '--account', bob)).toMatchObject({ code: 0, stdout: `${await storedToken(bob)}\n` });

    // Neither: config.yaml's active account.
    expect((await latchkey({}, 'status')).stdout).toMatch(new RegExp(`^Signed in as Bob Berger .*\\(account ${bob}\\) \\(the active account\\)\\n`));
    expect(await latchkey({}, 'token')).toMatchObject({ code: 0, stdout: `${await storedToken(bob)}\n` });
    // Choosing for one process changes nothing on disk.
    expect((await keys()).active).toBe(bob);
  });

  it('naming an unknown account is an error that lists the known ones, never another account', async () => {
    const { alice, bob } = await keys();
    const before = await readFile(home.configPath, 'utf8');
    for (const args of [['token'], ['status'], ['logout'], ['api', 'demo', '/projects']]) {
      const result = await latchkey({ LATCHKEY_ACCOUNT: 'nobody' }, ...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout, args.join(' ')).toBe('');
      expect(result.stderr).toContain('LATCHKEY_ACCOUNT names "nobody", which is not an account in config.yaml.');
      expect(result.stderr).toContain(`The accounts are: ${alice}, ${bob}.`);
    }
    const option = await latchkey({}, 'token', '--account', 'nobody');
    expect(option).toMatchObject({ code: 1, stdout: '' });
    expect(option.stderr).toContain('--account names "nobody"');
    // Nobody was signed out.
    expect(await readFile(home.configPath, 'utf8')).toBe(before);
  });

  it('logout signs out the account the variable names', async () => {
    const { alice, bob } = await keys();
    const result = await latchkey({ LATCHKEY_ACCOUNT: alice }, 'logout');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining(`Signed out of ${alice}.`) });
    const accounts = await accountsInYaml();
    expect(accounts[alice]).toMatchObject({ logged_in: false });
    expect(accounts[bob]).toMatchObject({ logged_in: true });
  });
});

describe('latchkey status and the end of the session', () => {
  it('prints when session.expiry_days ends the session, and --json has it', async () => {
    const status = await latchkey({}, 'status');
    expect(status.code).toBe(0);
    const ends = /\n {2}session ends on (\S+) if not used before then \(session\.expiry_days\)\n/.exec(status.stdout)?.[1];
    expect(ends).toBeDefined();
    const json = JSON.parse((await latchkey({}, 'status', '--json')).stdout) as { accountKey: string; accounts: Array<{ key: string; sessionEndsAt?: string; sessionEndsBecause?: string; lastRefreshAt?: string; signedInAt?: string }> };
    const account = json.accounts.find((a) => a.key === json.accountKey);
    expect(account).toMatchObject({ sessionEndsAt: ends, sessionEndsBecause: 'expiry_days' });
    const lastUse = Math.max(Date.parse(account?.signedInAt ?? ''), Date.parse(account?.lastRefreshAt ?? '') || 0);
    expect(Date.parse(ends as string) - lastUse).toBe(30 * 24 * 3600_000);
  });
});
