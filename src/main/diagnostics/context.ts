/**
 * What every group of checks of `latchkey doctor` gets: where the data folder and config.yaml are, the
 * environment, the one fetch every request goes through (the CLI's proxy-aware fetch, the app's net.fetch) and
 * how to say which way a request to a URL travels (proxy or direct). Built by run.ts; types only.
 */
import type { DiagnosticCheck } from '../../shared/diagnostics';

export interface DiagnosticsContext {
  configPath: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** The keychain service name the engine uses (LATCHKEY_KEYCHAIN_SERVICE, else `Latchkey`). */
  keychainService: string;
  fetch: typeof fetch;
  /** How a request to `url` travels, in words: "through the proxy http://proxy:3128/", "directly (...)". */
  routeOf(url: URL): Promise<string>;
  now(): number;
  /** How long one network request may take. */
  timeoutMs: number;
}

export type Check = DiagnosticCheck;
