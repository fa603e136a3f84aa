/**
 * The CLI's fetch: every request Latchkey makes (discovery, token, userinfo, revocation, the configured APIs,
 * pictures) goes through the one fetch that app.ts hands to the engine, and this is that fetch when a proxy
 * variable is set. The decision is proxy-decision.ts's; requests that go through a proxy are made with undici's
 * own fetch and its EnvHttpProxyAgent (CONNECT for https, proxy credentials from the proxy URL), configured with
 * exactly the settings the decision read.
 *
 * undici is loaded only when a request actually goes through a proxy: without a proxy variable there is no
 * wrapper at all (createNetworkFetch answers undefined and Node's fetch is used), so `latchkey token` and every
 * other start-up load none of it. Direct requests (loopback, NO_PROXY) use Node's fetch.
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
  return async (input, init) => {
    const route = routeFor(chosen, urlOf(input));
    if (route.via === 'direct') return direct(input, init);
    transport ??= loadTransport(chosen);
    const { fetch: proxied, dispatcher } = await transport;
    const request = await asUrlAndInit(input, init);
    return (await proxied(request.url, { ...request.init, dispatcher })) as Response;
  };
}
