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

/** A running `latchkey` whose standard input stays open: lines are written while it runs. */
export interface InteractiveCli {
  /** Resolves with stderr so far once it matches `pattern` (rejects after `timeoutMs`, or when the process ends first). */
  stderrMatching(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Writes one line to its standard input. */
  writeLine(line: string): void;
  /** Closes its standard input. */
  endInput(): void;
  /** Sends it SIGINT, as Ctrl-C would. */
  interrupt(): void;
  /** Resolves when it has exited. */
  result: Promise<CliResult>;
}

/** Starts the built `latchkey` command with an open standard input (not a terminal), e.g. for a pasted address. */
export function startCliWithInput(env: NodeJS.ProcessEnv, ...args: string[]): InteractiveCli {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  const watchers = new Set<() => void>();
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    for (const watcher of watchers) watcher();
  });
  const result = new Promise<CliResult>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      exited = true;
      for (const watcher of watchers) watcher();
      done({ code: code ?? -1, stdout, stderr });
    });
  });
  return {
    result,
    writeLine: (line) => child.stdin.write(`${line}\n`),
    endInput: () => child.stdin.end(),
    interrupt: () => child.kill('SIGINT'),
    stderrMatching: (pattern, timeoutMs = 30_000) =>
      new Promise<string>((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(stderr)) {
            finish();
            resolve(stderr);
          } else if (exited) {
            finish();
            reject(new Error(`latchkey exited before its stderr matched ${pattern}:\n${stderr}`));
          }
        };
        const deadline = setTimeout(() => {
          finish();
          reject(new Error(`latchkey's stderr did not match ${pattern} within ${timeoutMs} ms:\n${stderr}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(deadline);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      }),
  };
}
