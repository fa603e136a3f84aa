/**
 * Runs the built-in demo provider for one Latchkey process. Its issuer follows from its port, so the engine
 * can restore sessions (which needs no provider) before it runs; it is started when discovery first needs it
 * (or at once, for the desktop app). If another Latchkey process already serves it on that port (the app,
 * `latchkey idp`), that one is used.
 */
import { join } from 'node:path';
import { AuthError } from '../shared/errors';
import type { DemoProvider, DemoProviderOptions } from './idp';
import { importWithoutRuntimeNotice } from './idp/load';

export const DEFAULT_DEMO_PORT = 4600;

export interface EmbeddedProviderSettings {
  /** Port chosen by the caller (tests); wins over LATCHKEY_IDP_PORT, which wins over config.yaml. */
  port?: number;
  /** From config.yaml's `providers.<name>.port`. */
  configPort?: number;
  accessTokenTtlSeconds?: number;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

/** Loaded on first use: most CLI runs (status, token with a valid token) never need the provider. */
async function startDemoProvider(options: DemoProviderOptions): Promise<DemoProvider> {
  const idp = await importWithoutRuntimeNotice(() => import('./idp'));
  return idp.startDemoProvider(options);
}

/** Is a Latchkey demo provider already answering at this issuer? */
async function isDemoProviderRunning(issuer: string, fetchImpl: typeof fetch): Promise<boolean> {
  try {
    const response = await fetchImpl(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) return false;
    return ((await response.json()) as { issuer?: unknown }).issuer === issuer;
  } catch {
    return false;
  }
}

export class EmbeddedProviderHost {
  readonly issuer: string;
  #running: DemoProvider | null;
  #starting: Promise<void> | null;

  private constructor(
    private readonly settings: EmbeddedProviderSettings,
    readonly port: number,
    running: DemoProvider | null,
  ) {
    this.issuer = `http://127.0.0.1:${port}`;
    this.#running = running;
    this.#starting = running ? Promise.resolve() : null;
  }

  /** Resolves the port; an ephemeral one (0) is only known once listening, so that provider starts now. */
  static async create(settings: EmbeddedProviderSettings): Promise<EmbeddedProviderHost> {
    const env = settings.env ?? process.env;
    const port = settings.port ?? (env.LATCHKEY_IDP_PORT ? Number(env.LATCHKEY_IDP_PORT) : undefined) ?? settings.configPort ?? DEFAULT_DEMO_PORT;
    if (port !== 0) return new EmbeddedProviderHost(settings, port, null);
    const running = await startDemoProvider(EmbeddedProviderHost.providerOptions(settings, 0));
    return new EmbeddedProviderHost(settings, running.port, running);
  }

  private static providerOptions(settings: EmbeddedProviderSettings, port: number): DemoProviderOptions {
    return {
      dataDir: join(settings.dataDir, 'demo-provider'),
      port,
      ...(settings.accessTokenTtlSeconds ? { accessTokenTtlSeconds: settings.accessTokenTtlSeconds } : {}),
      ...(settings.log ? { log: settings.log } : {}),
    };
  }

  /** Starts the provider unless it (or another process's) is running. Concurrent callers share one start. */
  ensureRunning(): Promise<void> {
    this.#starting ??= this.#start().catch((err: unknown) => {
      this.#starting = null; // the next attempt tries again
      throw err;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    try {
      this.#running = await startDemoProvider(EmbeddedProviderHost.providerOptions(this.settings, this.port));
    } catch (err) {
      if ((err as { code?: unknown }).code === 'EADDRINUSE' && (await isDemoProviderRunning(this.issuer, this.settings.fetch ?? fetch))) return;
      throw new AuthError('network', `The built-in demo provider could not start on ${this.issuer}.`, {
        cause: err,
        hint: `Something else uses port ${this.port}. Set providers.demo.port in config.yaml or LATCHKEY_IDP_PORT to a free port.`,
      });
    }
  }

  async close(): Promise<void> {
    const running = this.#running;
    this.#running = null;
    await running?.close();
  }
}
