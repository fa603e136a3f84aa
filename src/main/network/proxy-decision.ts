/**
 * Which proxy a request of the CLI goes through, decided from the usual environment variables, as curl and
 * most command-line tools read them: `HTTPS_PROXY` for https URLs (falling back to `HTTP_PROXY`), `HTTP_PROXY`
 * for http URLs, `NO_PROXY` for the hosts that are reached directly. The lower-case form of each wins over the
 * upper-case one; an empty value counts as unset.
 *
 * Loopback destinations (127.0.0.1 and the rest of 127.0.0.0/8, ::1, localhost) follow the same rules as any
 * other host, as curl, undici and most tools read the variables: a proxy set for them is used unless NO_PROXY
 * names them. What differs is the failure: a proxy elsewhere usually cannot reach this machine's 127.0.0.1, so
 * when the proxy refuses or cannot be reached for such a destination the request is made directly instead
 * (proxy-fetch.ts; the route says `loopback`). That can only ever stay on this machine, and it keeps the
 * embedded demo provider working behind a corporate proxy whose NO_PROXY does not list 127.0.0.1.
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

export type ProxyRoute =
  | { via: 'direct'; reason: 'no_proxy' | 'no_proxy_set' }
  /** `loopback`: a destination on this machine, made directly if the proxy cannot reach it. */
  | { via: 'proxy'; proxyUrl: string; loopback?: true };

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
  const proxy = settings ? (url.protocol === 'https:' ? settings.https : settings.http) : undefined;
  if (!settings || proxy === undefined) return { via: 'direct', reason: 'no_proxy_set' };
  const port = url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? 0) : Number(url.port);
  if (bypassedByNoProxy(settings.noProxy, hostname, port)) return { via: 'direct', reason: 'no_proxy' };
  return isLoopbackHost(hostname) ? { via: 'proxy', proxyUrl: proxy, loopback: true } : { via: 'proxy', proxyUrl: proxy };
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
  if (route.via === 'proxy') {
    const through = `through the proxy ${redactProxyUrl(route.proxyUrl)}`;
    return route.loopback ? `${through} (on this machine: directly when the proxy cannot reach it)` : through;
  }
  switch (route.reason) {
    case 'no_proxy':
      return 'directly (NO_PROXY names it)';
    case 'no_proxy_set':
      return 'directly (no proxy variable is set)';
  }
}
