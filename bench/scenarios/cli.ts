/**
 * Rows 8-10: the `latchkey` command as a shell runs it, whole processes against `node -e 0` (the least any
 * Node program costs): `latchkey token` with a valid access token (wall and CPU), `latchkey --help` (CPU and
 * wall), and peak resident memory of `latchkey token` and of `latchkey status` over a config.yaml with 1,000
 * records (the whole engine: every record read, validated and summarised).
 *
 * Runs the built CLI (bin/latchkey.js → out/main/cli.js; bench/run.mjs builds it first) in the benchmark's
 * private keychain session, with the main data folder's config and keychain service.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { measureProcess, type ProcessUsage } from '../lib/process-usage';
import { measuredRow, type Row } from '../lib/report';
import { CheckCollector, type ScenarioContext, type ScenarioResult } from '../lib/scenario';
import { interleave, summarize, type Case } from '../lib/stats';

type Metric = 'wallMs' | 'cpuMs' | 'maxRssMiB';

export async function cliScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const { env, shared } = context;
  const root = process.cwd();
  const cli = join(root, 'bin', 'latchkey.js');
  if (!existsSync(join(root, 'out', 'main', 'cli.js'))) throw new Error('the CLI is not built (npm run build)');
  const accountKey = shared.accountKey as string;
  const iterations = context.iterations(40);
  const warmup = context.warmup(3);
  const cliEnv = { ...process.env, LATCHKEY_CONFIG: env.home.configPath, LATCHKEY_KEYCHAIN_SERVICE: env.home.keychainService };
  const expected = (await env.vault().get(accountKey))?.accessToken;
  if (!expected) throw new Error('the signed-in account has no access token in the vault');

  const usage: Record<string, ProcessUsage[]> = { node: [], token: [], help: [], status1000: [] };
  const tokenCheck = new CheckCollector('latchkey token prints the stored access token and exits 0');
  const helpCheck = new CheckCollector('latchkey --help prints the usage and exits 0');
  const statusCheck = new CheckCollector('latchkey status over 1,000 records exits 0 (signed in)');
  const thousand = shared.thousandRecords;

  const processCase = (name: string, args: string[], processEnv: NodeJS.ProcessEnv, check?: (result: ProcessUsage) => void): Case => ({
    run: async () => {
      const result = await measureProcess(args, processEnv);
      (usage[name] as ProcessUsage[]).push(result);
      check?.(result);
    },
  });
  const cases: Record<string, Case<unknown>> = {
    node: processCase('node', ['-e', '0'], cliEnv) as Case<unknown>,
    token: processCase('token', [cli, 'token'], cliEnv, (r) =>
      tokenCheck.record(r.code === 0 && r.stdout === `${expected}\n`, () => `exit ${r.code}, stdout ${r.stdout.length} chars, stderr ${r.stderr.slice(0, 200)}`),
    ) as Case<unknown>,
    help: processCase('help', [cli, '--help'], cliEnv, (r) => helpCheck.record(r.code === 0 && r.stdout.startsWith('Usage: latchkey'), () => `exit ${r.code}`)) as Case<unknown>,
  };
  if (thousand) {
    const statusEnv = { ...process.env, LATCHKEY_CONFIG: thousand.configPath, LATCHKEY_KEYCHAIN_SERVICE: thousand.keychainService };
    cases.status1000 = processCase('status1000', [cli, 'status'], statusEnv, (r) =>
      statusCheck.record(r.code === 0 && r.stdout.startsWith('Signed in as'), () => `exit ${r.code}: ${r.stderr.slice(0, 200)}`),
    ) as Case<unknown>;
  }
  await interleave(cases, { iterations, warmup, onRound: (round) => context.progress(`CLI processes: round ${round}/${iterations}`) });

  // interleave() times the whole case, spawning included; the figures below are the processes' own.
  const timed = (name: string, metric: Metric): number[] => (usage[name] ?? []).slice(warmup).map((u) => u[metric]);
  const nodeLabel = (what: string): string => `node -e 0 (${what})`;
  const rows: Row[] = [
    measuredRow({
      id: '8a',
      title: 'CLI: latchkey token, wall',
      subject: { label: '`latchkey token` with a valid access token, whole process (wall, spawn → exit)', samples: timed('token', 'wallMs') },
      baseline: { label: nodeLabel('wall'), samples: timed('node', 'wallMs') },
      notes: [
        `${iterations} runs (+${warmup} warm-up) of each process, alternating. CPU and peak memory come from the process itself at exit (bench/lib/usage-reporter.cjs, loaded into the baseline too); wall time is spawn → exit as the parent sees it.`,
      ],
    }),
    measuredRow({
      id: '8b',
      title: 'CLI: latchkey token, CPU',
      subject: { label: '`latchkey token` with a valid access token (CPU: user + system)', samples: timed('token', 'cpuMs') },
      baseline: { label: nodeLabel('CPU'), samples: timed('node', 'cpuMs') },
    }),
    measuredRow({
      id: '9a',
      title: 'CLI: latchkey --help, CPU',
      subject: { label: '`latchkey --help` (CPU: user + system)', samples: timed('help', 'cpuMs') },
      baseline: { label: nodeLabel('CPU'), samples: timed('node', 'cpuMs') },
    }),
    measuredRow({
      id: '9b',
      title: 'CLI: latchkey --help, wall',
      subject: { label: '`latchkey --help` (wall)', samples: timed('help', 'wallMs') },
      baseline: { label: nodeLabel('wall'), samples: timed('node', 'wallMs') },
    }),
    measuredRow({
      id: '10a',
      title: 'CLI: latchkey token, peak memory',
      unit: 'MiB',
      subject: { label: '`latchkey token`: peak resident memory (max RSS)', samples: timed('token', 'maxRssMiB') },
      baseline: { label: nodeLabel('max RSS'), samples: timed('node', 'maxRssMiB') },
    }),
  ];
  if (thousand) {
    rows.push(
      measuredRow({
        id: '10b',
        title: 'Engine with 1,000 records, peak memory',
        unit: 'MiB',
        subject: { label: '`latchkey status` over 1,000 records (the whole engine: restore, validation, summaries): max RSS', samples: timed('status1000', 'maxRssMiB') },
        baseline: { label: nodeLabel('max RSS'), samples: timed('node', 'maxRssMiB') },
        notes: [`Its wall time: median ${summarize(timed('status1000', 'wallMs')).median.toFixed(0)} ms.`],
      }),
    );
  }
  return {
    rows,
    checks: [tokenCheck.result('every run'), helpCheck.result('every run'), ...(thousand ? [statusCheck.result('every run')] : [])],
  };
}
