/**
 * Chromium as "the system browser" at the Latchkey demo provider: the launch flags and the driver for the
 * provider's login and consent pages. Plain JavaScript, so that both the TypeScript test helpers
 * (system-browser.ts) and the `$BROWSER` stand-in run by node directly (browser-cli.mjs) share one copy.
 */

/** Flags for Chromium on a machine with no network but loopback (see DESIGN.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const DEMO_PASSWORDS = { alice: 'alice-pass', bob: 'bob-pass' };

/** Clicks `selector` and waits until the navigation it starts (including redirects) has loaded. */
async function submit(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

/**
 * Drives the demo provider's login + consent pages in `page` (already at the authorization URL) and
 * resolves with the text of the final page (the loopback server's result page). Handles a provider
 * session that skips the login page. Rejects on a wrong password or a provider error page. The provider
 * marks its pages with `<body data-latchkey-idp="...">`; any other page is the final one.
 */
export async function driveDemoSignIn(page, { user, password, consent }) {
  await page.waitForLoadState('load');
  // The provider emulators (test/emulators) share one sign-in page: a button per user, and Deny.
  if ((await page.getAttribute('body', 'data-emulator').catch(() => null)) === 'authorize') {
    return driveEmulatorPage(page, consent === 'deny' ? 'deny' : user);
  }
  let loginSubmitted = false;
  // login, consent, final page: never more than a few steps.
  for (let step = 0; step < 5; step += 1) {
    if (page.url().startsWith('chrome-error://')) {
      throw new Error(`the browser could not load the page after the provider (last URL ${page.url()})`);
    }
    const kind = await page.getAttribute('body', 'data-latchkey-idp');
    if (kind === null) return page.innerText('body');
    if (kind === 'login') {
      if (loginSubmitted) throw new Error(`the demo provider refused the sign-in: ${await page.innerText('body')}`);
      await page.fill('input[name="username"]', user);
      await page.fill('input[name="password"]', password);
      loginSubmitted = true;
      await submit(page, 'button[type="submit"]');
    } else if (kind === 'consent') {
      await submit(page, `button[name="decision"][value="${consent}"]`);
    } else if (kind === 'logout') {
      // The provider's sign-out confirmation (RP-initiated logout): confirm it.
      await submit(page, 'button[name="logout"][value="yes"]');
    } else if (kind === 'signed-out') {
      return page.innerText('body');
    } else {
      throw new Error(`the demo provider showed its "${kind}" page: ${await page.innerText('body')}`);
    }
  }
  throw new Error('the sign-in did not reach a final page');
}

/**
 * Clicks `user`'s button (or Deny) on a provider emulator's sign-in page and resolves with the text of the page
 * the browser lands on (Latchkey's loopback page). The TypeScript tests use test/emulators/browser-driver.ts;
 * this copy serves the `$BROWSER` stand-in, which node runs without a TypeScript loader.
 */
export async function driveEmulatorPage(page, user) {
  const selector = user === 'deny' ? 'button[name="deny"][value="1"]' : `button[name="user"][value=${JSON.stringify(user)}]`;
  const origin = new URL(page.url()).origin;
  await Promise.all([page.waitForURL((url) => url.origin !== origin, { waitUntil: 'load' }), page.click(selector)]);
  if (page.url().startsWith('chrome-error://')) throw new Error(`the browser could not load the page after the emulator (${page.url()})`);
  return page.innerText('body');
}
