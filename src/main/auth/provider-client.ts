/**
 * A provider client: a resolved provider turned into openid-client Configurations, with the provider's
 * metadata loaded (discovery, Microsoft's tenant discovery, or written-out endpoints) and checked.
 *
 * Microsoft's multi-tenant authorities (`common`, `organizations`) publish the issuer as a template,
 * `${authority}/{tenantid}/v2.0`. Each ID token must then carry the issuer filled with its own `tid` claim, as
 * MSAL checks it. openid-client compares `iss` to one fixed string, so a grant runs in two steps: the token
 * answer is captured, the issuer filled from its ID token's `tid`, and the captured answer replayed (no second
 * request) against a Configuration with that issuer, which then checks `iss`, `aud`, `nonce` and the rest in
 * full. The issuer check is never switched off, on sign-in and on every refresh, whatever the authority.
 */
import * as oidc from 'openid-client';
import { AuthError } from '../../shared/errors';
import { isSecureOrLoopback } from './loopback-hosts';
import { translateOidcError } from './oidc-errors';
import { deviceAuthorizationFetch, guardedFetch, githubTokenEndpointFetch } from './provider-fetch';
import { MICROSOFT_CONSUMERS_TENANT_ID, type MetadataSource } from './provider-presets';
import { chooseTokenEndpointAuthMethod, type ResolvedProvider, type TokenEndpointAuthMethod } from './provider-resolution';

type Fetch = typeof fetch;

export interface ProviderClientOptions {
  fetch?: Fetch;
  timeoutSeconds?: number;
  clockToleranceSeconds?: number;
}

export interface ProviderClient {
  provider: ResolvedProvider;
  metadata: oidc.ServerMetadata;
  /** For everything but token grants: authorization URL, userinfo, revocation, end-session. */
  configuration: oidc.Configuration;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** The guarded fetch (loopback rule) for the provider's APIs (profile, GitHub's token API). */
  fetch: Fetch;
  /** Runs a token grant; for a templated issuer, checks the ID token against the template filled with its `tid`. */
  grant<T>(run: (configuration: oidc.Configuration) => Promise<T>): Promise<T>;
}

const TENANT_TEMPLATE = '{tenantid}';
/** Endpoint fields of RFC 8414 / OIDC discovery that Latchkey may call or send the browser to. */
const ENDPOINT_FIELDS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'revocation_endpoint',
  'end_session_endpoint',
  'jwks_uri',
  'introspection_endpoint',
  'pushed_authorization_request_endpoint',
  'device_authorization_endpoint',
] as const;

export async function createProviderClient(provider: ResolvedProvider, options: ProviderClientOptions = {}): Promise<ProviderClient> {
  const fetchImpl = guardedFetch(options.fetch ?? fetch);
  const timeoutSeconds = options.timeoutSeconds ?? 15;
  const loaded = await loadMetadata(provider.metadata, provider.clientId, fetchImpl, timeoutSeconds);
  // A preset's documented device endpoint (RFC 8628) when its metadata does not name one.
  const metadata = loaded.device_authorization_endpoint === undefined && provider.deviceAuthorizationEndpoint ? { ...loaded, device_authorization_endpoint: provider.deviceAuthorizationEndpoint } : loaded;
  checkEndpoints(provider, metadata);
  checkPkceSupport(provider, metadata);
  const method = chooseTokenEndpointAuthMethod(provider, metadata.token_endpoint_auth_methods_supported);
  const clientAuth = clientAuthentication(method, provider.clientSecret);
  const tokenFetch = provider.quirks.githubTokenEndpoint && metadata.token_endpoint ? githubTokenEndpointFetch(fetchImpl, metadata.token_endpoint) : fetchImpl;
  const requestFetch = metadata.device_authorization_endpoint ? deviceAuthorizationFetch(tokenFetch, metadata.device_authorization_endpoint) : tokenFetch;
  const insecureAllowed = ENDPOINT_FIELDS.some((field) => {
    const value = metadata[field];
    return typeof value === 'string' && new URL(value).protocol === 'http:';
  });

  const build = (issuer: string, fetchOverride?: Fetch): oidc.Configuration => {
    const configuration = new oidc.Configuration({ ...metadata, issuer }, provider.clientId, provider.clientSecret ? { client_secret: provider.clientSecret } : undefined, clientAuth);
    // Safe: every endpoint was checked above to be https or loopback, and the guard checks each request again.
    if (insecureAllowed) oidc.allowInsecureRequests(configuration);
    configuration.timeout = timeoutSeconds;
    if (options.clockToleranceSeconds !== undefined) {
      (configuration as unknown as Record<symbol, number>)[oidc.clockTolerance] = options.clockToleranceSeconds;
    }
    configuration[oidc.customFetch] = (url, init) => (fetchOverride ?? requestFetch)(url, init as RequestInit);
    return configuration;
  };

  const configuration = build(metadata.issuer);
  const templated = metadata.issuer.includes(TENANT_TEMPLATE);
  return {
    provider,
    metadata,
    configuration,
    tokenEndpointAuthMethod: method,
    fetch: fetchImpl,
    grant: (run) => (templated ? grantWithTenantIssuer(metadata, build, requestFetch, run) : run(configuration)),
  };
}

function clientAuthentication(method: TokenEndpointAuthMethod, secret: string | undefined): oidc.ClientAuth {
  switch (method) {
    case 'client_secret_basic':
      return oidc.ClientSecretBasic(secret as string);
    case 'client_secret_post':
      return oidc.ClientSecretPost(secret as string);
    case 'none':
      return oidc.None();
  }
}

// ---- metadata ------------------------------------------------------------------------------------------

async function loadMetadata(source: MetadataSource, clientId: string, fetchImpl: Fetch, timeoutSeconds: number): Promise<oidc.ServerMetadata> {
  switch (source.type) {
    case 'static':
      return { issuer: source.issuer, ...source.endpoints };
    case 'discovery': {
      const issuerUrl = new URL(source.issuer);
      const options: oidc.DiscoveryRequestOptions = {
        execute: issuerUrl.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
        timeout: timeoutSeconds,
        [oidc.customFetch]: (url, init) => fetchImpl(url, init as RequestInit),
      };
      try {
        const discovered = await oidc.discovery(issuerUrl, clientId, undefined, oidc.None(), options);
        return discovered.serverMetadata();
      } catch (err) {
        throw translateOidcError(err, 'discovery');
      }
    }
    case 'microsoft':
      return loadMicrosoftMetadata(source.authority, source.tenant, fetchImpl, timeoutSeconds);
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Microsoft's discovery document for a tenant. Its issuer is `${authority}/<tenant GUID>/v2.0`, or the
 * `{tenantid}` template for `common` and `organizations`; `consumers` has the fixed personal-accounts tenant.
 * Anything else (another host, another tenant than asked for) is refused.
 */
async function loadMicrosoftMetadata(authority: string, tenant: string, fetchImpl: Fetch, timeoutSeconds: number): Promise<oidc.ServerMetadata> {
  const url = `${authority}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const response = await fetchImpl(url, { headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(timeoutSeconds * 1000) });
    if (response.status >= 500) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
    if (response.status !== 200) {
      throw new AuthError('provider_error', `Could not load the provider configuration: ${url} answered HTTP ${response.status}.`, {
        hint: 'Check tenant (a tenant id or domain, common, organizations or consumers) and authority for this provider in config.yaml.',
      });
    }
    body = await response.json();
  } catch (err) {
    throw translateOidcError(err, 'discovery');
  }
  const metadata = body as oidc.ServerMetadata;
  if (!metadata || typeof metadata !== 'object' || typeof metadata.issuer !== 'string' || typeof metadata.authorization_endpoint !== 'string' || typeof metadata.token_endpoint !== 'string') {
    throw new AuthError('provider_error', `Could not load the provider configuration: ${url} is not a discovery document.`);
  }
  const prefix = `${authority}/`;
  const segment = metadata.issuer.startsWith(prefix) && metadata.issuer.endsWith('/v2.0') ? metadata.issuer.slice(prefix.length, -'/v2.0'.length) : undefined;
  const lowered = tenant.toLowerCase();
  const acceptable =
    segment !== undefined &&
    (lowered === 'common' || lowered === 'organizations'
      ? segment === TENANT_TEMPLATE
      : lowered === 'consumers'
        ? segment === MICROSOFT_CONSUMERS_TENANT_ID
        : GUID.test(segment) && (!GUID.test(tenant) || segment.toLowerCase() === lowered));
  if (!acceptable) {
    throw new AuthError('provider_error', `Could not load the provider configuration: the issuer "${metadata.issuer.slice(0, 120)}" does not belong to tenant "${tenant}" at ${authority}.`, {
      hint: 'Check tenant and authority for this provider in config.yaml.',
    });
  }
  return metadata;
}

function checkEndpoints(provider: ResolvedProvider, metadata: oidc.ServerMetadata): void {
  for (const field of ENDPOINT_FIELDS) {
    const value = metadata[field];
    if (value === undefined) continue;
    let url: URL | undefined;
    try {
      url = typeof value === 'string' ? new URL(value) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || !isSecureOrLoopback(url)) {
      throw new AuthError('provider_error', `Provider "${provider.name}" names an insecure ${field} (${String(value).slice(0, 120)}): only https, or plain http on this machine, is used.`, {
        hint: 'Ask the provider to serve its endpoints over https.',
      });
    }
  }
}

function checkPkceSupport(provider: ResolvedProvider, metadata: oidc.ServerMetadata): void {
  const methods = metadata.code_challenge_methods_supported;
  if (!provider.pkce || !Array.isArray(methods) || methods.includes('S256')) return;
  throw new AuthError('provider_error', `Provider "${provider.name}" does not support PKCE with S256 (it lists: ${methods.join(', ') || 'none'}), which protects the sign-in code from other programs on this machine.`, {
    hint: `If you accept that risk, set pkce: false for "${provider.name}" in config.yaml.`,
  });
}

// ---- templated issuers -----------------------------------------------------------------------------------

class CapturedAnswer extends Error {}

interface Captured {
  status: number;
  contentType: string;
  body: string;
}

/** The `tid` of an ID token, read without verification (only to choose which issuer to verify against). */
function tenantOf(idToken: unknown): string | undefined {
  if (typeof idToken !== 'string') return undefined;
  const payload = idToken.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { tid?: unknown };
    return typeof claims.tid === 'string' && GUID.test(claims.tid) ? claims.tid : undefined;
  } catch {
    return undefined;
  }
}

async function grantWithTenantIssuer<T>(
  metadata: oidc.ServerMetadata,
  build: (issuer: string, fetchOverride?: Fetch) => oidc.Configuration,
  requestFetch: Fetch,
  run: (configuration: oidc.Configuration) => Promise<T>,
): Promise<T> {
  const tokenEndpoint = metadata.token_endpoint as string;
  const isTokenRequest = (input: Parameters<Fetch>[0]): boolean => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    return `${url.origin}${url.pathname}` === new URL(tokenEndpoint).href.split('?')[0];
  };
  let captured: Captured | undefined;
  const capturing: Fetch = async (input, init) => {
    if (!isTokenRequest(input)) return requestFetch(input, init);
    const response = await requestFetch(input, init);
    captured = { status: response.status, contentType: response.headers.get('content-type') ?? 'application/json', body: await response.text() };
    throw new CapturedAnswer('captured');
  };
  try {
    return await run(build(metadata.issuer, capturing));
  } catch (err) {
    if (!captured) throw err;
  }
  const answer = captured;
  let tid: string | undefined;
  try {
    tid = tenantOf((JSON.parse(answer.body) as { id_token?: unknown }).id_token);
  } catch {
    tid = undefined;
  }
  // No ID token (or no tid): the template stays, so an ID token without a usable tid fails the issuer check.
  const issuer = tid ? metadata.issuer.replace(TENANT_TEMPLATE, tid) : metadata.issuer;
  const replaying: Fetch = async (input, init) =>
    isTokenRequest(input) ? new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.contentType } }) : requestFetch(input, init);
  const result = await run(build(issuer, replaying));
  const claims = (result as { claims?: () => { tid?: unknown } | undefined }).claims?.();
  if (claims && claims.tid !== tid) {
    throw new AuthError('invalid_callback', 'The ID token\'s tenant does not match its issuer.');
  }
  return result;
}
