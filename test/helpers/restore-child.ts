/**
 * A separate process for test/engine.test.ts: restores the engine from a config in whatever environment the
 * test gives it (e.g. no D-Bus session, so no keychain) and prints the resulting state as one JSON line.
 *
 *   <configPath> <keychainService>
 */
import { createLatchkey } from '../../src/main/app';

const [configPath, keychainService] = process.argv.slice(2);

async function main(): Promise<void> {
  const latchkey = await createLatchkey({
    configPath: configPath as string,
    keychainService: keychainService as string,
    openBrowser: async () => undefined,
    embeddedProvider: false,
    role: 'cli',
  });
  const state = await latchkey.restore();
  await latchkey.close();
  process.stdout.write(`${JSON.stringify(state)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
