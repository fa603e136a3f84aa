/**
 * The built `latchkey` command run with text on its standard input (not a terminal), the way a script gives
 * it a password: one line per password asked.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { CliResult } from './cli-runner';

const CLI = join(resolve(__dirname, '..', '..'), 'bin', 'latchkey.js');

export function runCliWithInput(env: NodeJS.ProcessEnv, input: string, ...args: string[]): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
