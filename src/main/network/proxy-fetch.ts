/**
 * The CLI's fetch: every request Latchkey makes (discovery, token, userinfo, revocation, the configured APIs,
 * pictures) goes through the one fetch that app.ts hands to the engine, and this is that fetch when a proxy
 * variable is set. The decision is proxy-decision.ts's; requests that go through a proxy are made with undici's
 * own fetch and its EnvHttpProxyAgent (CONNECT for https, proxy credentials from the proxy URL), configured with
 * exactly the settings the decision read.
 *
 * undici is loaded only when a request actually goes through a proxy: without a proxy variable there is no
 * wrapper at all (createNetworkFetch answers undefined and Node's fetch is used), so `latchkey token` and every
 * other start-up load none of it. Direct requests (NO_PROXY) use Node's fetch.
 *
 * A destination on this machine goes through the proxy like any other, but when the proxy refuses to tunnel to
 * it or cannot be reached at all, it is asked directly: both failures happen before anything of the request was
 * sent, so even a token request is not sent twice, and a direct connection to 127.0.0.1 stays on this machine.
 */
import type { Dispatcher } from 'undici';
import { AuthError } from '../../shared/errors';
import { proxySettingsFrom, ProxySettingError, routeFor, type ProxySettings } from './proxy-decision';

type Fetch = typeof fetch;

interface ProxyTransport {
  fetch: (input: string, init: Record<string, unknown>) => Promise<unknown>;
  dispatcher: Dispatcher;
}

function urlOf(input: Parameters<Fetch>[0]): URL {
  return new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
}

/**
 * undici's fetch takes its own Request class only; a Request of Node's bundled copy is turned into a URL and
 * init (the init given with it wins, as for fetch itself).
 */
async function asUrlAndInit(input: Parameters<Fetch>[0], init: RequestInit | undefined): Promise<{ url: string; init: RequestInit }> {
  if (typeof input === 'string' || input instanceof URL) return { url: urlOf(input).href, init: init ?? {} };
  const body = input.method === 'GET' || input.method === 'HEAD' ? undefined : await input.arrayBuffer();
  return {
    url: input.url,
    init: { method: input.method, headers: input.headers, redirect: input.redirect, signal: input.signal, ...(body ? { body } : {}), ...init },
  };
}

async function loadTransport(settings: ProxySettings): Promise<ProxyTransport> {
  const undici = await import('undici');
  const dispatcher = new undici.EnvHttpProxyAgent({
    // '' (not undefined): the agent must not fall back to process.env, which may differ from the env given here.
    httpProxy: settings.http ?? '',
    httpsProxy: settings.https ?? settings.http ?? '',
    noProxy: settings.noProxy,
  });
  return { fetch: undici.fetch as unknown as ProxyTransport['fetch'], dispatcher };
}

/**
 * The fetch for an environment with proxy variables; undefined when none is set (use Node's fetch).
 * A proxy variable that cannot be used makes every request fail with a `network` error that says which.
 */
export function createNetworkFetch(env: NodeJS.ProcessEnv, direct: Fetch = fetch): Fetch | undefined {
  let settings: ProxySettings | null;
  try {
    settings = proxySettingsFrom(env);
  } catch (error) {
    if (!(error instanceof ProxySettingError)) throw error;
    const refusal = new AuthError('network', error.message, { hint: 'Fix or unset HTTPS_PROXY / HTTP_PROXY (and their lower-case forms).' });
    return () => Promise.reject(refusal);
  }
  if (settings === null) return undefined;
  const chosen = settings;
  let transport: Promise<ProxyTransport> | null = null;
  /** Origins on this machine the proxy could not reach: asked directly from then on, without the detour. */
  const unreachableViaProxy = new Set<string>();
  return async (input, init) => {
    const url = urlOf(input);
    const route = routeFor(chosen, url);
    if (route.via === 'direct' || unreachableViaProxy.has(url.origin)) return direct(input, init);
    transport ??= loadTransport(chosen);
    const { fetch: proxied, dispatcher } = await transport;
    const request = await asUrlAndInit(input, init);
    try {
      return (await proxied(request.url, { ...request.init, dispatcher })) as Response;
    } catch (error) {
      if (!route.loopback || !failedBeforeSending(error)) throw error;
      unreachableViaProxy.add(url.origin);
      return direct(request.url, request.init);
    }
  };
}

/** Errors of the connection to the proxy or of its tunnel: nothing of the request reached the destination. */
const CONNECT_STAGE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Whether the proxied fetch failed while connecting (to the proxy, or the proxy's CONNECT answer was not 200). */
function failedBeforeSending(error: unknown): boolean {
  for (let cause = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; cause && depth < 5; cause = cause.cause as typeof cause, depth++) {
    if (typeof cause.code === 'string' && CONNECT_STAGE_CODES.has(cause.code)) return true;
    // undici's ProxyAgent: "Proxy response (502) !== 200 when HTTP Tunneling".
    if (typeof cause.message === 'string' && /^Proxy response \(\d+\) !== 200 when HTTP Tunneling/.test(cause.message)) return true;
  }
  return false;
}
