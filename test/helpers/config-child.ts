/**
 * A separate process for test/config.test.ts: writes account records to a shared config.yaml like a
 * concurrently running `latchkey` CLI would.
 *
 *   upsert <config> <prefix> <n>   adds accounts <prefix>-0 ... <prefix>-<n-1>, one update() each
 */
import { ConfigStore } from '../../src/main/store/config';

const [mode, configPath, prefix, count] = process.argv.slice(2);

async function main(): Promise<void> {
  if (mode !== 'upsert') throw new Error(`unknown mode ${mode}`);
  const store = new ConfigStore({ path: configPath as string });
  await store.load();
  for (let i = 0; i < Number(count); i++) {
    await store.upsertAccount(`${prefix}-${i}`, {
      name: `${prefix} ${i}`,
      provider: 'demo',
      subject: `${prefix}-${i}`,
      roles: ['viewer'],
      logged_in: true,
      last_login: new Date().toISOString(),
    });
  }
  process.stdout.write('done\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
