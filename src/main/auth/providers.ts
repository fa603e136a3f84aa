/**
 * The provider registry: config.yaml's `providers:` resolved (provider-resolution.ts) and, on first need,
 * turned into provider clients (provider-client.ts).
 *
 * Metadata needs the network, and a start-up with a valid access token must need none, so clients are created
 * lazily, on the first sign-in, refresh or revocation, and cached for the life of the process. A failed
 * attempt is not cached: the next one tries again.
 */
import { AuthError } from '../../shared/errors';
import type { ProviderMark, ProviderSummary } from '../../shared/session';
import type { ProviderConfig } from '../store/schema';
import { describeProviderCapabilities } from './provider-capabilities';
import { createProviderClient, type ProviderClient } from './provider-client';
import { describeRedirect, resolveProvider, type ResolvedProvider } from './provider-resolution';

export type { ResolvedProvider } from './provider-resolution';

export interface ProviderRegistryOptions {
  providers: Record<string, ProviderConfig>;
  /** The issuer of the embedded demo provider in this process, if it runs. */
  embeddedIssuer?: string;
  /** The client id the embedded demo provider registers. */
  embeddedClientId: string;
  fetch?: typeof fetch;
  /** Seconds to tolerate between our clock and the provider's (ID token iat/exp checks). */
  clockToleranceSeconds?: number;
  /** Request timeout in seconds for calls to the provider. */
  timeoutSeconds?: number;
  /** Runs before a provider's first metadata load (starts the embedded provider on demand). */
  beforeDiscovery?: (provider: ResolvedProvider) => Promise<void>;
}

function markOf(provider: ResolvedProvider): ProviderMark {
  if (provider.embedded) return 'demo';
  return provider.preset ?? (provider.protocol === 'oidc' ? 'openid' : 'oauth');
}

export class ProviderRegistry {
  readonly #options: ProviderRegistryOptions;
  readonly #clients = new Map<string, Promise<ProviderClient>>();
  readonly #labels = new Map<string, string>();

  constructor(options: ProviderRegistryOptions) {
    this.#options = options;
  }

  names(): string[] {
    return Object.keys(this.#options.providers);
  }

  /** Resolves a configured provider to what the flow needs; throws `unknown_provider`. */
  resolve(name: string): ResolvedProvider {
    const entry = Object.hasOwn(this.#options.providers, name) ? this.#options.providers[name] : undefined;
    if (!entry) {
      throw new AuthError('unknown_provider', `No provider named "${name}" is configured.`, {
        hint: `Add it under providers: in config.yaml, or use one of: ${this.names().join(', ') || '(none)'}.`,
      });
    }
    return resolveProvider(name, entry, {
      embeddedClientId: this.#options.embeddedClientId,
      ...(this.#options.embeddedIssuer ? { embeddedIssuer: this.#options.embeddedIssuer } : {}),
    });
  }

  /** The provider's label (for every account summary: memoised, resolution is not free with many accounts). */
  label(name: string): string {
    let label = this.#labels.get(name);
    if (label === undefined) {
      try {
        label = this.resolve(name).label;
      } catch {
        label = this.#options.providers[name]?.label ?? name;
      }
      this.#labels.set(name, label);
    }
    return label;
  }

  /** The providers one signs in with in the browser (local accounts have their own form, not a button). */
  summaries(): ProviderSummary[] {
    return this.names().filter((name) => this.#options.providers[name]?.local !== true).map((name) => {
      const entry = this.#options.providers[name] as ProviderConfig;
      let provider: ResolvedProvider | undefined;
      try {
        provider = this.resolve(name);
      } catch {
        provider = undefined;
      }
      const summary: ProviderSummary = {
        name,
        label: provider?.label ?? entry.label ?? (entry.embedded ? 'Demo' : name),
        embedded: entry.embedded === true,
        mark: provider ? markOf(provider) : entry.embedded ? 'demo' : 'openid',
      };
      if (provider) {
        summary.issuer = provider.displayIssuer;
        summary.redirectUris = provider.redirects.map(describeRedirect);
        summary.details = describeProviderCapabilities(provider);
        if (provider.deviceFlow !== undefined) summary.deviceFlow = provider.deviceFlow;
        if (!provider.pkce) summary.warning = 'PKCE is switched off for this provider (pkce: false): another program on this computer could take over a sign-in.';
      }
      return summary;
    });
  }

  /** The provider's client, with its metadata loaded and checked (cached per process). */
  client(name: string): Promise<ProviderClient> {
    const cached = this.#clients.get(name);
    if (cached) return cached;
    const pending = this.#create(this.resolve(name));
    this.#clients.set(name, pending);
    pending.catch(() => this.#clients.delete(name));
    return pending;
  }

  async #create(provider: ResolvedProvider): Promise<ProviderClient> {
    await this.#options.beforeDiscovery?.(provider);
    return createProviderClient(provider, {
      ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
      timeoutSeconds: this.#options.timeoutSeconds ?? 15,
      ...(this.#options.clockToleranceSeconds !== undefined ? { clockToleranceSeconds: this.#options.clockToleranceSeconds } : {}),
    });
  }
}
