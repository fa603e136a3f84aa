/**
 * Timing whole processes: how long `latchkey <command>` takes from the shell's point of view (wall, from spawn
 * to exit), how much CPU it burns (user + system) and how much memory it peaks at (max RSS). CPU and memory
 * come from the process itself at exit (usage-reporter.cjs, loaded with --require into every measured process,
 * baseline included, so both pay for it); wall time is measured here.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface ProcessUsage {
  wallMs: number;
  cpuMs: number;
  maxRssMiB: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The reporter, found from the repository root (the benchmark runs from there, as a bundle elsewhere). */
export function usageReporterPath(root = process.cwd()): string {
  return join(root, 'bench', 'lib', 'usage-reporter.cjs');
}

/** Runs `node --require <reporter> ...args` to completion and measures it. */
export async function measureProcess(args: readonly string[], env: NodeJS.ProcessEnv): Promise<ProcessUsage> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-bench-usage-'));
  const file = join(dir, 'usage.json');
  try {
    const started = performance.now();
    const child = spawn(process.execPath, ['--require', usageReporterPath(), ...args], {
      env: { ...env, LATCHKEY_BENCH_USAGE_FILE: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let wallMs = Number.NaN;
    // Wall time ends at exit; the output is complete only once the pipes have closed, a moment later.
    child.once('exit', () => (wallMs = performance.now() - started));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode) => resolve(exitCode));
    });
    const usage = JSON.parse(await readFile(file, 'utf8')) as { userUs: number; systemUs: number; maxRssKiB: number };
    return { wallMs, cpuMs: (usage.userUs + usage.systemUs) / 1000, maxRssMiB: usage.maxRssKiB / 1024, code, stdout, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
