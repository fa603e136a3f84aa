/**
 * A separate process for test/passphrase-store.test.ts: opens the passphrase store at <file> with the
 * passphrase given on stdin (never on the command line) and writes <count> entries `<prefix>-1..count`, one
 * read-modify-write each, then prints `done`. Run beside another writer, it shows whether either loses the
 * other's entries.
 *
 *   write <file> <prefix> <count>
 */
import { isAuthError } from '../../src/shared/errors';
import { PassphraseKeyStore } from '../../src/main/store/passphrase-key-store';

const [mode, file, prefix, count] = process.argv.slice(2);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(): Promise<void> {
  if (mode !== 'write') throw new Error(`unknown mode ${mode}`);
  const passphrase = await readStdin();
  const store = new PassphraseKeyStore({ file: file as string, ask: async () => passphrase });
  for (let n = 1; n <= Number(count); n++) await store.set(`${prefix}-${n}`, `value-${prefix}-${n}`);
  store.release();
  process.stdout.write('done\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${isAuthError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
