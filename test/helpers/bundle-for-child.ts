/**
 * Runs TypeScript code in a real, separate Node process: what cross-process behaviour (file locks, the
 * shared keychain, the CLI) has to be tested with.
 *
 * `bundleForChild` bundles an entry file with esbuild into an `.mjs` under
 * `node_modules/.cache/latchkey-child/` (packages stay external imports, and Node resolves them from there
 * because the file sits inside the project's node_modules tree). The file is named by the hash of its
 * content, so repeated runs reuse it instead of piling up temp files, and concurrent test processes
 * writing the same bundle cannot clash.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'latchkey-child');

const bundles = new Map<string, Promise<string>>();

/** Bundles `entryTs` (absolute, or relative to the project root) and returns the path of the runnable `.mjs`. */
export function bundleForChild(entryTs: string): Promise<string> {
  const entry = path.resolve(PROJECT_ROOT, entryTs);
  let bundle = bundles.get(entry);
  if (bundle === undefined) {
    bundle = buildBundle(entry);
    bundles.set(entry, bundle);
    bundle.catch(() => bundles.delete(entry));
  }
  return bundle;
}

async function buildBundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    outfile: path.join(BUNDLE_DIR, 'out.mjs'),
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents;
  if (code === undefined) throw new Error(`esbuild produced no output for ${entry}`);
  const name = path.basename(entry).replace(/\.[cm]?tsx?$/, '');
  const file = path.join(BUNDLE_DIR, `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  const present = await stat(file).then(
    () => true,
    () => false,
  );
  if (!present) {
    await mkdir(BUNDLE_DIR, { recursive: true });
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, code);
    await rename(temp, file);
  }
  return file;
}

export interface ChildResult {
  /** Exit code; null if the child was killed by a signal (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunChildOptions {
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  /** Kill the child (SIGKILL) after this long; default 60 s, so a hung child fails the test instead of hanging it. */
  timeoutMs?: number;
}

/** Runs `node <script> ...args` and collects its output. Never rejects because of the exit code. */
export function runNodeChild(script: string, args: readonly string[] = [], options: RunChildOptions = {}): Promise<ChildResult> {
  const { child, result } = startNodeChild(script, args, options);
  if (options.input !== undefined) child.stdin.end(options.input);
  else child.stdin.end();
  return result;
}

/**
 * Starts `node <script> ...args` and hands back the process too, for tests that must talk to a child while
 * it runs (wait for a line on stdout, then act).
 */
export function startNodeChild(
  script: string,
  args: readonly string[] = [],
  options: Omit<RunChildOptions, 'input'> = {},
): { child: ChildProcessWithoutNullStreams; result: Promise<ChildResult>; waitForLine(pattern: RegExp): Promise<string> } {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: options.env ?? process.env,
  });
  let stdout = '';
  let stderr = '';
  const lineWaiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of [...lineWaiters]) {
      const line = stdout.split('\n').find((candidate) => waiter.pattern.test(candidate));
      if (line !== undefined) {
        lineWaiters.splice(lineWaiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const result = new Promise<ChildResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  const waitForLine = (pattern: RegExp): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const line = stdout.split('\n').find((candidate) => pattern.test(candidate));
      if (line !== undefined) return resolve(line);
      lineWaiters.push({ pattern, resolve });
      void result.then((r) => reject(new Error(`child exited (code ${r.code}) before printing ${pattern}; stderr: ${r.stderr}`)));
    });
  return { child, result, waitForLine };
}
