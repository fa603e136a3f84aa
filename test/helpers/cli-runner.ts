/**
 * The built `latchkey` command run as a person runs it: a separate process, with `$BROWSER` pointing at the
 * Chromium stand-in (browser-cli.mjs), which clicks LATCHKEY_TEST_USER on a provider emulator's sign-in page.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TempHome } from './engine-fixture';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'latchkey.js');
const BROWSER_SCRIPT = join(ROOT, 'test', 'helpers', 'browser-cli.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Throws when the CLI bundle is missing (build it with `npx electron-vite build`). */
export function assertCliBuilt(): void {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) throw new Error('The CLI is not built: run `npx electron-vite build` (or `npm run build`) first.');
}

/** The environment for a CLI run on `home`'s config and keychain, signing in as `user` at an emulator. */
export function cliEnv(home: TempHome, user: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LATCHKEY_CONFIG: home.configPath,
    LATCHKEY_KEYCHAIN_SERVICE: home.keychainService,
    BROWSER: `${process.execPath} ${BROWSER_SCRIPT}`,
    LATCHKEY_TEST_USER: user,
    LATCHKEY_TEST_CONSENT: 'allow',
    ...extra,
  };
}

export async function runCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
