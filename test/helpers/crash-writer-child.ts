/**
 * A separate process for test/hardening/crash-safety.test.ts: writes config.yaml and the token vault as fast as
 * it can until the test kills it (SIGKILL, at a random moment).
 *
 *   loop <config> <service> <vaultDir> <journal> <firstCounter>
 *
 * Each step n (counting up from firstCounter) patches one config account with counter n, then stores one
 * token set with counter n. Before a write starts it appends `B <c|v> <key> <n>` to the journal, after the write
 * has returned `C <c|v> <key> <n>` ("begun", "committed"), with synchronous appends, so that whatever the
 * moment of the kill, the journal says what may be on disk: the last committed value, or the one begun after it.
 * Now and then a step creates a new account / vault entry instead, so creation is interrupted too.
 */
import { openSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ConfigStore } from '../../src/main/store/config';
import { SecretVault, type TokenSet } from '../../src/main/store/secrets';

/** The record of config account `key` at counter `n`: every field that varies carries the counter. */
export function crashRecord(key: string, n: number) {
  return {
    name: `Writer ${n}`,
    email: `writer-${n}@crash.example`,
    provider: 'demo',
    subject: key,
    roles: [`counter-${n}`],
    logged_in: true,
    last_login: new Date(1_700_000_000_000 + n * 1000).toISOString(),
  };
}

/** The token set of vault entry `key` at counter `n`; large enough that a torn write would show. */
export function crashTokens(n: number): TokenSet {
  return {
    accessToken: `access-${n}-${'a'.repeat(4096)}`,
    refreshToken: `refresh-${n}`,
    idToken: `id-${n}-${'i'.repeat(1024)}`,
    obtainedAt: n,
    expiresAt: n + 3_600_000,
  };
}

/** The accounts the writer keeps changing (besides the ones it creates). */
export const CONFIG_KEYS = ['w-0', 'w-1', 'w-2', 'w-3'];
export const VAULT_KEYS = ['v-0', 'v-1', 'v-2'];

async function loop(configPath: string, service: string, vaultDir: string, journalPath: string, first: number): Promise<never> {
  const config = new ConfigStore({ path: configPath });
  const vault = new SecretVault({ service, dir: vaultDir });
  await config.load();
  const journal = openSync(journalPath, 'a');
  const note = (line: string) => writeSync(journal, `${line}\n`);
  process.stdout.write('writing\n');
  for (let n = first; ; n++) {
    const configKey = n % 13 === 0 ? `x-${n}` : (CONFIG_KEYS[n % CONFIG_KEYS.length] as string);
    note(`B c ${configKey} ${n}`);
    await config.update((draft) => draft.setAccount(configKey, crashRecord(configKey, n)));
    note(`C c ${configKey} ${n}`);

    const vaultKey = n % 17 === 0 ? `vx-${n}` : (VAULT_KEYS[n % VAULT_KEYS.length] as string);
    note(`B v ${vaultKey} ${n}`);
    await vault.set(vaultKey, crashTokens(n));
    note(`C v ${vaultKey} ${n}`);
  }
}

/** Runs only as the child's entry: the test imports this file for crashRecord() and crashTokens(). */
function main(): void {
  const [mode, configPath, service, vaultDir, journalPath, first] = process.argv.slice(2);
  if (mode !== 'loop') {
    process.stderr.write(`unknown mode ${mode}\n`);
    process.exit(1);
  }
  loop(configPath as string, service as string, vaultDir as string, journalPath as string, Number(first)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
