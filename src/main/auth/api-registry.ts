/**
 * config.yaml's `apis:` resolved: for each API its provider, the base URL its requests must stay under, its
 * bounds, and which dashboard panel it can feed. The built-in demo provider's API defaults to the demo API it
 * serves on its own port (`<issuer>/api`), so a config needs no port written twice.
 */
import type { ApiDashboard, ApiSummary } from '../../shared/api';
import { AuthError } from '../../shared/errors';
import { DEFAULT_API_MAX_RESPONSE_BYTES, DEFAULT_API_TIMEOUT_SECONDS, type LatchkeyConfig } from '../store/schema';
import type { ProviderRegistry, ResolvedProvider } from './providers';

export interface ResolvedApi {
  name: string;
  label: string;
  provider: string;
  baseUrl: string;
  timeoutMs: number;
  maxResponseBytes: number;
  /** The built-in provider's demo API: served by the provider itself, which must be running. */
  embedded: boolean;
  dashboard?: ApiDashboard;
}

/** The path of the demo API below the demo provider's issuer. */
export const DEMO_API_PATH = '/api';

function dashboardFor(provider: ResolvedProvider | undefined): ApiDashboard | undefined {
  if (provider?.embedded) return 'demo-projects';
  if (provider?.preset === 'github') return 'github-repositories';
  return undefined;
}

function resolveOne(name: string, config: LatchkeyConfig, providers: ProviderRegistry): ResolvedApi | undefined {
  const entry = config.apis[name];
  if (!entry) return undefined;
  let provider: ResolvedProvider | undefined;
  try {
    provider = providers.resolve(entry.provider);
  } catch {
    provider = undefined; // e.g. the built-in provider is not hosted by this process: no default base URL then
  }
  const baseUrl = entry.base_url ?? (provider?.embedded ? `${provider.displayIssuer}${DEMO_API_PATH}` : undefined);
  if (!baseUrl) return undefined;
  const dashboard = dashboardFor(provider);
  return {
    name,
    label: entry.label ?? (provider ? `${provider.label} API` : name),
    provider: entry.provider,
    baseUrl,
    timeoutMs: (entry.timeout_seconds ?? DEFAULT_API_TIMEOUT_SECONDS) * 1000,
    maxResponseBytes: entry.max_response_bytes ?? DEFAULT_API_MAX_RESPONSE_BYTES,
    embedded: provider?.embedded === true,
    ...(dashboard ? { dashboard } : {}),
  };
}

/** Every API that can be used in this process, in file order. */
export function resolveApis(config: LatchkeyConfig, providers: ProviderRegistry): ResolvedApi[] {
  return Object.keys(config.apis).flatMap((name) => resolveOne(name, config, providers) ?? []);
}

/** One API by name, or `unknown_api` naming the ones there are. */
export function requireApi(name: string, config: LatchkeyConfig, providers: ProviderRegistry): ResolvedApi {
  const api = Object.hasOwn(config.apis, name) ? resolveOne(name, config, providers) : undefined;
  if (!api) {
    const known = Object.keys(config.apis);
    throw new AuthError('unknown_api', Object.hasOwn(config.apis, name) ? `The API "${name}" cannot be used: its provider is not available in this process.` : `No API named "${name}" is configured.`, {
      hint: known.length > 0 ? `Configured under apis: in config.yaml: ${known.join(', ')}.` : 'Add it under apis: in config.yaml, e.g. apis: { demo: { provider: demo } }.',
    });
  }
  return api;
}

export function summarizeApi(api: ResolvedApi): ApiSummary {
  return { name: api.name, label: api.label, provider: api.provider, baseUrl: api.baseUrl, ...(api.dashboard ? { dashboard: api.dashboard } : {}) };
}
