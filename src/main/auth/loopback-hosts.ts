/**
 * The loopback hosts, defined once: where plain http is acceptable (a provider or an endpoint on this machine,
 * RFC 8252 §8.3) and which hosts a pinned redirect URI may name. The config schema, the provider endpoint check
 * and the request guard all read this table.
 */

/** Host names as `URL.hostname` spells them. */
export const LOOPBACK_HOSTNAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.includes(hostname);
}

/** Whether a URL may be used: https anywhere, plain http only on a loopback host. */
export function isSecureOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHostname(url.hostname));
}
