/**
 * Runs the built-in demo provider for one Latchkey process. Its issuer follows from its port, so the engine
 * can restore sessions (which needs no provider) before it runs; it is started when discovery first needs it
 * (or at once, for the desktop app). If another Latchkey process already serves it on that port (the app,
 * `latchkey idp`), that one is used — but only once it has proved that it holds this data folder's
 * provider keys (idp/ownership.ts): whatever else listens on the port first is refused, with the process
 * named where the OS tells, never taken for the provider people type their passwords into.
 */
import { join } from 'node:path';
import { AuthError } from '../shared/errors';
import type { DemoProvider, DemoProviderOptions } from './idp';
import { importWithoutRuntimeNotice } from './idp/load';
import { checkOwnership } from './idp/ownership';
import { describePortHolder } from './port-holder';

export const DEFAULT_DEMO_PORT = 4600;

export interface EmbeddedProviderSettings {
  /** Port chosen by the caller (tests); wins over LATCHKEY_IDP_PORT, which wins over config.yaml. */
  port?: number;
  /** From config.yaml's `providers.<name>.port`. */
  configPort?: number;
  accessTokenTtlSeconds?: number;
  dataDir: string;
  /** How long a provider found on the port may take to prove it is ours (default 5 s). */
  ownershipTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

/** Loaded on first use: most CLI runs (status, token with a valid token) never need the provider. */
async function startDemoProvider(options: DemoProviderOptions): Promise<DemoProvider> {
  const idp = await importWithoutRuntimeNotice(() => import('./idp'));
  return idp.startDemoProvider(options);
}

export class EmbeddedProviderHost {
  readonly issuer: string;
  #running: DemoProvider | null;
  #starting: Promise<void> | null;
  #closed = false;

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

  /**
   * Starts the provider unless this process runs it. Concurrent callers share one attempt. Another
   * process's provider is checked again on every call (it may have stopped, and something else may hold
   * the port now); callers ask before discovery, not per request.
   */
  ensureRunning(): Promise<void> {
    if (this.#running) return Promise.resolve();
    if (this.#closed) return Promise.reject(new AuthError('network', 'The built-in demo provider has been stopped.'));
    this.#starting ??= this.#start().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const options = EmbeddedProviderHost.providerOptions(this.settings, this.port);
    // A second try only when nothing answered on the port: its holder may have just stopped.
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.#running = await startDemoProvider(options);
        return;
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'EADDRINUSE') {
          throw new AuthError('network', `The built-in demo provider could not start on ${this.issuer}.`, {
            cause: err,
            hint: 'Set providers.demo.port in config.yaml or LATCHKEY_IDP_PORT to a port Latchkey may use.',
          });
        }
      }
      const check = await checkOwnership({
        issuer: this.issuer,
        dataDir: options.dataDir,
        ...(this.settings.fetch ? { fetch: this.settings.fetch } : {}),
        ...(this.settings.ownershipTimeoutMs !== undefined ? { timeoutMs: this.settings.ownershipTimeoutMs } : {}),
      });
      if (check.ours) {
        this.settings.log?.(`demo provider: using the one another Latchkey process runs at ${this.issuer}`);
        return;
      }
      if (!check.answered && attempt < 2) continue;
      const holder = await describePortHolder(this.port).catch(() => undefined);
      throw new AuthError(
        'network',
        `Port ${this.port} on 127.0.0.1 is held by ${holder ?? 'another program'}, which is not Latchkey's demo provider for this data folder: ${check.reason}.`,
        { hint: 'Stop that program, or set providers.demo.port in config.yaml or LATCHKEY_IDP_PORT to a free port.' },
      );
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const running = this.#running;
    this.#running = null;
    await running?.close();
  }
}
