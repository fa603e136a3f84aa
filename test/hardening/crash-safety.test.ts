/**
 * Crash safety of config.yaml and the token vault: a writer process is killed (SIGKILL: no cleanup, no
 * finally blocks) at random moments while it writes, over and over. After every kill:
 *
 * - config.yaml parses and validates;
 * - every account the writer had committed is still there, and each record is wholly one committed (or the
 *   interrupted) version — never a mix, never an older one;
 * - the vault still decrypts every committed entry to a whole token set, again old or new;
 * - the locks the killed writer held are taken over by the next writer, by the dead-owner rule — not after
 *   the lock has aged past its stale limit.
 *
 * The kill moments come from a seeded PRNG (LATCHKEY_HARDENING_SEED to replay a run).
 */
import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../src/main/store/config';
import { DEFAULT_LOCK_STALE_MS } from '../../src/main/store/file-lock';
import { SecretVault } from '../../src/main/store/secrets';
import { bundleForChild, startNodeChild } from '../helpers/bundle-for-child';
import { CONFIG_KEYS, crashRecord, crashTokens, VAULT_KEYS } from '../helpers/crash-writer-child';
import { tempHome, type TempHome } from '../helpers/engine-fixture';

/** 200 kills with `LATCHKEY_FULL_HARDENING=1` (npm run test:hardening); 40 keep `npm test` well under a minute. */
const FULL = process.env.LATCHKEY_FULL_HARDENING === '1';
const KILLS = FULL ? 200 : 40;
const SEED = Number(process.env.LATCHKEY_HARDENING_SEED ?? 0x1a7c4e);
/** Kills land up to this long after the writer has started writing: a few to a dozen write steps. */
const MAX_KILL_DELAY_MS = 300;

/** mulberry32: a small seeded PRNG, so a failing sequence of kill moments can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Per key: the last value known to be on disk (its write returned, or a check after a kill found it there),
 * and a value whose write had begun after it (if any). Journal lines: `B`egun and `C`ommitted by the writer;
 * after each kill the test settles every interrupted write with `C` (it landed) or `R` (it did not), because
 * the writer that began it is dead and will never finish it.
 */
interface Expectation {
  committed?: number;
  begun?: number;
}

interface Journal {
  config: Map<string, Expectation>;
  vault: Map<string, Expectation>;
  /** The last vault key whose write had begun: the only vault lock a kill can leave behind. */
  lastVaultKey?: string;
  maxCounter: number;
}

function parseJournal(text: string): Journal {
  const journal: Journal = { config: new Map(), vault: new Map(), maxCounter: 0 };
  for (const line of text.split('\n')) {
    const match = /^([BCR]) ([cv]) (\S+)(?: (\d+))?$/.exec(line);
    if (!match) continue;
    const [, phase, store, key, value] = match as unknown as [string, 'B' | 'C' | 'R', 'c' | 'v', string, string | undefined];
    const map = store === 'c' ? journal.config : journal.vault;
    const entry = map.get(key) ?? {};
    if (phase === 'R') {
      delete entry.begun;
    } else {
      const n = Number(value);
      if (phase === 'B') entry.begun = n;
      else {
        entry.committed = n;
        delete entry.begun;
      }
      journal.maxCounter = Math.max(journal.maxCounter, n);
      if (store === 'v') journal.lastVaultKey = key;
    }
    map.set(key, entry);
  }
  return journal;
}

function allowed(expectation: Expectation): number[] {
  return [expectation.committed, expectation.begun].filter((n): n is number => n !== undefined);
}

function counterOf(name: string): number {
  return Number(/^Writer (\d+)$/.exec(name)?.[1] ?? Number.NaN);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let home: TempHome;
let vaultDir: string;
let journalPath: string;
let child: string;

beforeAll(async () => {
  child = await bundleForChild('test/helpers/crash-writer-child.ts');
  home = await tempHome();
  vaultDir = join(home.dir, 'secrets');
  journalPath = join(home.dir, 'journal.log');
  // What exists before the first kill: committed, so it must survive every kill.
  const store = new ConfigStore({ path: home.configPath });
  await store.load();
  const vault = new SecretVault({ service: home.keychainService, dir: vaultDir });
  for (const key of CONFIG_KEYS) {
    await store.update((draft) => draft.setAccount(key, crashRecord(key, 0)));
    await appendFile(journalPath, `C c ${key} 0\n`);
  }
  for (const key of VAULT_KEYS) {
    await vault.set(key, crashTokens(0));
    await appendFile(journalPath, `C v ${key} 0\n`);
  }
});

afterAll(async () => {
  await home?.cleanup();
});

/** Lock files and recovery guards present in the config folder and the vault folder. */
async function leftoverLocks(): Promise<string[]> {
  const inConfigDir = (await readdir(home.dir)).filter((name) => /\.lock(\.recover)?$/.test(name));
  const inVault = (await readdir(vaultDir).catch(() => [] as string[])).filter((name) => /\.lock(\.recover)?$/.test(name));
  return [...inConfigDir, ...inVault.map((name) => `secrets/${name}`)];
}

/** Whether a process exists (signal 0 only checks); ESRCH means it is gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Temp files (`.<name>.<pid>.<hex>.tmp`) in the config folder and secrets/ whose writer process is gone. */
async function deadWritersTempFiles(): Promise<string[]> {
  const names = [...(await readdir(home.dir)), ...(await readdir(vaultDir).catch(() => [] as string[])).map((name) => `secrets/${name}`)];
  return names.filter((name) => {
    const pid = /\.(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name)?.[1];
    return pid !== undefined && !isAlive(Number(pid));
  });
}

async function leftoverTempFiles(): Promise<number> {
  const names = [...(await readdir(home.dir)), ...(await readdir(vaultDir).catch(() => [] as string[]))];
  return names.filter((name) => name.endsWith('.tmp')).length;
}

/** Checks config.yaml against the journal; returns the journal lines that settle interrupted writes. */
async function checkConfig(journal: Journal, kill: number): Promise<string[]> {
  const settled: string[] = [];
  // Parses and validates, or load() rejects with config_invalid.
  const config = await new ConfigStore({ path: home.configPath }).load();
  const usernames = config.credentials.usernames;
  for (const key of Object.keys(usernames)) expect(journal.config.has(key), `kill ${kill}: unexpected account ${key}`).toBe(true);
  for (const [key, expectation] of journal.config) {
    const record = usernames[key];
    if (expectation.committed !== undefined) expect(record, `kill ${kill}: committed account ${key} is gone`).toBeDefined();
    if (record === undefined) {
      if (expectation.begun !== undefined) settled.push(`R c ${key}`);
      continue;
    }
    const n = counterOf(record.name);
    expect(allowed(expectation), `kill ${kill}: ${key} holds counter ${n}`).toContain(n);
    expect(record, `kill ${kill}: ${key} is not wholly version ${n}`).toMatchObject(crashRecord(key, n));
    if (expectation.begun !== undefined) settled.push(`C c ${key} ${n}`);
  }
  return settled;
}

/** Checks the vault against the journal; returns the journal lines that settle interrupted writes. */
async function checkVault(vault: SecretVault, journal: Journal, kill: number): Promise<string[]> {
  const settled: string[] = [];
  for (const [key, expectation] of journal.vault) {
    const tokens = await vault.get(key);
    if (expectation.committed !== undefined) expect(tokens, `kill ${kill}: committed vault entry ${key} is gone`).not.toBeNull();
    if (tokens === null) {
      if (expectation.begun !== undefined) settled.push(`R v ${key}`);
      continue;
    }
    expect(allowed(expectation), `kill ${kill}: vault entry ${key} holds counter ${tokens.obtainedAt}`).toContain(tokens.obtainedAt);
    expect(tokens, `kill ${kill}: vault entry ${key} is not a whole token set`).toEqual(crashTokens(tokens.obtainedAt));
    if (expectation.begun !== undefined) settled.push(`C v ${key} ${tokens.obtainedAt}`);
  }
  return settled;
}

describe('SIGKILL while writing config.yaml and the vault', () => {
  it(`survives ${KILLS} kills at random moments (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const store = new ConfigStore({ path: home.configPath });
    const vault = new SecretVault({ service: home.keychainService, dir: vaultDir });
    let next = 1;
    let killsLeavingLocks = 0;
    let slowestRecoveryMs = 0;
    let stepsWritten = 0;
    const startedAt = Date.now();

    for (let kill = 1; kill <= KILLS; kill++) {
      const writer = startNodeChild(child, ['loop', home.configPath, home.keychainService, vaultDir, journalPath, String(next)], { timeoutMs: 60_000 });
      await writer.waitForLine(/^writing$/);
      await sleep(Math.floor(random() * MAX_KILL_DELAY_MS));
      writer.child.kill('SIGKILL');
      const ended = await writer.result;
      expect(ended.signal, `kill ${kill}: the writer stopped by itself: ${ended.stderr}`).toBe('SIGKILL');

      const journal = parseJournal(await readFile(journalPath, 'utf8'));
      stepsWritten += journal.maxCounter + 1 - next;
      next = journal.maxCounter + 1;
      const settled = [...(await checkConfig(journal, kill)), ...(await checkVault(vault, journal, kill))];
      if (settled.length > 0) await appendFile(journalPath, `${settled.join('\n')}\n`);

      // The next writer: takes over whatever lock the dead one left, within the lock's rules for a dead owner.
      const locks = await leftoverLocks();
      if (locks.length > 0) killsLeavingLocks += 1;
      const recoveryStart = Date.now();
      await store.update((draft) => draft.setActiveAccount(null));
      if (journal.lastVaultKey !== undefined) {
        // Rewrites what is there (or completes the interrupted first write of a new entry).
        const key = journal.lastVaultKey;
        const n = (await vault.get(key))?.obtainedAt ?? (journal.vault.get(key)?.begun as number);
        await vault.set(key, crashTokens(n));
        await appendFile(journalPath, `C v ${key} ${n}\n`);
      }
      const recoveryMs = Date.now() - recoveryStart;
      slowestRecoveryMs = Math.max(slowestRecoveryMs, recoveryMs);
      // Bounded: a dead owner's lock is taken over at once, not after it has aged past the stale limit.
      expect(recoveryMs, `kill ${kill}: taking over ${locks.join(', ')} took ${recoveryMs} ms`).toBeLessThan(DEFAULT_LOCK_STALE_MS);
      expect(await leftoverLocks(), `kill ${kill}: locks still there after the next writer`).toEqual(
        locks.filter((name) => name.endsWith('.recover')),
      );
    }

    const seconds = (Date.now() - startedAt) / 1000;
    console.log(
      `crash safety (seed ${SEED}): ${KILLS} kills in ${seconds.toFixed(1)} s; ${stepsWritten} write steps; ` +
        `${killsLeavingLocks} kills left a lock behind; slowest takeover ${slowestRecoveryMs} ms; ` +
        `${await leftoverTempFiles()} temp files left by interrupted atomic writes`,
    );
    expect(stepsWritten).toBeGreaterThan(KILLS);

    // Killed writers leave temp files behind; the next successful write in each folder removes them.
    await store.update((draft) => {
      const [key, record] = draft.accounts()[0] ?? [];
      if (key !== undefined && record !== undefined) draft.setAccount(key, record);
    });
    const vaultKey = VAULT_KEYS[0] as string;
    await vault.set(vaultKey, (await vault.get(vaultKey)) ?? crashTokens(0));
    expect(await deadWritersTempFiles(), 'temp files of killed writers left behind').toEqual([]);
  }, FULL ? 900_000 : 180_000);
});

