/**
 * Drives an emulator's sign-in page in Chromium (playing the system browser): every emulator shows the
 * same form (see authorization-page.ts), so one driver serves them all.
 */
import type { Page } from 'playwright-core';

/**
 * Clicks the button for `user` (its value, e.g. 'alice', or failing that a button whose text contains
 * `user`, e.g. 'ada@contoso.example') or Deny on the current page, waits for the redirects to settle and
 * resolves with the text of the final page's body (the app's loopback page). Rejects when the current
 * page is an emulator error page, or has no such button.
 */
export async function driveEmulatorSignIn(page: Page, user: string | 'deny'): Promise<string> {
  await page.waitForLoadState('load');
  const marker = await page.getAttribute('body', 'data-emulator').catch(() => null);
  if (marker !== 'authorize') {
    throw new Error(`not at an emulator sign-in page (${page.url()}): ${(await page.innerText('body').catch(() => '')).slice(0, 500)}`);
  }
  let button = user === 'deny' ? page.locator('button[name="deny"][value="1"]') : page.locator(`button[name="user"][value=${JSON.stringify(user)}]`);
  if (user !== 'deny' && (await button.count()) === 0) {
    button = page.locator('button[name="user"]', { hasText: user });
  }
  if ((await button.count()) !== 1) throw new Error(`no single sign-in button for "${user}" on ${page.url()}`);
  const origin = new URL(page.url()).origin;
  // Wait until the browser has left the emulator (after its 302) and the page it landed on has loaded.
  await Promise.all([page.waitForURL((url) => url.origin !== origin, { waitUntil: 'load' }), button.click()]);
  if (page.url().startsWith('chrome-error://')) throw new Error(`the browser could not load the page after the emulator (${page.url()})`);
  return page.innerText('body');
}
