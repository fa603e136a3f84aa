/**
 * Which proxy a request of the CLI goes through, decided from the usual environment variables, as curl and
 * most command-line tools read them: `HTTPS_PROXY` for https URLs (falling back to `HTTP_PROXY`), `HTTP_PROXY`
 * for http URLs, `NO_PROXY` for the hosts that are reached directly. The lower-case form of each wins over the
 * upper-case one; an empty value counts as unset.
 *
 * Loopback destinations (127.0.0.1 and the rest of 127.0.0.0/8, ::1, localhost) never go through a proxy,
 * whatever NO_PROXY says, as Chromium's implicit bypass rules do: the embedded demo provider and anything else
 * on this machine is not reachable from a proxy, and a sign-in's loopback redirect must stay on it.
 *
 * NO_PROXY entries (comma or space separated): `*` (no proxy at all), a host name, which also matches its
 * subdomains (`example.com`, `.example.com` and `*.example.com` all match `id.example.com`), an IP address,
 * `[v6]`, each optionally with `:port`. The same rules undici's EnvHttpProxyAgent applies, so the decision made
 * here (reported by `latchkey doctor`) is the one the request gets.
 *
 * Pure: no network, no undici. The wiring is in proxy-fetch.ts.
 */

export interface ProxySettings {
  /** For http URLs. */
  http?: string;
  /** For https URLs (HTTPS_PROXY, else HTTP_PROXY). */
  https?: string;
  /** The NO_PROXY value as written. */
  noProxy: string;
}

export type ProxyRoute = { via: 'direct'; reason: 'loopback' | 'no_proxy' | 'no_proxy_set' } | { via: 'proxy'; proxyUrl: string };

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

function firstSet(env: NodeJS.ProcessEnv, names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

/**
 * A proxy URL as tools accept it: `proxy.corp:3128` means `http://proxy.corp:3128`. Only http(s) proxies are
 * supported; anything else (socks5://...) is refused rather than silently ignored.
 */
export function normaliseProxyUrl(value: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ProxySettingError(`The proxy "${redactProxyUrl(value)}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProxySettingError(`The proxy ${redactProxyUrl(value)} uses ${url.protocol.slice(0, -1)}; Latchkey supports http and https proxies.`);
  }
  return url.href;
}

/** A proxy variable that cannot be used; callers turn it into their own error. */
export class ProxySettingError extends Error {}

/** The proxy settings in `env`, or null when no proxy variable is set (then nothing about proxies is loaded). */
export function proxySettingsFrom(env: NodeJS.ProcessEnv): ProxySettings | null {
  const httpRaw = firstSet(env, ['http_proxy', 'HTTP_PROXY']);
  const httpsRaw = firstSet(env, ['https_proxy', 'HTTPS_PROXY']) ?? httpRaw;
  if (httpRaw === undefined && httpsRaw === undefined) return null;
  return {
    ...(httpRaw !== undefined ? { http: normaliseProxyUrl(httpRaw) } : {}),
    ...(httpsRaw !== undefined ? { https: normaliseProxyUrl(httpsRaw) } : {}),
    noProxy: firstSet(env, ['no_proxy', 'NO_PROXY']) ?? '',
  };
}

/** Whether a host (as `URL.host` without the port: brackets kept for IPv6) is this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

interface NoProxyEntry {
  hostname: string;
  port: number;
}

function noProxyEntries(value: string): NoProxyEntry[] {
  return value
    .split(/[,\s]/)
    .filter((entry) => entry !== '')
    .map((entry) => {
      const parsed = /^(.+):(\d+)$/.exec(entry);
      return { hostname: (parsed ? (parsed[1] as string) : entry).replace(/^\*?\./, '').toLowerCase(), port: parsed ? Number(parsed[2]) : 0 };
    });
}

/** Whether NO_PROXY says `host:port` is reached directly. */
export function bypassedByNoProxy(noProxy: string, hostname: string, port: number): boolean {
  const entries = noProxyEntries(noProxy);
  if (entries.length === 0) return false;
  if (noProxy.trim() === '*') return true;
  const host = hostname.toLowerCase();
  return entries.some((entry) => (entry.port === 0 || entry.port === port) && (host === entry.hostname || host.endsWith(`.${entry.hostname}`)));
}

/** How a request to `url` travels under `settings`. */
export function routeFor(settings: ProxySettings | null, url: URL): ProxyRoute {
  // URL.host keeps IPv6 brackets; strip only the port.
  const hostname = url.host.replace(/:\d*$/, '').toLowerCase();
  if (isLoopbackHost(hostname)) return { via: 'direct', reason: 'loopback' };
  const proxy = settings ? (url.protocol === 'https:' ? settings.https : settings.http) : undefined;
  if (!settings || proxy === undefined) return { via: 'direct', reason: 'no_proxy_set' };
  const port = url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? 0) : Number(url.port);
  if (bypassedByNoProxy(settings.noProxy, hostname, port)) return { via: 'direct', reason: 'no_proxy' };
  return { via: 'proxy', proxyUrl: proxy };
}

/** A proxy URL fit to show: user name and password removed (`http://proxy:3128/`). */
export function redactProxyUrl(value: string): string {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    // Not a URL: drop anything up to an @, which is where credentials would be.
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@/]*@/i, '$1');
  }
}

/** In words, for `latchkey doctor`: "through http://proxy:3128/ (HTTPS_PROXY)", "directly (NO_PROXY)". */
export function describeRoute(route: ProxyRoute): string {
  if (route.via === 'proxy') return `through the proxy ${redactProxyUrl(route.proxyUrl)}`;
  switch (route.reason) {
    case 'loopback':
      return 'directly (this machine is never reached through a proxy)';
    case 'no_proxy':
      return 'directly (NO_PROXY names it)';
    case 'no_proxy_set':
      return 'directly (no proxy variable is set)';
  }
}
