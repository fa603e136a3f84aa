/**
 * A separate process for test/dpop.test.ts: a whole Latchkey engine (role `cli`, as a `latchkey` command next
 * to the app) on a config.yaml and keychain that another process signed in to. It forces one refresh of the
 * active account and calls the demo API, recording what the token endpoint and the API answered, and prints
 * one JSON line `{"result": ...}`: statuses and error codes only, never a token or a key.
 *
 *   <configPath> <keychainService> <demo port>
 */
import { createLatchkey } from '../../src/main/app';
import { isAuthError } from '../../src/shared/errors';

const [configPath, keychainService, port] = process.argv.slice(2);

export interface DpopChildReport {
  /** Each token endpoint answer: status and OAuth error (`use_dpop_nonce` while the process learns its nonce). */
  token: Array<{ status: number; error?: string }>;
  /** Each demo API answer: status and the WWW-Authenticate error, if any. */
  api: Array<{ status: number; error?: string }>;
  /** Whether every request to the token endpoint and the API carried a DPoP proof. */
  proofsSent: boolean;
  refreshed: boolean;
  me?: unknown;
  error?: string;
}

async function main(): Promise<void> {
  const report: DpopChildReport = { token: [], api: [], proofsSent: true, refreshed: false };
  const latchkey = await createLatchkey({
    configPath: configPath as string,
    keychainService: keychainService as string,
    openBrowser: () => Promise.reject(new Error('no browser in this process')),
    embeddedProvider: { port: Number(port) },
    role: 'cli',
    fetch: async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const response = await fetch(input, init);
      const isToken = url.pathname === '/token';
      const isApi = url.pathname.startsWith('/api/');
      if (isToken || isApi) {
        if (!new Headers(init?.headers).has('dpop')) report.proofsSent = false;
        const challenge = /error="([a-z_]+)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
        const body = isToken && response.status >= 400 ? ((await response.clone().json()) as { error?: string }) : undefined;
        const error = body?.error ?? challenge;
        (isToken ? report.token : report.api).push({ status: response.status, ...(error ? { error } : {}) });
      }
      return response;
    },
  });
  try {
    await latchkey.restore();
    await latchkey.engine.refreshNow();
    report.refreshed = true;
    const answer = await latchkey.engine.fetchApi('demo', { path: '/me' });
    report.me = { status: answer.status, dpop: answer.dpop, body: answer.body };
  } catch (error) {
    report.error = isAuthError(error) ? error.code : String(error);
  } finally {
    await latchkey.close();
  }
  process.stdout.write(`${JSON.stringify({ result: report })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
