/**
 * What every scenario shares: a temp data folder with a config.yaml whose provider `local` is the demo
 * identity provider reached like any third-party OpenID Connect provider (discovery + client id), that
 * provider running on an ephemeral port, Chromium as the system browser, a unique keychain service in the
 * private keychain, and the baselines' clients. Everything is torn down (and every keychain entry the
 * benchmark created is deleted) by `close()`.
 */
import { join } from 'node:path';
import type * as oidc from 'openid-client';
import { createLatchkey, type Latchkey, type LatchkeyOptions } from '../../src/main/app';
import { startDemoProvider, type DemoProvider } from '../../src/main/idp';
import { SecretVault } from '../../src/main/store/secrets';
import { freePort, tempHome, writeGenericProviderConfig, type TempHome } from '../../test/helpers/engine-fixture';
import { launchSystemBrowser } from '../../test/helpers/system-browser';
import { AppAuthClient } from './appauth-client';
import { discoverBare } from './bare-client';

export const PROVIDER_NAME = 'local';
/** The provider's demo API, configured under apis: for the session of `local` (rows 12a and 12b). */
export const API_NAME = 'local-api';

export type SystemBrowser = Awaited<ReturnType<typeof launchSystemBrowser>>;

export class BenchEnvironment {
  readonly #cleanups: Array<() => Promise<unknown>> = [];
  /** Keychain entries the benchmark created, deleted on close. */
  readonly #vaultEntries: Array<{ vault: SecretVault; key: string }> = [];

  private constructor(
    readonly home: TempHome,
    readonly provider: DemoProvider,
    readonly browser: SystemBrowser,
    readonly bare: oidc.Configuration,
    readonly appAuth: AppAuthClient,
    /** A loopback redirect URI nobody listens on: the baselines' redirects are caught in the browser. */
    readonly bareRedirectUri: string,
  ) {}

  static async start(): Promise<BenchEnvironment> {
    const cleanups: Array<() => Promise<unknown>> = [];
    try {
      const home = await tempHome();
      cleanups.push(home.cleanup);
      const provider = await startDemoProvider({ dataDir: join(home.dir, 'provider'), port: 0 });
      cleanups.push(() => provider.close());
      await writeGenericProviderConfig(home.configPath, provider.issuer, `apis:\n  ${API_NAME}:\n    provider: ${PROVIDER_NAME}\n    base_url: ${provider.issuer}/api\n`);
      const browser = await launchSystemBrowser();
      cleanups.push(() => browser.close());
      const [bare, appAuth, port] = await Promise.all([discoverBare(provider.issuer), AppAuthClient.create(provider.issuer), freePort()]);
      const environment = new BenchEnvironment(home, provider, browser, bare, appAuth, `http://127.0.0.1:${port}/callback`);
      environment.#cleanups.push(...cleanups);
      return environment;
    } catch (error) {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      throw error;
    }
  }

  /** The vault of the main data folder, as the engine builds it. */
  vault(): SecretVault {
    return new SecretVault({ service: this.home.keychainService, dir: join(this.home.dir, 'secrets') });
  }

  /** A vault for another data folder and keychain service (as the engine would build it there). */
  vaultAt(dataDir: string, service: string): SecretVault {
    return new SecretVault({ service, dir: join(dataDir, 'secrets') });
  }

  /** Deletes the entry (keychain key and token file) when the benchmark ends. */
  trackVaultEntry(vault: SecretVault, key: string): void {
    this.#vaultEntries.push({ vault, key });
  }

  /**
   * An engine on the main data folder (by default) that never starts an embedded provider. The caller
   * closes it: scenarios create hundreds, and keeping them all alive until the end would skew memory.
   */
  engine(options: Partial<LatchkeyOptions> & Pick<LatchkeyOptions, 'openBrowser'>): Promise<Latchkey> {
    return createLatchkey({
      configPath: this.home.configPath,
      keychainService: this.home.keychainService,
      embeddedProvider: false,
      role: 'cli',
      ...options,
    });
  }

  onClose(cleanup: () => Promise<unknown>): void {
    this.#cleanups.push(cleanup);
  }

  async close(): Promise<void> {
    for (const { vault, key } of this.#vaultEntries.splice(0)) await vault.delete(key).catch(() => undefined);
    for (const cleanup of this.#cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  }
}

/** An openBrowser for engines that must never open one (restore with a valid token). */
export function refuseBrowser(url: string): Promise<void> {
  return Promise.reject(new Error(`unexpected browser request for ${new URL(url).origin}`));
}
