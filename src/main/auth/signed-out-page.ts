/**
 * The page a provider's sign-out sends the browser back to (`post_logout_redirect_uri`), when one is
 * registered: a one-shot loopback listener that shows "You are signed out" and closes. It carries nothing
 * secret and accepts nothing; it only exists so that the person does not land on a "cannot connect" error.
 */
import { createServer } from 'node:http';
import { renderResultPage } from './result-page';

/** How long the page waits for the provider to send the browser back. */
const WAIT_MS = 5 * 60_000;

export async function serveSignedOutPage(uri: string, providerLabel: string): Promise<void> {
  const url = new URL(uri);
  // Without a fixed port there is no address the provider could have been told about.
  if (url.port === '') return;
  const body = renderResultPage({ ok: true, title: 'You are signed out', detail: `You are signed out of Latchkey and ${providerLabel}. You can close this tab.` });
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const matches = path === url.pathname && req.method === 'GET';
    res.writeHead(matches ? 200 : 404, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      'X-Content-Type-Options': 'nosniff',
      Connection: 'close',
    });
    res.end(matches ? body : renderResultPage({ ok: false, title: 'Not found', detail: 'This address is not part of Latchkey.' }));
    if (matches) close();
  });
  const timer = setTimeout(() => close(), WAIT_MS);
  timer.unref();
  const close = (): void => {
    clearTimeout(timer);
    server.close();
    server.closeAllConnections();
  };
  await new Promise<void>((resolve) => {
    // A port already in use (an earlier page still open) is not worth failing a sign-out for.
    server.once('error', () => resolve());
    server.listen({ host: url.hostname === '[::1]' ? '::1' : '127.0.0.1', port: Number(url.port), exclusive: true }, () => resolve());
  });
  server.unref();
}
