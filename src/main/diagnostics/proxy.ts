/**
 * Which proxy settings apply, for the report: the CLI's proxy variables (credentials removed) and how a
 * request travels under them, or — in the app — the system's settings, which Chromium's network stack applies
 * (each provider's line then says what Chromium chose for its URL).
 */
import { describeRoute, proxySettingsFrom, redactProxyUrl, routeFor } from '../network/proxy-decision';
import type { Check } from './context';

/** The way a request to `url` travels under the proxy variables of `env`, in words. */
export function environmentRoute(env: NodeJS.ProcessEnv): (url: URL) => Promise<string> {
  return async (url) => {
    try {
      return describeRoute(routeFor(proxySettingsFrom(env), url));
    } catch (error) {
      return `nowhere: ${error instanceof Error ? error.message : 'the proxy setting cannot be used'}`;
    }
  };
}

export function environmentProxyCheck(env: NodeJS.ProcessEnv): Check {
  const base = { group: 'network' as const, id: 'proxy', title: 'Proxy' };
  try {
    const settings = proxySettingsFrom(env);
    if (settings === null) return { ...base, status: 'ok', detail: 'none: no HTTPS_PROXY, HTTP_PROXY (or lower-case forms) is set, requests go directly' };
    const lines = [
      settings.https ? `https requests: through ${redactProxyUrl(settings.https)}` : 'https requests: directly',
      settings.http ? `http requests: through ${redactProxyUrl(settings.http)}` : 'http requests: directly',
      `not through the proxy: this computer (127.0.0.1, ::1, localhost)${settings.noProxy.trim() ? ` and NO_PROXY (${settings.noProxy.trim()})` : ''}`,
    ];
    return { ...base, status: 'ok', detail: lines.join('\n') };
  } catch (error) {
    return { ...base, status: 'problem', detail: error instanceof Error ? error.message : 'the proxy setting cannot be used', fix: 'Fix or unset HTTPS_PROXY / HTTP_PROXY (and their lower-case forms): Latchkey supports http and https proxies.' };
  }
}

/** In the app: Chromium applies the system's proxy settings (and PAC). */
export function systemProxyCheck(): Check {
  return { group: 'network', id: 'proxy', title: 'Proxy', status: 'ok', detail: "the system's proxy settings (and PAC script), applied by the app's network stack; each provider below says which proxy it gets" };
}

/**
 * What Chromium's proxy resolution (`session.resolveProxy`: `DIRECT`, `PROXY host:port; DIRECT`, ...) means,
 * in the words of environmentRoute.
 */
export function describeChromiumProxy(answer: string): string {
  const first = (answer.split(';')[0] ?? '').trim();
  if (first === '' || first.toUpperCase() === 'DIRECT') return "directly (the system's proxy settings)";
  const [kind, server] = first.split(/\s+/, 2);
  const scheme = kind?.toUpperCase() === 'HTTPS' ? 'https' : kind?.toUpperCase().startsWith('SOCKS') ? (kind.toLowerCase() === 'socks' ? 'socks4' : kind.toLowerCase()) : 'http';
  return `through the proxy ${redactProxyUrl(`${scheme}://${server ?? ''}`)} (the system's proxy settings)`;
}
