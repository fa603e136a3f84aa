/**
 * Provider resolution: a `providers:` entry of config.yaml, plus the preset table, becomes everything the
 * engine needs to sign in with it — where its endpoints come from, scopes and extra parameters, how the profile
 * is read, how tokens are revoked, where the loopback redirect listens. Every field written in config.yaml wins
 * over the preset's. Pure, so every preset's resolution is unit-tested.
 */
import { AuthError } from '../../shared/errors';
import type { DPOP_MODES, ProviderConfig, RemoteProviderConfig } from '../store/schema';
import {
  DEFAULT_OIDC_SCOPES,
  PROVIDER_PRESETS,
  type MetadataSource,
  type PresetDefinition,
  type PresetName,
  type ProfileSource,
  type RevocationMethod,
} from './provider-presets';

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
export type DpopMode = (typeof DPOP_MODES)[number];

/** Where the one-shot loopback server listens. `port: 0` = any free port (RFC 8252 §7.3). */
export interface RedirectTarget {
  /** As `URL.hostname` spells it: 127.0.0.1, [::1] or localhost. */
  host: string;
  port: number;
  path: string;
}

export const DEFAULT_REDIRECT: RedirectTarget = { host: '127.0.0.1', port: 0, path: '/callback' };

export interface ResolvedProvider {
  name: string;
  label: string;
  preset?: PresetName;
  embedded: boolean;
  /** `oidc`: an ID token is expected and checked (nonce, iss, aud). `oauth2`: the profile comes from an API. */
  protocol: 'oidc' | 'oauth2';
  clientId: string;
  clientSecret?: string;
  /** Only when config.yaml names one; otherwise chosen from the provider's metadata. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  scopes: string[];
  authorizationParams: Record<string, string>;
  /** `prompt` value that makes the provider show its account chooser ("add another account"). */
  selectAccountPrompt?: string;
  metadata: MetadataSource;
  profile: ProfileSource;
  revocation: RevocationMethod;
  /** Whether to offer the provider's sign-out page (when its metadata has one), and why not otherwise. */
  endSession: { offered: boolean; explanation?: string };
  /** Tried in order; the first whose port is free is used. */
  redirects: RedirectTarget[];
  postLogoutRedirectUri?: string;
  /** PKCE S256 is sent unless the entry says `pkce: false` (then a warning is shown and logged). */
  pkce: boolean;
  /** DPoP (RFC 9449): `auto` where the provider's metadata offers it, `required`, or `off`. */
  dpop: DpopMode;
  quirks: PresetDefinition['quirks'];
  /** What to show as "issuer" (summaries, `latchkey providers`). */
  displayIssuer: string;
  /**
   * Sign-in on another device (RFC 8628), as known without the network: `true` when the provider has a
   * device authorization endpoint (demo provider, presets, an explicit device_authorization_endpoint),
   * `false` when it cannot have one (written-out endpoints without it), absent when only its metadata can tell.
   */
  deviceFlow?: boolean;
  /** The device authorization endpoint to use when the provider's metadata names none (presets). */
  deviceAuthorizationEndpoint?: string;
}

export interface ResolutionContext {
  /** The embedded demo provider's issuer in this process, if it runs. */
  embeddedIssuer?: string;
  embeddedClientId: string;
}

/** `http://127.0.0.1:53682/callback` → where to listen. */
export function redirectTargetFrom(uri: string): RedirectTarget {
  const url = new URL(uri);
  return { host: url.hostname, port: url.port === '' ? 0 : Number(url.port), path: url.pathname };
}

/** The redirect URI a target stands for (with `PORT` for a free port). */
export function describeRedirect(target: RedirectTarget): string {
  return `http://${target.host}${target.port === 0 ? '' : `:${target.port}`}${target.path}`;
}

function redirectsFrom(value: string | string[] | undefined): RedirectTarget[] {
  if (value === undefined) return [{ ...DEFAULT_REDIRECT }];
  return (Array.isArray(value) ? value : [value]).map(redirectTargetFrom);
}

export function resolveProvider(name: string, entry: ProviderConfig, context: ResolutionContext): ResolvedProvider {
  if (entry.local === true) {
    // Local accounts sign in with a password on Latchkey's own screen, never in the browser.
    throw new AuthError('invalid_argument', `"${name}" holds local accounts: sign in with a username and password (latchkey login --local).`);
  }
  if (entry.embedded === true) {
    if (!context.embeddedIssuer) {
      throw new AuthError('network', `The built-in ${entry.label ?? 'demo'} provider is not running.`, {
        hint: 'Start Latchkey (or `latchkey idp`) so the built-in provider is available.',
      });
    }
    return {
      name,
      label: entry.label ?? 'Demo',
      embedded: true,
      protocol: 'oidc',
      clientId: context.embeddedClientId,
      scopes: [...DEFAULT_OIDC_SCOPES],
      authorizationParams: {},
      metadata: { type: 'discovery', issuer: context.embeddedIssuer },
      profile: { type: 'oidc' },
      revocation: { type: 'rfc7009' },
      endSession: { offered: true },
      redirects: redirectsFrom(entry.redirect_uri),
      pkce: true,
      dpop: entry.dpop ?? 'auto',
      quirks: {},
      displayIssuer: context.embeddedIssuer,
      deviceFlow: true,
    };
  }
  return resolveRemote(name, entry);
}

function resolveRemote(name: string, entry: RemoteProviderConfig): ResolvedProvider {
  const preset = entry.preset ? PROVIDER_PRESETS[entry.preset] : undefined;
  const presetInput = { issuer: entry.issuer, tenant: entry.tenant, authority: entry.authority, host: entry.host };
  let metadata: MetadataSource;
  let profile: ProfileSource;
  let protocol: 'oidc' | 'oauth2';
  if (preset) {
    metadata = preset.metadata(presetInput);
    profile = preset.profile(presetInput);
    protocol = preset.protocol;
  } else if (entry.issuer !== undefined) {
    metadata = { type: 'discovery', issuer: entry.issuer };
    profile = { type: 'oidc' };
    protocol = 'oidc';
  } else {
    // The schema guarantees both endpoints, a userinfo endpoint and a claims mapping here.
    const authorization = entry.authorization_endpoint as string;
    metadata = { type: 'static', issuer: new URL(authorization).origin, endpoints: { authorization_endpoint: authorization, token_endpoint: entry.token_endpoint as string } };
    profile = { type: 'mapped', url: entry.userinfo_endpoint as string, claims: entry.claims ?? { subject: 'sub' } };
    protocol = 'oauth2';
  }
  if (metadata.type === 'static') {
    // Explicit endpoints win over the preset's (GitHub behind a proxy, a test server).
    const endpoints = { ...metadata.endpoints };
    if (entry.authorization_endpoint) endpoints.authorization_endpoint = entry.authorization_endpoint;
    if (entry.token_endpoint) endpoints.token_endpoint = entry.token_endpoint;
    if (entry.revocation_endpoint) endpoints.revocation_endpoint = entry.revocation_endpoint;
    if (entry.userinfo_endpoint) endpoints.userinfo_endpoint = entry.userinfo_endpoint;
    if (entry.end_session_endpoint) endpoints.end_session_endpoint = entry.end_session_endpoint;
    if (entry.device_authorization_endpoint) endpoints.device_authorization_endpoint = entry.device_authorization_endpoint;
    metadata = { ...metadata, endpoints };
  }
  const endSession = preset
    ? { offered: preset.endSession, ...(preset.noEndSession ? { explanation: preset.noEndSession } : {}) }
    : { offered: true };
  const resolved: ResolvedProvider = {
    name,
    label: entry.label ?? preset?.label ?? name,
    embedded: false,
    protocol,
    clientId: entry.client_id,
    scopes: [...(entry.scopes ?? preset?.scopes ?? (protocol === 'oidc' ? DEFAULT_OIDC_SCOPES : []))],
    authorizationParams: { ...(preset?.authorizationParams ?? {}), ...(entry.authorization_params ?? {}) },
    metadata,
    profile,
    revocation: preset ? preset.revocation(presetInput) : { type: 'rfc7009' },
    endSession,
    redirects: redirectsFrom(entry.redirect_uri),
    pkce: entry.pkce !== false,
    dpop: entry.dpop ?? 'auto',
    quirks: preset?.quirks ?? {},
    displayIssuer: displayIssuerOf(metadata),
  };
  if (entry.preset) resolved.preset = entry.preset;
  if (entry.client_secret !== undefined) resolved.clientSecret = entry.client_secret;
  if (entry.token_endpoint_auth_method !== undefined) resolved.tokenEndpointAuthMethod = entry.token_endpoint_auth_method;
  if (preset?.selectAccountPrompt) resolved.selectAccountPrompt = preset.selectAccountPrompt;
  if (entry.post_logout_redirect_uri !== undefined) resolved.postLogoutRedirectUri = entry.post_logout_redirect_uri;
  if (preset) {
    resolved.deviceFlow = true;
    resolved.deviceAuthorizationEndpoint = metadata.type === 'static' && metadata.endpoints.device_authorization_endpoint
      ? metadata.endpoints.device_authorization_endpoint
      : preset.deviceAuthorizationEndpoint(presetInput);
  } else if (metadata.type === 'static') {
    resolved.deviceFlow = metadata.endpoints.device_authorization_endpoint !== undefined;
  }
  return resolved;
}

function displayIssuerOf(metadata: MetadataSource): string {
  switch (metadata.type) {
    case 'discovery':
      return metadata.issuer;
    case 'microsoft':
      return `${metadata.authority}/${metadata.tenant}/v2.0`;
    case 'static':
      return metadata.issuer;
  }
}

/**
 * How the client authenticates at the token endpoint: the entry's choice, else no secret → `none`, else what
 * the provider advertises — client_secret_basic first (RFC 6749 §2.3.1: servers MUST support it, and it
 * keeps the secret out of logged request bodies), client_secret_post when only that is listed.
 */
export function chooseTokenEndpointAuthMethod(provider: ResolvedProvider, advertised: readonly string[] | undefined): TokenEndpointAuthMethod {
  if (provider.tokenEndpointAuthMethod) return provider.tokenEndpointAuthMethod;
  if (!provider.clientSecret) return 'none';
  // GitHub documents the secret as a body parameter of its token request.
  if (provider.quirks.githubTokenEndpoint) return 'client_secret_post';
  if (!advertised || advertised.length === 0 || advertised.includes('client_secret_basic')) return 'client_secret_basic';
  if (advertised.includes('client_secret_post')) return 'client_secret_post';
  return 'client_secret_basic';
}
