/**
 * Loopback redirects: a sign-in listens on 127.0.0.1 for the browser to come back (RFC 8252 §7.3), on any free
 * port unless the provider entry pins `redirect_uri` to a fixed port. Checked by binding, briefly, exactly as
 * a sign-in would: an ephemeral port on 127.0.0.1 (something on this machine may forbid listening at all), and
 * each provider's fixed redirect ports, naming the process that holds a taken one where the OS tells.
 */
import { createServer } from 'node:net';
import { describeRedirect, type ResolvedProvider } from '../auth/provider-resolution';
import { describePortHolder } from '../port-holder';
import type { Check, DiagnosticsContext } from './context';

/** Listens on `host:port` and closes again; resolves with the error code when that is not possible. */
export function tryListen(host: string, port: number): Promise<{ ok: true; port: number } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, code: error.code ?? 'unknown error' }));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      server.close(() => resolve({ ok: true, port: bound }));
    });
  });
}

/** The address a redirect host is listened on (`localhost` is served on 127.0.0.1, as the sign-in does). */
function listenHost(host: string): string {
  if (host === '[::1]') return '::1';
  if (host === 'localhost') return '127.0.0.1';
  return host;
}

async function takenWords(port: number, platform: NodeJS.Platform, code: string): Promise<string> {
  if (code !== 'EADDRINUSE') return `cannot be listened on (${code})`;
  const holder = await describePortHolder(port, platform);
  return `is in use${holder ? ` by ${holder}` : ''}`;
}

export async function checkLoopback(context: DiagnosticsContext, providers: readonly ResolvedProvider[]): Promise<Check[]> {
  const checks: Check[] = [];
  const ephemeral = await tryListen('127.0.0.1', 0);
  checks.push(
    ephemeral.ok
      ? { group: 'loopback', id: 'bind', title: 'Listening on 127.0.0.1', status: 'ok', detail: `a sign-in can listen for the browser's redirect (tried port ${ephemeral.port})` }
      : {
          group: 'loopback',
          id: 'bind',
          title: 'Listening on 127.0.0.1',
          status: 'problem',
          detail: `no port on 127.0.0.1 can be listened on (${ephemeral.code}), so no sign-in in the browser can finish`,
          fix: 'Check that the loopback interface is up and that no security software forbids Latchkey to listen on it.',
        },
  );
  for (const provider of providers) {
    const fixed = provider.redirects.filter((target) => target.port !== 0);
    if (fixed.length === 0) continue;
    const taken: string[] = [];
    for (const target of fixed) {
      const result = await tryListen(listenHost(target.host), target.port);
      if (!result.ok) taken.push(`${describeRedirect(target)} ${await takenWords(target.port, context.platform, result.code)}`);
    }
    const uris = fixed.map(describeRedirect).join(', ');
    const base = { group: 'loopback' as const, id: `redirect-ports:${provider.name}`, title: `Redirect ports of "${provider.name}"` };
    if (taken.length === 0) {
      checks.push({ ...base, status: 'ok', detail: `free: ${uris}` });
    } else if (taken.length < fixed.length || fixed.length < provider.redirects.length) {
      checks.push({ ...base, status: 'warning', detail: `${taken.join('; ')}; a sign-in uses the next one that is free`, fix: 'Stop the program that holds the port, or register another loopback redirect URI with a free port.' });
    } else {
      checks.push({
        ...base,
        status: 'problem',
        detail: `${taken.join('; ')}: a sign-in with "${provider.name}" cannot listen for the browser's redirect`,
        fix: `Stop the program that holds the port, or register another redirect URI with a free port at the provider and list it under redirect_uri for "${provider.name}" in config.yaml.`,
      });
    }
  }
  return checks;
}
