/**
 * Providers: turning `providers:` in config.yaml into openid-client Configurations.
 *
 * Discovery needs the network, and a start-up with a valid access token must need none, so configurations are
 * discovered lazily, on the first sign-in, refresh or revocation, and cached for the life of the process. A
 * failed discovery is not cached: the next attempt tries again.
 */
import * as oidc from 'openid-client';
import { AuthError } from '../../shared/errors';
import type { ProviderSummary } from '../../shared/session';
import { translateOidcError } from './oidc-errors';

/** The subset of a provider's config.yaml entry that the engine reads. */
export interface ProviderSettings {
  label?: string;
  embedded?: boolean;
  issuer?: string;
  client_id?: string;
  client_secret?: string;
  scopes?: string[];
  authorization_params?: Record<string, string>;
  preset?: string;
  tenant?: string;
}

export const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

/** Well-known providers: their issuer, so that config.yaml needs only a client id. */
export const PROVIDER_PRESETS: Record<string, { label: string; issuer: (tenant?: string) => string; scopes?: string[] }> = {
  google: { label: 'Google', issuer: () => 'https://accounts.google.com', scopes: ['openid', 'profile', 'email'] },
  // Microsoft's multi-tenant issuers ("common", "organizations") publish a templated issuer that cannot be
  // validated; a tenant id (or "consumers", which has a fixed one) is required for strict issuer checks.
  microsoft: { label: 'Microsoft', issuer: (tenant = 'consumers') => `https://login.microsoftonline.com/${tenant}/v2.0` },
};

export interface ResolvedProvider {
  name: string;
  label: string;
  embedded: boolean;
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
  authorizationParams: Record<string, string>;
}

export interface ProviderRegistryOptions {
  providers: Record<string, ProviderSettings>;
  /** The issuer of the embedded demo provider in this process, if it runs. */
  embeddedIssuer?: string;
  /** The client id the embedded demo provider registers. */
  embeddedClientId: string;
  fetch?: typeof fetch;
  /** Seconds to tolerate between our clock and the provider's (ID token iat/exp checks). */
  clockToleranceSeconds?: number;
  /** Request timeout in seconds for calls to the provider. */
  timeoutSeconds?: number;
  /** Runs before a provider's first discovery (starts the embedded provider on demand). */
  beforeDiscovery?: (provider: ResolvedProvider) => Promise<void>;
}

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

export class ProviderRegistry {
  readonly #options: ProviderRegistryOptions;
  readonly #configurations = new Map<string, Promise<oidc.Configuration>>();

  constructor(options: ProviderRegistryOptions) {
    this.#options = options;
  }

  names(): string[] {
    return Object.keys(this.#options.providers);
  }

  /** Resolves a configured provider to what the flow needs; throws `unknown_provider`. */
  resolve(name: string): ResolvedProvider {
    const settings = Object.hasOwn(this.#options.providers, name) ? this.#options.providers[name] : undefined;
    if (!settings) {
      throw new AuthError('unknown_provider', `No provider named "${name}" is configured.`, {
        hint: `Add it under providers: in config.yaml, or use one of: ${this.names().join(', ') || '(none)'}.`,
      });
    }
    const preset = settings.preset ? PROVIDER_PRESETS[settings.preset] : undefined;
    if (settings.embedded) {
      if (!this.#options.embeddedIssuer) {
        throw new AuthError('network', `The built-in ${settings.label ?? 'demo'} provider is not running.`, {
          hint: 'Start Latchkey (or `latchkey idp`) so the built-in provider is available.',
        });
      }
      return {
        name,
        label: settings.label ?? 'Demo',
        embedded: true,
        issuer: this.#options.embeddedIssuer,
        clientId: this.#options.embeddedClientId,
        scopes: settings.scopes ?? DEFAULT_SCOPES,
        authorizationParams: settings.authorization_params ?? {},
      };
    }
    const issuer = settings.issuer ?? preset?.issuer(settings.tenant);
    if (!issuer || !settings.client_id) {
      throw new AuthError('config_invalid', `Provider "${name}" needs an issuer (or a preset) and a client_id.`);
    }
    return {
      name,
      label: settings.label ?? preset?.label ?? name,
      embedded: false,
      issuer,
      clientId: settings.client_id,
      ...(settings.client_secret ? { clientSecret: settings.client_secret } : {}),
      scopes: settings.scopes ?? preset?.scopes ?? DEFAULT_SCOPES,
      authorizationParams: settings.authorization_params ?? {},
    };
  }

  summaries(): ProviderSummary[] {
    return this.names().map((name) => {
      const settings = this.#options.providers[name] ?? {};
      const preset = settings.preset ? PROVIDER_PRESETS[settings.preset] : undefined;
      const issuer = settings.embedded ? this.#options.embeddedIssuer : settings.issuer ?? preset?.issuer(settings.tenant);
      return {
        name,
        label: settings.label ?? preset?.label ?? (settings.embedded ? 'Demo' : name),
        embedded: settings.embedded === true,
        ...(issuer ? { issuer } : {}),
      };
    });
  }

  /** The discovered openid-client Configuration of a provider (cached per process). */
  configuration(name: string): Promise<oidc.Configuration> {
    const cached = this.#configurations.get(name);
    if (cached) return cached;
    const pending = this.#discover(this.resolve(name));
    this.#configurations.set(name, pending);
    pending.catch(() => this.#configurations.delete(name));
    return pending;
  }

  async #discover(provider: ResolvedProvider): Promise<oidc.Configuration> {
    const issuerUrl = new URL(provider.issuer);
    const execute: Array<(config: oidc.Configuration) => void> = [];
    // Plain http is only ever allowed for a provider on this machine (the embedded demo provider, a local test
    // provider); the config schema rejects http issuers elsewhere.
    if (isLoopbackHttp(issuerUrl)) execute.push(oidc.allowInsecureRequests);
    const fetchImpl = this.#options.fetch;
    const options: oidc.DiscoveryRequestOptions = { execute };
    if (fetchImpl) options[oidc.customFetch] = (url, init) => fetchImpl(url, init as RequestInit);
    const clientAuth = provider.clientSecret ? oidc.ClientSecretPost(provider.clientSecret) : oidc.None();
    try {
      await this.#options.beforeDiscovery?.(provider);
      const config = await oidc.discovery(issuerUrl, provider.clientId, undefined, clientAuth, options);
      config.timeout = this.#options.timeoutSeconds ?? 15;
      if (this.#options.clockToleranceSeconds !== undefined) {
        (config as unknown as Record<symbol, number>)[oidc.clockTolerance] = this.#options.clockToleranceSeconds;
      }
      return config;
    } catch (err) {
      throw translateOidcError(err, 'discovery');
    }
  }
}
