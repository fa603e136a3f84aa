/**
 * Authorization codes for the timed runs, obtained the way a person obtains them: Chromium (playing the
 * system browser) walks through the demo provider's login and consent pages. The redirect back to the
 * loopback address is caught inside the browser and its URL handed to the benchmark, which delivers it
 * itself inside the timed section. So the time a person spends on the provider's pages is never timed,
 * and what is timed starts at "the callback URL has arrived".
 */
import { Buffer } from 'node:buffer';
import type { Page } from 'playwright-core';
import { completeDemoSignIn } from '../../test/helpers/system-browser';

const CAUGHT_PAGE = '<!doctype html><title>Callback caught</title><p>The benchmark delivers this callback itself.</p>';

export interface BrowserLike {
  newPage(): Promise<Page>;
}

/**
 * Opens `authorizationUrl`, signs in as `user` and consents, and resolves with the URL the provider
 * redirected the browser to (carrying `code`, `state` and `iss`). The redirect never reaches the network.
 */
export async function captureCallback(browser: BrowserLike, authorizationUrl: string, user: 'alice' | 'bob' = 'alice'): Promise<URL> {
  const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri');
  if (!redirectUri) throw new Error('the authorization URL has no redirect_uri');
  const page = await browser.newPage();
  try {
    // Playwright's page.route() does not see requests reached through a redirect, and the provider reaches
    // the callback by redirecting; Chromium's Fetch domain (DevTools protocol) does.
    const cdp = await page.context().newCDPSession(page);
    let captured: URL | undefined;
    cdp.on('Fetch.requestPaused', (event: { requestId: string; request: { url: string } }) => {
      captured = new URL(event.request.url);
      void cdp
        .send('Fetch.fulfillRequest', {
          requestId: event.requestId,
          responseCode: 200,
          responseHeaders: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }],
          body: Buffer.from(CAUGHT_PAGE).toString('base64'),
        })
        .catch(() => undefined);
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${redirectUri}?*`, requestStage: 'Request' }] });
    await page.goto(authorizationUrl);
    await completeDemoSignIn(page, { user, consent: 'allow' });
    if (!captured) throw new Error(`the provider did not redirect to ${redirectUri} (last page: ${page.url()})`);
    return captured;
  } finally {
    await page.close();
  }
}

/**
 * An `openBrowser` for the engine whose sign-ins the benchmark times: every URL the engine opens is walked
 * through in Chromium in the background, and `nextCallback()` resolves with the caught redirect.
 */
export class CallbackCatcher {
  #waiters: Array<(callback: Promise<URL>) => void> = [];
  #ready: Array<Promise<URL>> = [];

  constructor(private readonly browser: BrowserLike) {}

  readonly openBrowser = (url: string): Promise<void> => {
    const callback = captureCallback(this.browser, url);
    // Keep an unobserved failure from crashing the process; nextCallback() rethrows it.
    callback.catch(() => undefined);
    const waiter = this.#waiters.shift();
    if (waiter) waiter(callback);
    else this.#ready.push(callback);
    return Promise.resolve();
  };

  /** The callback URL of the next sign-in the engine opens the browser for. */
  nextCallback(): Promise<URL> {
    const ready = this.#ready.shift();
    if (ready) return ready;
    return new Promise<Promise<URL>>((resolve) => this.#waiters.push(resolve)).then((callback) => callback);
  }
}
