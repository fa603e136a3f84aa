/**
 * Each provider on the network, reached the way a sign-in reaches it: with the same fetch as every other
 * request (the CLI's proxy-aware fetch, the app's net.fetch), the loopback rule of the request guard, and the
 * proxy that applies named (without its credentials). What is fetched is what a sign-in fetches first: the
 * discovery document (Microsoft's per tenant), or, for written-out endpoints, the token endpoint (any HTTP
 * answer proves it is reachable). The built-in demo provider is only looked at when it runs; otherwise its port
 * must be free for Latchkey to start it there. The answer's Date header gives the clock check (clock.ts).
 */
import type { MetadataSource } from '../auth/provider-presets';
import { guardedFetch } from '../auth/provider-fetch';
import type { ResolvedProvider } from '../auth/provider-resolution';
import { isAuthError } from '../../shared/errors';
import { clockCheck, clockSkewSeconds } from './clock';
import type { Check, DiagnosticsContext } from './context';
import { tryListen } from './loopback';

interface Probe {
  url: string;
  /** `document`: a discovery document must come back. `reachable`: any HTTP answer will do. */
  expect: 'document' | 'reachable';
}

function probeFor(source: MetadataSource): Probe {
  switch (source.type) {
    case 'discovery':
      return { url: `${source.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, expect: 'document' };
    case 'microsoft':
      return { url: `${source.authority}/${encodeURIComponent(source.tenant)}/v2.0/.well-known/openid-configuration`, expect: 'document' };
    case 'static':
      return { url: source.endpoints.token_endpoint, expect: 'reachable' };
  }
}

/** The innermost reason a fetch failed, in words (ECONNREFUSED, ENOTFOUND, a timeout...). */
function failureReason(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    const e = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer in time';
    if (typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code)) {
      if (e.code === 'ECONNREFUSED') return 'connection refused (nothing listens there)';
      if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return 'the host name could not be resolved';
      if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code)) return `its TLS certificate is not trusted (${e.code})`;
      return e.code;
    }
    current = e.cause;
  }
  return error instanceof Error ? error.message.slice(0, 120) : 'unknown error';
}

const PROXY_FIX = 'If this network needs a proxy, set HTTPS_PROXY (and NO_PROXY for hosts reached directly); the app uses the system proxy settings.';

async function probeProvider(context: DiagnosticsContext, provider: ResolvedProvider): Promise<Check[]> {
  const base = { group: 'network' as const, id: `reach:${provider.name}`, title: `"${provider.name}" (${provider.label})` };
  const probe = probeFor(provider.metadata);
  const url = new URL(probe.url);
  const route = await context.routeOf(url);
  const sentAt = context.now();
  let response: Response;
  try {
    response = await guardedFetch(context.fetch)(url.href, { headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(context.timeoutMs) });
  } catch (error) {
    const refused = isAuthError(error);
    return [
      {
        ...base,
        status: 'problem',
        detail: `${url.href} could not be reached: ${refused ? error.message : failureReason(error)}\nrequests go ${route}`,
        fix: refused ? (error.hint ?? 'Use https endpoints.') : `Check the issuer (or endpoints) of "${provider.name}" in config.yaml and this computer's network. ${PROXY_FIX}`,
      },
      { group: 'clock', id: `skew:${provider.name}`, title: `Clock against "${provider.name}"`, status: 'skipped', detail: 'the provider could not be reached' },
    ];
  }
  const receivedAt = context.now();
  const skew = clockCheck(provider.name, clockSkewSeconds(response.headers.get('date'), sentAt, receivedAt));
  let problem: string | undefined;
  if (probe.expect === 'document') {
    if (response.status !== 200) {
      problem = `${url.href} answered HTTP ${response.status}, not its discovery document`;
    } else {
      const body = (await response.json().catch(() => null)) as { issuer?: unknown } | null;
      if (!body || typeof body.issuer !== 'string') problem = `${url.href} answered, but not with a discovery document`;
    }
  } else {
    await response.body?.cancel().catch(() => undefined);
  }
  if (problem) {
    return [{ ...base, status: 'problem', detail: `${problem}\nrequests go ${route}`, fix: `Check the issuer of "${provider.name}" in config.yaml (and, for Microsoft, tenant and authority).` }, skew];
  }
  const what = probe.expect === 'document' ? 'discovery document loaded' : `endpoint answered (HTTP ${response.status})`;
  return [{ ...base, status: 'ok', detail: `${what}: ${url.href}\nrequests go ${route}` }, skew];
}

async function checkEmbedded(context: DiagnosticsContext, provider: ResolvedProvider, port: number): Promise<Check[]> {
  const free = await tryListen('127.0.0.1', port);
  if (free.ok) {
    return [
      { group: 'network', id: `reach:${provider.name}`, title: `"${provider.name}" (${provider.label}, built in)`, status: 'ok', detail: `not running now; Latchkey starts it on 127.0.0.1:${port} when it is needed (the port is free)` },
      { group: 'clock', id: `skew:${provider.name}`, title: `Clock against "${provider.name}"`, status: 'skipped', detail: 'the built-in provider runs on this computer, on its clock' },
    ];
  }
  return probeProvider(context, provider);
}

export async function checkNetwork(context: DiagnosticsContext, providers: readonly ResolvedProvider[], embeddedPort: number | undefined): Promise<Check[]> {
  const results = await Promise.all(
    providers.map((provider) => (provider.embedded && embeddedPort !== undefined ? checkEmbedded(context, provider, embeddedPort) : probeProvider(context, provider))),
  );
  // Network checks first, then the clock checks (the report shows them in their groups anyway).
  const all = results.flat();
  return [...all.filter((check) => check.group === 'network'), ...all.filter((check) => check.group === 'clock')];
}
