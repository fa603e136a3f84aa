/**
 * A separate process for test/hardening/edge-cases.test.ts: the demo provider on a machine whose clock is off.
 * Date.now() is shifted before the provider starts, so every time it puts into tokens (iat, exp, auth_time)
 * and every expiry it checks runs on the skewed clock, as on a provider host whose clock is wrong.
 *
 *   serve <dataDir> <skewSeconds>   prints "listening <port>", serves until stdin closes
 */
import { startDemoProvider } from '../../src/main/idp';

const [mode, dataDir, skew] = process.argv.slice(2);

async function main(): Promise<void> {
  if (mode !== 'serve') throw new Error(`unknown mode ${mode}`);
  const offsetMs = Number(skew) * 1000;
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + offsetMs;
  // oidc-provider reads Date.now() at each use (epochTime), so shifting it before the start is enough.
  const provider = await startDemoProvider({ dataDir: dataDir as string, port: 0 });
  process.stdout.write(`listening ${provider.port}\n`);
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.once('close', resolve));
  await provider.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
