/**
 * A separate Node process for test/hardening/config-corpus.test.ts: loads a config file the way the app
 * does and prints one JSON line with the outcome. Inputs that exhaust the parser's stack are tried here,
 * in a plain Node process like the app's, so that a crash would be seen as a crash.
 *
 *   node config-load-child.mjs <config path>
 */
import { ConfigStore } from '../../src/main/store/config';
import { isAuthError } from '../../src/shared/errors';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: config-load-child <config path>');
  const store = new ConfigStore({ path: file });
  const outcome: Record<string, unknown> = {};
  try {
    await store.load();
    outcome['load'] = 'valid';
  } catch (error) {
    outcome['load'] = isAuthError(error) ? error.toInfo() : { unexpected: error instanceof Error ? error.name : typeof error };
  }
  try {
    await store.setActiveAccount(null);
    outcome['update'] = 'written';
  } catch (error) {
    outcome['update'] = isAuthError(error) ? error.code : 'unexpected';
  }
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.name : 'error'}\n`);
  process.exit(1);
});
