/** `latchkey idp [--port N]`: the built-in demo identity provider in the foreground (loads oidc-provider). */
import { dirname, join } from 'node:path';
import { DEFAULT_DEMO_PORT } from '../embedded-provider-host';
import type { CommandContext } from './context';

export async function idp(context: CommandContext): Promise<number> {
  const { values, io } = context;
  const { ConfigStore, defaultConfigPath } = await import('../store/config');
  const path = values.config ?? io.env.LATCHKEY_CONFIG ?? defaultConfigPath(io.env);
  const fromConfig = await new ConfigStore({ path }).load().then(
    (config) => Object.values(config.providers).find((p) => (p as { embedded?: boolean }).embedded) as { port?: number } | undefined,
    () => undefined,
  );
  const chosenPort = Number(values.port ?? io.env.LATCHKEY_IDP_PORT ?? fromConfig?.port ?? DEFAULT_DEMO_PORT);
  if (!Number.isInteger(chosenPort) || chosenPort < 0 || chosenPort > 65535) {
    io.stderr(`latchkey: --port must be a port number\n`);
    return 2;
  }
  const { importWithoutRuntimeNotice } = await import('../idp/load');
  const { runDemoProviderForeground } = await importWithoutRuntimeNotice(() => import('../idp/standalone'));
  await runDemoProviderForeground({ dataDir: join(dirname(path), 'demo-provider'), port: chosenPort });
  return 0;
}
