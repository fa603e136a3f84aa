/**
 * `latchkey login --device` as a person runs it over SSH: the built CLI in a separate process with the
 * built-in demo provider, no browser on "this machine" ($BROWSER fails the test if it is ever run), and
 * Chromium as the phone: it reads nothing but what the CLI printed (the page, the code, the QR code).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeDeviceVerification } from './helpers/device-browser';
import { assertCliBuilt, runCli } from './helpers/cli-runner';
import { freePort, tempHome, type TempHome } from './helpers/engine-fixture';
import { readQrText } from './helpers/qr-reader';
import { useSystemBrowser } from './helpers/test-lifecycle';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'bin', 'latchkey.js');
const systemBrowser = useSystemBrowser();

let home: TempHome;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  assertCliBuilt();
  home = await tempHome();
  const port = await freePort();
  await writeFile(
    home.configPath,
    `session:\n  expiry_days: 30\nproviders:\n  demo:\n    label: Demo\n    embedded: true\n    port: ${port}\ncredentials:\n  usernames: {}\n`,
    { mode: 0o600 },
  );
  env = {
    ...process.env,
    LATCHKEY_CONFIG: home.configPath,
    LATCHKEY_KEYCHAIN_SERVICE: home.keychainService,
    // There is no browser on this machine: a sign-in on another device must never try one.
    BROWSER: `${process.execPath} -e process.exit(3)`,
  };
});
afterAll(async () => {
  await home?.cleanup();
});

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(...args: string[]): Running {
  const child = spawn(process.execPath, [CLI, ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits until stderr has the instructions (the line after the QR code) and returns what the CLI said. */
async function instructions(running: Running): Promise<{ page: string; code: string; qr: string[] }> {
  await expect.poll(() => running.stderr(), { timeout: 60_000, interval: 100 }).toMatch(/The code expires in/);
  const text = running.stderr();
  const page = /open this page on your phone or any computer:\n {2}(\S+)\n/.exec(text)?.[1];
  const code = /│ {2}(\S+) {2}│/.exec(text)?.[1];
  const qr = text.split('\n').filter((line) => /^[█▀▄ ]+$/.test(line) && line.includes('█'));
  if (!page || !code) throw new Error(`the CLI did not print the page and the code:\n${text}`);
  return { page, code, qr };
}

describe('latchkey login --device', () => {
  it('prints the page, the code and a QR code on stderr; the code entered on the phone signs in; stdout has only the account', async () => {
    const running = start('login', '--device');
    const { page, code, qr } = await instructions(running);
    expect(page).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/device$/);
    expect(code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    // The QR code drawn in the terminal holds the page with the code filled in (read back by zbar).
    expect(await readQrText(qr)).toBe(`${page}?user_code=${encodeURIComponent(code)}`);
    // The phone opens the page and types the code it read on the terminal.
    const phone = await systemBrowser().newPage();
    const verification = await completeDeviceVerification(phone, page, { userCode: code, user: 'bob' });
    expect(verification.kind).toBe('device-done');
    expect(await running.exited).toBe(0);
    expect(running.stdout()).toBe('Signed in as Bob Berger <bob@latchkey.example> via Demo\n');
    expect(running.stderr()).not.toMatch(/Opening your browser/);

    // A new process finds the session.
    const status = await runCli(env, 'status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/Bob Berger/);
  });

  it('Ctrl-C cancels: exit 1, nothing on stdout, the account list unchanged', async () => {
    const before = await runCli(env, 'accounts', '--json');
    const running = start('login', '--device');
    await instructions(running);
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(1);
    expect(running.stdout()).toBe('');
    expect(running.stderr()).toMatch(/cancelled/);
    const after = await runCli(env, 'accounts', '--json');
    expect(after.stdout).toBe(before.stdout);
  });

  it('--help lists it', async () => {
    const help = await runCli(env, '--help');
    expect(help.stdout).toMatch(/login --device/);
  });
});
