/**
 * A separate process for test/lock.test.ts: contends for the lock file like another Latchkey process would.
 *
 *   count <lock> <counter> <log> <n>   n times under the lock: read the counter file, yield, write it + 1,
 *                                      logging "enter"/"exit" lines with this pid
 *   hold <lock> <staleMs>              take the lock, print "held", keep it until stdin closes, print "released"
 *   crash <lock>                       take the lock, print "held", exit at once without releasing it
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { withFileLock } from '../../src/main/store/file-lock';

const [mode, lockPath, ...rest] = process.argv.slice(2);

async function count(counterPath: string, logPath: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await withFileLock(lockPath as string, async () => {
      await appendFile(logPath, `${process.pid} enter\n`);
      const current = Number((await readFile(counterPath, 'utf8').catch(() => '0')) || '0');
      // Yield between read and write: without mutual exclusion another process's write lands here.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      await writeFile(counterPath, String(current + 1));
      await appendFile(logPath, `${process.pid} exit\n`);
    });
  }
}

async function hold(staleMs: number): Promise<void> {
  await withFileLock(
    lockPath as string,
    async () => {
      process.stdout.write('held\n');
      await new Promise<void>((resolve) => {
        process.stdin.on('data', () => undefined);
        process.stdin.once('end', resolve);
        process.stdin.once('close', resolve);
      });
    },
    { staleMs },
  );
  process.stdout.write('released\n');
}

async function crash(): Promise<void> {
  await withFileLock(lockPath as string, async () => {
    process.stdout.write('held\n', () => process.exit(3));
    await new Promise(() => undefined);
  });
}

async function main(): Promise<void> {
  if (mode === 'count') await count(rest[0] as string, rest[1] as string, Number(rest[2]));
  else if (mode === 'hold') await hold(Number(rest[0]));
  else if (mode === 'crash') await crash();
  else throw new Error(`unknown mode ${mode}`);
  process.stdout.write('done\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
