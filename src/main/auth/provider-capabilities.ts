/**
 * What a provider entry gives, in words for people (`latchkey providers`, the README's table): what to
 * register at the provider, the redirect URIs, and whether refresh, revocation and a sign-out page work.
 * Pure: from the resolved entry alone, without the network.
 */
import { PROVIDER_PRESETS } from './provider-presets';
import { describeRedirect, type ResolvedProvider } from './provider-resolution';

export function describeProviderCapabilities(provider: ResolvedProvider): string[] {
  const preset = provider.preset ? PROVIDER_PRESETS[provider.preset] : undefined;
  const lines: string[] = [];
  if (provider.embedded) {
    lines.push('built into Latchkey: nothing to register');
  } else if (preset) {
    lines.push(`register: ${preset.registration}`);
  } else {
    lines.push(`register: a native/desktop (public) client at the provider, client id "${provider.clientId}"`);
  }
  const uris = provider.redirects.map((target) => (target.port === 0 ? `${describeRedirect(target)} (any port)` : describeRedirect(target)));
  lines.push(`redirect URI${uris.length === 1 ? '' : 's'}: ${uris.join(', ')}`);
  lines.push(`stays signed in: ${refreshWords(provider)}`);
  lines.push(`sign-out: ${revocationWords(provider)}; ${provider.endSession.offered ? "the provider's sign-out page where it has one" : 'no provider sign-out page'}`);
  lines.push(`sign-in on another device: ${deviceWords(provider)}`);
  if (!provider.pkce) lines.push('warning: PKCE is off (pkce: false)');
  return lines;
}

function deviceWords(provider: ResolvedProvider): string {
  if (provider.embedded) return 'yes (latchkey login --device)';
  const preset = provider.preset ? PROVIDER_PRESETS[provider.preset] : undefined;
  if (preset) return `yes (latchkey login --device). ${preset.deviceRegistration}`;
  if (provider.deviceFlow === false) return 'no (no device_authorization_endpoint)';
  if (provider.deviceFlow === true) return 'yes (latchkey login --device)';
  return "where the provider's discovery document names a device_authorization_endpoint (latchkey login --device)";
}

function refreshWords(provider: ResolvedProvider): string {
  if (provider.preset === 'google') return 'yes (refresh token through access_type=offline)';
  if (provider.preset === 'github') return 'yes: non-expiring tokens until revoked, or expiring GitHub App tokens with rotating refresh tokens';
  if (provider.scopes.includes('offline_access')) return 'yes, when the provider grants offline_access (a refresh token)';
  return 'until the access token expires, unless the provider issues a refresh token';
}

function revocationWords(provider: ResolvedProvider): string {
  switch (provider.revocation.type) {
    case 'none':
      return 'no revocation at the provider (tokens deleted here)';
    case 'github':
      return provider.clientSecret ? "tokens revoked through GitHub's token API" : 'no revocation (needs client_secret)';
    case 'rfc7009':
      return 'tokens revoked (RFC 7009) where the provider has a revocation endpoint';
  }
}
