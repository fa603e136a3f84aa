/**
 * The Latchkey benchmark: start-up restore, refresh, sign-in completion, single-flight refresh under load,
 * restore with many accounts and the renderer's reload, each against a baseline measured in the same run.
 * Run it with `npm run bench` (bench/run.mjs), which provides the private keychain. Prints the machine and
 * a table, and writes bench/results/latest.json and latest.md. Exits 1 if a check failed (the timings
 * would then be of the wrong thing).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BenchEnvironment } from './lib/environment';
import { describeMachine, machineLines } from './lib/machine';
import { GOALS } from './lib/goals';
import { goalLines, markdownTable, writeResults, type Check, type Row } from './lib/report';
import type { ScenarioContext, ScenarioResult, SharedState } from './lib/scenario';
import { apiCallScenario } from './scenarios/api-call';
import { bundleSizeScenario } from './scenarios/bundle-size';
import { cliScenario } from './scenarios/cli';
import { concurrencyScenario } from './scenarios/concurrency';
import { refreshScenario } from './scenarios/refresh';
import { rendererScenario } from './scenarios/renderer';
import { restoreScaleScenario } from './scenarios/restore-scale';
import { restoreScenario } from './scenarios/restore';
import { signInScenario } from './scenarios/sign-in';

interface Scenario {
  name: string;
  /** The rows it produces: a scenario that fails leaves them as "not measured" with the reason. */
  rows: Array<{ id: string; title: string }>;
  needsAccount: boolean;
  run: (context: ScenarioContext) => Promise<ScenarioResult>;
}

/** In order: the sign-in scenario signs in the account that the others use. */
const SCENARIOS: Scenario[] = [
  {
    name: 'callback → signed in',
    rows: [
      { id: '3', title: 'Callback received → signed in' },
      { id: '4a', title: 'Code exchange: AppAuth-JS (peer)' },
    ],
    needsAccount: false,
    run: signInScenario,
  },
  {
    name: 'refresh',
    rows: [
      { id: '2', title: 'Refresh' },
      { id: '4b', title: 'Refresh: AppAuth-JS (peer)' },
    ],
    needsAccount: true,
    run: refreshScenario,
  },
  { name: 'restore', rows: [{ id: '1', title: 'Restore with a valid token' }], needsAccount: true, run: restoreScenario },
  { name: '1,000 concurrent getAccessToken', rows: [{ id: '5', title: '1,000 concurrent getAccessToken() on an expired token' }], needsAccount: true, run: concurrencyScenario },
  {
    name: 'restore with many accounts',
    rows: [
      { id: '6a', title: 'Restore, 100 records' },
      { id: '6b', title: 'Restore, 1,000 records' },
      { id: '6c', title: 'Restore, 100 records all signed in' },
    ],
    needsAccount: true,
    run: restoreScaleScenario,
  },
  { name: 'renderer reload', rows: [{ id: '7', title: 'Renderer: reload → dashboard painted' }], needsAccount: true, run: rendererScenario },
  {
    name: 'CLI processes',
    rows: [
      { id: '8a', title: 'CLI: latchkey token, wall' },
      { id: '8b', title: 'CLI: latchkey token, CPU' },
      { id: '9a', title: 'CLI: latchkey --help, CPU' },
      { id: '9b', title: 'CLI: latchkey --help, wall' },
      { id: '10a', title: 'CLI: latchkey token, peak memory' },
      { id: '10b', title: 'Engine with 1,000 records, peak memory' },
    ],
    needsAccount: true,
    run: cliScenario,
  },
  { name: 'renderer bundle size', rows: [{ id: '11', title: 'Renderer: JavaScript before the first paint' }], needsAccount: false, run: bundleSizeScenario },
  {
    name: 'API call with the session',
    rows: [
      { id: '12a', title: 'API call through Latchkey: IPC router + token + fetch' },
      { id: '12b', title: 'API call from the window: preload API + IPC + token + fetch' },
    ],
    needsAccount: true,
    run: apiCallScenario,
  },
];

/** `--only=2,6c`: the row ids asked for (a partial run while working on something); null: every row. */
function onlyRows(argv: readonly string[]): Set<string> | null {
  const arg = argv.find((a) => a.startsWith('--only='));
  return arg ? new Set(arg.slice('--only='.length).split(',').filter(Boolean)) : null;
}

/** Row ids in reading order: 1, 2, 3, 4a, 4b, 5, 6a, ... */
function byId(a: Row, b: Row): number {
  return Number.parseInt(a.id, 10) - Number.parseInt(b.id, 10) || a.id.localeCompare(b.id);
}

function notMeasured(scenario: Scenario, reason: string): Row[] {
  return scenario.rows.map(({ id, title }) => ({ id, status: 'not_measured' as const, title, reason, notes: [], ...(GOALS[id] ? { goal: GOALS[id] } : {}) }));
}

function resultsDir(): string {
  // The bundle runs from node_modules/.cache; the results belong in the project's bench/results.
  return process.env.LATCHKEY_BENCH_RESULTS ?? path.join(process.cwd(), 'bench', 'results');
}

async function main(): Promise<number> {
  const quick = process.argv.includes('--quick');
  const only = onlyRows(process.argv);
  const started = performance.now();
  const machine = await describeMachine();
  const env = await BenchEnvironment.start();
  const stopping = (): void => {
    void env.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopping);
  process.once('SIGTERM', stopping);

  console.log('Latchkey benchmark');
  for (const line of machineLines(machine)) console.log(`  ${line}`);
  console.log('');

  const rows: Row[] = [];
  const checks: Check[] = [];
  const shared: SharedState = {};
  const context: ScenarioContext = {
    env,
    iterations: (full) => (quick ? Math.max(3, Math.ceil(full / 5)) : full),
    warmup: (full) => (quick ? 1 : full),
    // Progress overwrites itself on a terminal and stays quiet in a log.
    progress: (line) => {
      if (process.stderr.isTTY) process.stderr.write(`\x1b[2K  ${line}\r`);
    },
    shared,
  };
  try {
    for (const scenario of SCENARIOS) {
      // --only: the scenarios of those rows, and the sign-in scenario the others need for their account.
      if (only && !scenario.rows.some((row) => only.has(row.id)) && !(scenario === SCENARIOS[0] && SCENARIOS.some((s) => s.needsAccount && s.rows.some((row) => only.has(row.id))))) continue;
      process.stderr.write(`${scenario.name} (row ${scenario.rows.map((r) => r.id).join(', ')})\n`);
      if (scenario.needsAccount && !shared.accountKey) {
        const reason = 'no account was signed in (the sign-in scenario failed)';
        rows.push(...notMeasured(scenario, reason));
        checks.push({ name: scenario.name, ok: false, detail: `skipped: ${reason}` });
        continue;
      }
      const scenarioStart = performance.now();
      try {
        const result = await scenario.run(context);
        rows.push(...result.rows);
        checks.push(...result.checks);
      } catch (error) {
        const detail = error instanceof Error ? `${error.name}: ${error.message.split('\n', 1)[0]}` : String(error);
        rows.push(...notMeasured(scenario, `the scenario failed (${detail})`));
        checks.push({ name: scenario.name, ok: false, detail: `the scenario failed: ${detail}` });
      }
      const took = `done in ${((performance.now() - scenarioStart) / 1000).toFixed(1)} s`;
      process.stderr.write(process.stderr.isTTY ? `\x1b[2K  ${took}\n` : `  ${took}\n`);
    }
  } finally {
    await env.close();
  }

  const results = {
    generatedAt: new Date().toISOString(),
    machine,
    quick,
    durationSeconds: (performance.now() - started) / 1000,
    rows: rows.sort(byId),
    checks,
  };
  const written = await writeResults(resultsDir(), results);
  console.log(markdownTable(results.rows));
  console.log('');
  console.log('ratio = subject median ÷ baseline median (and p95 ÷ p95), both measured in this run, alternating. Times in ms unless a figure names its unit.');
  console.log('');
  console.log('Goals (bench/lib/goals.ts), judged on the median:');
  for (const line of goalLines(results.rows)) console.log(`  ${line}`);
  console.log('');
  for (const row of results.rows) for (const note of row.notes) console.log(`  [${row.id}] ${note}`);
  console.log('');
  const failed = checks.filter((check) => !check.ok);
  for (const check of checks) console.log(`${check.ok ? 'ok    ' : 'FAILED'} ${check.name}: ${check.detail}`);
  console.log('');
  console.log(`Wrote ${path.relative(process.cwd(), written.json)} and ${path.relative(process.cwd(), written.md)} in ${results.durationSeconds.toFixed(0)} s.`);
  return failed.length === 0 ? 0 : 1;
}

/** Lets stdout drain, then exits even if a stray keep-alive socket would hold the process open. */
function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2_000).unref();
}

main().then(finish, (error: unknown) => {
  console.error(error);
  finish(1);
});
