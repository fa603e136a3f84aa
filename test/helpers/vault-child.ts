/**
 * A separate process for test/secrets.test.ts: uses the vault in whatever environment the test gives it
 * (e.g. no D-Bus session at all) and prints what happened as one JSON line.
 *
 *   check <service> <dir>   runs check(), set() and get() and reports the first error's code, message and hint
 *   churn <service> <dir> <account> <count>   stores <count> token sets one after another (obtainedAt 1..count)
 */
import { isAuthError } from '../../src/shared/errors';
import { SecretVault } from '../../src/main/store/secrets';

const [mode, service, dir] = process.argv.slice(2);

async function churn(account: string, count: number): Promise<void> {
  const vault = new SecretVault({ service: service as string, dir: dir as string });
  for (let n = 1; n <= count; n++) await vault.set(account, { accessToken: `churn-${n}`, refreshToken: `churn-rt-${n}`, obtainedAt: n });
  process.stdout.write('done\n');
}

async function main(): Promise<void> {
  if (mode === 'churn') return churn(process.argv[5] as string, Number(process.argv[6]));
  if (mode !== 'check') throw new Error(`unknown mode ${mode}`);
  const vault = new SecretVault({ service: service as string, dir: dir as string });
  const outcomes: Record<string, unknown> = {};
  const attempts: Array<[string, () => Promise<unknown>]> = [
    ['check', () => vault.check()],
    ['set', () => vault.set('demo-alice', { accessToken: 'child-access-token', obtainedAt: Date.now() })],
    ['get', () => vault.get('demo-alice')],
  ];
  for (const [name, attempt] of attempts) {
    try {
      await attempt();
      outcomes[name] = { ok: true };
    } catch (error) {
      outcomes[name] = isAuthError(error) ? { ok: false, ...error.toInfo() } : { ok: false, code: 'not-an-AuthError', message: String(error) };
    }
  }
  process.stdout.write(`${JSON.stringify(outcomes)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
