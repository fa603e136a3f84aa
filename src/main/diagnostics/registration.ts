/**
 * What to register at each provider: the same words as `latchkey providers` (provider-capabilities.ts) —
 * the kind of client, the redirect URIs to register, and what works (refresh, revocation, sign-out). A
 * provider with PKCE switched off is a warning.
 */
import { describeProviderCapabilities } from '../auth/provider-capabilities';
import type { ResolvedProvider } from '../auth/provider-resolution';
import type { Check } from './context';

export function checkRegistration(providers: readonly ResolvedProvider[]): Check[] {
  return providers.map((provider) => ({
    group: 'registration',
    id: `register:${provider.name}`,
    title: `"${provider.name}" (${provider.label})`,
    status: provider.pkce ? 'ok' : 'warning',
    detail: describeProviderCapabilities(provider).join('\n'),
    ...(provider.pkce ? {} : { fix: `Remove pkce: false from "${provider.name}" in config.yaml unless the provider really cannot do PKCE.` }),
  }));
}
