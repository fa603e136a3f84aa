/**
 * `latchkey doctor` and the app's "Check this computer": runs every group of checks in order and returns one
 * typed, redacted report (src/shared/diagnostics.ts). It works when people need it most — config.yaml invalid,
 * the keychain locked, the network behind a proxy — and it changes nothing: no sign-in is started, no file is
 * written, no provider is started; the keychain check's throwaway entry is deleted again.
 */
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { summarise, type DiagnosticsReport } from '../../shared/diagnostics';
import { createNetworkFetch } from '../network/proxy-fetch';
import { checkConfig } from '../store/config-parse';
import { DEFAULT_CONFIG_YAML } from '../store/default-config';
import { checkConfigFile } from './config';
import type { Check, DiagnosticsContext } from './context';
import { checkDataFolder } from './data-folder';
import { checkLoopback } from './loopback';
import { checkNetwork } from './network';
import { resolveConfiguredProviders } from './providers';
import { environmentProxyCheck, environmentRoute, systemProxyCheck } from './proxy';
import { redactReport } from './redact';
import { checkRegistration } from './registration';
import { checkStorage } from './storage';

export interface DiagnosticsOptions {
  configPath: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Default: LATCHKEY_KEYCHAIN_SERVICE, else `Latchkey` (as the engine). */
  keychainService?: string;
  /** Default: the CLI's fetch for `env` (its proxy variables). */
  fetch?: typeof fetch;
  /** `environment` (the CLI: proxy variables) or `system` (the app: Chromium's settings, described by `routeOf`). */
  proxy?: { kind: 'environment' } | { kind: 'system'; routeOf: (url: URL) => Promise<string> };
  now?: () => number;
  timeoutMs?: number;
  /** Shown as `~` (default: this user's home folder). */
  home?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

function skippedBecause(reason: string): Check[] {
  return (['loopback', 'network', 'registration'] as const).map((group) => ({ group, id: 'providers', title: 'Providers', status: 'skipped' as const, detail: reason }));
}

export async function runDiagnostics(options: DiagnosticsOptions): Promise<DiagnosticsReport> {
  const env = options.env ?? process.env;
  const configPath = resolve(options.configPath);
  const proxy = options.proxy ?? { kind: 'environment' };
  const context: DiagnosticsContext = {
    configPath,
    dataDir: dirname(configPath),
    env,
    platform: options.platform ?? process.platform,
    keychainService: options.keychainService ?? env.LATCHKEY_KEYCHAIN_SERVICE ?? 'Latchkey',
    fetch: options.fetch ?? createNetworkFetch(env) ?? fetch,
    routeOf: proxy.kind === 'system' ? proxy.routeOf : environmentRoute(env),
    now: options.now ?? Date.now,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  const createdAt = new Date(context.now()).toISOString();

  const config = await checkConfigFile(context);
  const checks: Check[] = [...(await checkStorage(context, config.storage)), ...(await checkDataFolder(context)), ...config.checks];

  // No file yet: the default config is what the first start writes, so its providers are the ones to check.
  const usable = config.exists ? config.config : (() => {
    const parsed = checkConfig(DEFAULT_CONFIG_YAML);
    return parsed.ok ? parsed.parsed.config : null;
  })();
  const proxyCheck = proxy.kind === 'system' ? systemProxyCheck() : environmentProxyCheck(env);
  if (usable === null) {
    checks.push(proxyCheck, ...skippedBecause('config.yaml is not valid: the providers are checked once it is'));
  } else {
    const found = resolveConfiguredProviders(usable, context);
    checks.push(...(await checkLoopback(context, found.providers)));
    checks.push(proxyCheck, ...(await checkNetwork(context, found.providers, found.embeddedPort)));
    checks.push(...found.checks, ...checkRegistration(found.providers));
  }

  const report: DiagnosticsReport = {
    version: 1,
    createdAt,
    platform: `${context.platform} ${process.arch}`,
    configPath,
    checks,
    summary: summarise(checks),
  };
  return redactReport(report, { home: options.home ?? homedir(), secrets: config.secrets });
}
