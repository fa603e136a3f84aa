/**
 * Composes the Latchkey engine from real adapters: config.yaml, the OS keychain, the embedded demo provider,
 * the auth-event log, a browser opener and fetch. The desktop app and the CLI both start here; nothing else
 * builds real adapters.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AuthError } from '../shared/errors';
import type { SessionEngine, SessionState } from '../shared/session';
import { AuthEventLog } from './auth/event-log';
import { ProviderRegistry, type ProviderSettings } from './auth/providers';
import { SessionManager } from './auth/session-manager';
import { DEMO_CLIENT_ID } from './idp/config';
import { importWithoutRuntimeNotice } from './idp/load';
import type { DemoProvider, DemoProviderOptions } from './idp';
import { ConfigStore, defaultConfigPath, type LatchkeyConfig } from './store/config';
import { SecretVault } from './store/secrets';

export const DEFAULT_DEMO_PORT = 4600;

/** Loaded on first use: most CLI runs (status, token with a valid token) never need the provider. */
async function startDemoProvider(options: DemoProviderOptions): Promise<DemoProvider> {
  const idp = await importWithoutRuntimeNotice(() => import('./idp'));
  return idp.startDemoProvider(options);
}

export interface LatchkeyOptions {
  configPath?: string;
  keychainService?: string;
  openBrowser: (url: string) => Promise<void>;
  fetch?: typeof fetch;
  now?: () => number;
  /**
   * The embedded demo provider: its port (default: config, then LATCHKEY_IDP_PORT, then 4600), the access
   * token lifetime, and whether to start it at once (`eager`, the desktop app) or on first need (`lazy`, the
   * CLI: a `status` with a valid token starts no server). `false`: never start it.
   */
  embeddedProvider?: { port?: number; accessTokenTtlSeconds?: number; start?: 'eager' | 'lazy' } | false;
  signInTimeoutMs?: number;
  /** `app`: refreshes tokens in the background and honours `expiry_days: 0` on close. `cli`: one-shot. */
  role?: 'app' | 'cli';
  log?: (line: string) => void;
}

export interface Latchkey {
  engine: SessionEngine;
  restore(): Promise<SessionState>;
  getAccessToken(accountKey?: string): Promise<string>;
  close(): Promise<void>;
  paths: { configPath: string; dataDir: string };
  /** The embedded provider's issuer, when the config uses it. */
  embeddedIssuer?: string;
}

/** Reads config.yaml once to learn about the embedded provider; an invalid file is reported later by restore(). */
async function readConfigQuietly(store: ConfigStore): Promise<LatchkeyConfig | null> {
  try {
    return await store.load();
  } catch {
    return null;
  }
}

function embeddedSettings(config: LatchkeyConfig | null): (ProviderSettings & { port?: number; access_token_ttl_seconds?: number }) | undefined {
  if (!config) return undefined;
  return Object.values(config.providers).find((p) => (p as ProviderSettings).embedded) as
    | (ProviderSettings & { port?: number; access_token_ttl_seconds?: number })
    | undefined;
}

/** Is a Latchkey demo provider (another Latchkey process's) already answering at this issuer? */
async function isDemoProviderRunning(issuer: string, fetchImpl: typeof fetch): Promise<boolean> {
  try {
    const response = await fetchImpl(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) return false;
    const metadata = (await response.json()) as { issuer?: unknown };
    return metadata.issuer === issuer;
  } catch {
    return false;
  }
}

export async function createLatchkey(options: LatchkeyOptions): Promise<Latchkey> {
  const configPath = options.configPath ?? defaultConfigPath();
  const dataDir = dirname(configPath);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const role = options.role ?? 'app';
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const config = new ConfigStore({ path: configPath });
  const vault = new SecretVault({
    service: options.keychainService ?? process.env.LATCHKEY_KEYCHAIN_SERVICE ?? 'Latchkey',
    dir: join(dataDir, 'secrets'),
  });
  const events = new AuthEventLog({ path: join(dataDir, 'auth-events.jsonl'), ...(options.now ? { now: options.now } : {}) });

  // The embedded demo provider: its issuer is known from its port before it runs, so the engine can restore
  // sessions without starting it, and start it only when discovery is needed.
  const initial = await readConfigQuietly(config);
  const embedded = embeddedSettings(initial);
  let demo: DemoProvider | null = null;
  let demoStarting: Promise<void> | null = null;
  let embeddedIssuer: string | undefined;
  const embeddedOptions = options.embeddedProvider === false ? null : options.embeddedProvider ?? {};
  const ensureDemoProvider = (): Promise<void> => {
    demoStarting ??= (async () => {
      if (!embeddedOptions || !embeddedIssuer) return;
      const port = Number(new URL(embeddedIssuer).port);
      try {
        demo = await startDemoProvider({
          dataDir: join(dataDir, 'demo-provider'),
          port,
          ...(embeddedOptions.accessTokenTtlSeconds ?? embedded?.access_token_ttl_seconds
            ? { accessTokenTtlSeconds: (embeddedOptions.accessTokenTtlSeconds ?? embedded?.access_token_ttl_seconds) as number }
            : {}),
          ...(options.log ? { log: options.log } : {}),
        });
      } catch (err) {
        // Another Latchkey process (the app, `latchkey idp`) already serves it: use that one.
        if ((err as { code?: unknown }).code === 'EADDRINUSE' && (await isDemoProviderRunning(embeddedIssuer, fetchImpl))) return;
        demoStarting = null;
        throw new AuthError('network', `The built-in demo provider could not start on ${embeddedIssuer}.`, {
          cause: err,
          hint: `Something else uses port ${port}. Set providers.demo.port in config.yaml or LATCHKEY_IDP_PORT to a free port.`,
        });
      }
    })();
    return demoStarting;
  };
  if (embedded && embeddedOptions) {
    let port = embeddedOptions.port ?? embedded.port ?? Number(process.env.LATCHKEY_IDP_PORT || DEFAULT_DEMO_PORT);
    if (port === 0) {
      // An ephemeral port is only known once listening: start now.
      demo = await startDemoProvider({
        dataDir: join(dataDir, 'demo-provider'),
        port: 0,
        ...(embeddedOptions.accessTokenTtlSeconds ? { accessTokenTtlSeconds: embeddedOptions.accessTokenTtlSeconds } : {}),
      });
      port = demo.port;
      demoStarting = Promise.resolve();
    }
    embeddedIssuer = `http://127.0.0.1:${port}`;
    if ((embeddedOptions.start ?? (role === 'app' ? 'eager' : 'lazy')) === 'eager') {
      await ensureDemoProvider().catch((err: unknown) => options.log?.(`demo provider: ${(err as Error).message}`));
    }
  }

  const manager = new SessionManager({
    config,
    vault,
    events,
    openBrowser: options.openBrowser,
    lockDir: join(dataDir, 'locks'),
    autoRefresh: role === 'app',
    ...(initial ? { initialConfig: initial } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.signInTimeoutMs !== undefined ? { signInTimeoutMs: options.signInTimeoutMs } : {}),
    ...(options.log ? { log: options.log } : {}),
    createProviderRegistry: (providers) =>
      new ProviderRegistry({
        providers,
        embeddedClientId: DEMO_CLIENT_ID,
        ...(embeddedIssuer ? { embeddedIssuer } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        beforeDiscovery: async (provider) => {
          if (provider.embedded) await ensureDemoProvider();
        },
      }),
  });
  await mkdir(join(dataDir, 'locks'), { recursive: true, mode: 0o700 });

  return {
    engine: manager,
    restore: () => manager.restore(),
    getAccessToken: (accountKey) => manager.getAccessToken(accountKey),
    close: async () => {
      await manager.close({ endSessions: role === 'app' });
      await (demo as DemoProvider | null)?.close();
    },
    paths: { configPath, dataDir },
    ...(embeddedIssuer ? { embeddedIssuer } : {}),
  };
}
