/**
 * Running the demo provider in the foreground (`latchkey idp`): prints where it is and how to sign in,
 * then serves until SIGINT/SIGTERM (or `signal`). The printing lives here, not in the provider itself.
 */
import { DEMO_CLIENT_ID, DEMO_USERS, startDemoProvider, type DemoProviderOptions } from './index';

export interface ForegroundOptions extends DemoProviderOptions {
  /** Where the banner goes; default stdout. */
  print?: (line: string) => void;
  /** Stops the provider when aborted (in addition to SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

/** Resolves once the provider has stopped; rejects when it cannot start (e.g. `code === 'EADDRINUSE'`). */
export async function runDemoProviderForeground(options: ForegroundOptions): Promise<void> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { print: _print, signal, ...providerOptions } = options;
  const provider = await startDemoProvider(providerOptions);

  print(`Latchkey demo provider running at ${provider.issuer}`);
  print(`  discovery: ${provider.issuer}/.well-known/openid-configuration`);
  print(`  client id: ${DEMO_CLIENT_ID}`);
  print(`  data:      ${options.dataDir}`);
  print(`  demo users (username / password): ${DEMO_USERS.map((user) => `${user.username} / ${user.password}`).join(', ')}`);
  print('Press Ctrl+C to stop.');

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (signal?.aborted === true) stop();
    else signal?.addEventListener('abort', stop);
  });

  await provider.close();
  print('Latchkey demo provider stopped.');
}
