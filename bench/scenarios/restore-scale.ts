/**
 * Rows 6a-6c: how a start-up restore grows with the number of account records in config.yaml.
 * Four data folders, each with its own keychain service: 1 record, 100 records and 1,000 records with one
 * of them signed in (the others signed out: the cost of the YAML), and 100 records all signed in (the cost
 * of a keychain read and a token file per account). The signed-in records carry copies of the real
 * account's valid tokens, so no restore needs the network. Ratios are against the 1-record restore.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parse, stringify } from 'yaml';
import type { Latchkey } from '../../src/main/app';
import type { TokenSet } from '../../src/main/store/secrets';
import type { SessionState } from '../../src/shared/session';
import { recordingFetch } from '../../test/helpers/engine-fixture';
import { PROVIDER_NAME, refuseBrowser, type BenchEnvironment } from '../lib/environment';
import { measuredRow } from '../lib/report';
import { CheckCollector, type ScenarioContext, type ScenarioResult } from '../lib/scenario';
import { interleave, summarize, type Case } from '../lib/stats';

interface Variant {
  name: string;
  records: number;
  signedIn: number;
}

const VARIANTS: Variant[] = [
  { name: 'one', records: 1, signedIn: 1 },
  { name: 'hundred', records: 100, signedIn: 1 },
  { name: 'thousand', records: 1_000, signedIn: 1 },
  { name: 'hundredSignedIn', records: 100, signedIn: 100 },
];

interface DataFolder {
  variant: Variant;
  configPath: string;
  keychainService: string;
  activeKey: string;
}

interface RestoreRun {
  recorder: ReturnType<typeof recordingFetch>;
  latchkey?: Latchkey;
  state?: SessionState;
  startedAt?: number;
}

type Records = Record<string, Record<string, unknown>>;

/** Writes a data folder: config.yaml with `records` accounts (the first `signedIn` of them signed in, with tokens in the vault). */
async function createFolder(env: BenchEnvironment, variant: Variant, accountKey: string, record: Record<string, unknown>, tokens: TokenSet): Promise<DataFolder> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-bench-'));
  env.onClose(() => rm(dir, { recursive: true, force: true }));
  const keychainService = `latchkey-bench-${randomBytes(6).toString('hex')}`;
  const vault = env.vaultAt(dir, keychainService);
  const now = new Date().toISOString();
  const usernames: Records = {};
  for (let i = 0; i < variant.records; i += 1) {
    const signedIn = i < variant.signedIn;
    if (i === 0) {
      usernames[accountKey] = { ...record };
    } else {
      const id = String(i).padStart(4, '0');
      usernames[`${PROVIDER_NAME}-user-${id}`] = {
        name: `User ${id}`,
        email: `user-${id}@latchkey.example`,
        provider: PROVIDER_NAME,
        subject: `user-${id}`,
        roles: ['user'],
        logged_in: signedIn,
        last_login: now,
        ...(signedIn ? { signed_in_at: now } : {}),
      };
    }
  }
  for (const key of Object.keys(usernames).slice(0, variant.signedIn)) {
    await vault.set(key, tokens);
    env.trackVaultEntry(vault, key);
  }
  const main = parse(await readFile(env.home.configPath, 'utf8')) as { session: unknown; providers: unknown };
  const configPath = join(dir, 'config.yaml');
  await writeFile(
    configPath,
    stringify({ session: main.session, providers: main.providers, credentials: { usernames }, active_account: accountKey }, { lineWidth: 0 }),
    { mode: 0o600 },
  );
  return { variant, configPath, keychainService, activeKey: accountKey };
}

export async function restoreScaleScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const { env } = context;
  const accountKey = context.shared.accountKey as string;
  const iterations = context.iterations(20);
  const warmup = context.warmup(2);
  const tokens = await env.vault().get(accountKey);
  const mainConfig = parse(await readFile(env.home.configPath, 'utf8')) as { credentials: { usernames: Records } };
  const record = mainConfig.credentials.usernames[accountKey];
  if (!tokens || !record) throw new Error('the signed-in account is missing from the vault or config.yaml');

  const folders: DataFolder[] = [];
  for (const variant of VARIANTS) {
    context.progress(`restore with many accounts: writing ${variant.records} records (${variant.signedIn} signed in)`);
    folders.push(await createFolder(env, variant, accountKey, record, tokens));
  }
  const checks = new Map(VARIANTS.map((v) => [v.name, new CheckCollector(`restore with ${v.records.toLocaleString('en')} record${v.records === 1 ? '' : 's'}: ${v.signedIn} signed in, no network`)]));
  const thousand = folders.find((folder) => folder.variant.name === 'thousand');
  if (thousand) context.shared.thousandRecords = { configPath: thousand.configPath, keychainService: thousand.keychainService };
  /** Per variant: from the start of a run until every account was read (restore() itself returns once the active one is). */
  const untilAll: Record<string, number[]> = Object.fromEntries(VARIANTS.map((v) => [v.name, []]));

  const cases: Record<string, Case<unknown>> = {};
  for (const folder of folders) {
    const check = checks.get(folder.variant.name) as CheckCollector;
    const restoreCase: Case<RestoreRun> = {
      prepare: async () => ({ recorder: recordingFetch() }),
      run: async (run) => {
        run.startedAt = performance.now();
        run.latchkey = await env.engine({
          openBrowser: refuseBrowser,
          fetch: run.recorder.fetch,
          role: 'app',
          configPath: folder.configPath,
          keychainService: folder.keychainService,
        });
        run.state = await run.latchkey.restore();
      },
      after: async (run) => {
        // The other accounts are read in the background; the checks (and the next run) wait for them.
        const all = await run.latchkey?.restored?.();
        if (all) run.state = all;
        untilAll[folder.variant.name]?.push(performance.now() - (run.startedAt ?? 0));
        const signedIn = run.state?.accounts.filter((a) => a.signedIn).length ?? 0;
        check.record(
          run.state?.accounts.length === folder.variant.records && signedIn === folder.variant.signedIn && run.recorder.requests.length === 0,
          () => `${run.state?.accounts.length} records, ${signedIn} signed in, ${run.recorder.requests.length} requests`,
        );
        await run.latchkey?.close();
      },
    };
    cases[folder.variant.name] = restoreCase as Case<unknown>;
  }
  const samples = await interleave(cases, {
    iterations,
    warmup,
    onRound: (round) => context.progress(`restore with many accounts: round ${round}/${iterations}`),
  });
  const baseline = { label: 'Latchkey restore, 1 record (signed in)', samples: samples.one ?? [] };
  const note = `${iterations} runs (+${warmup} warm-up) per size, sizes alternating; each run is createLatchkey() + restore() as in row 1.`;
  return {
    rows: [
      measuredRow({ id: '6a', title: 'Restore, 100 records', subject: { label: 'Latchkey restore, 100 records (1 signed in)', samples: samples.hundred ?? [] }, baseline, notes: [note] }),
      measuredRow({ id: '6b', title: 'Restore, 1,000 records', subject: { label: 'Latchkey restore, 1,000 records (1 signed in)', samples: samples.thousand ?? [] }, baseline, notes: [] }),
      measuredRow({
        id: '6c',
        title: 'Restore, 100 records all signed in',
        subject: { label: 'Latchkey restore, 100 records (all signed in: 100 keychain reads + token files)', samples: samples.hundredSignedIn ?? [] },
        baseline,
        notes: [
          '100 keychain entries are written for 6c before the runs and deleted after.',
          `Until every account had been read (restore() returns once the active one is; the rest follows in the background): median ${summarize(untilAll.hundredSignedIn?.slice(warmup) ?? []).median.toFixed(1)} ms for 6c, ${summarize(untilAll.one?.slice(warmup) ?? []).median.toFixed(1)} ms for 1 record (includes the checks' wait, untimed in the row).`,
        ],
      }),
    ],
    checks: [...checks.values()].map((check) => check.result('every restore')),
  };
}
