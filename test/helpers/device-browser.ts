/**
 * Chromium as "the other device" of a sign-in on another device (RFC 8628) at the demo provider: opens the
 * verification page (with the code filled in, or types the code), then confirms or aborts, signs in and
 * consents on the provider's usual pages. The provider marks its pages with `<body data-latchkey-idp="...">`.
 */
import type { Page } from 'playwright-core';
import { DEMO_PASSWORDS } from './demo-browser.mjs';

export interface DeviceVerificationScript {
  user?: 'alice' | 'bob';
  /** `allow`: Continue, sign in, Allow. `abort`: Abort on the confirmation page. `deny`: Deny on the consent page. */
  decision?: 'allow' | 'abort' | 'deny';
  /** Typed into the code page (when the page was opened without the code). */
  userCode?: string;
}

async function kindOf(page: Page): Promise<string | null> {
  return page.getAttribute('body', 'data-latchkey-idp');
}

async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

/**
 * Goes through the provider's device pages from `url` and resolves with `{ kind, text }` of the page it ends
 * on: `device-done` after a confirmed sign-in, `device-code` after an abort, `error` after a denial.
 */
export async function completeDeviceVerification(page: Page, url: string, script: DeviceVerificationScript = {}): Promise<{ kind: string | null; text: string; shownCode: string | null }> {
  const user = script.user ?? 'alice';
  const decision = script.decision ?? 'allow';
  await page.goto(url, { waitUntil: 'load' });
  // verification_uri_complete: the provider posts the code by itself and lands on the confirmation page.
  await page.waitForSelector('body[data-latchkey-idp="device-code"], body[data-latchkey-idp="device-confirm"]');
  if ((await kindOf(page)) === 'device-code') {
    if (!script.userCode) throw new Error(`the code page asks for a code: ${await page.innerText('body')}`);
    await page.fill('input[name="user_code"]', script.userCode);
    await submit(page, 'button[form="op.deviceInputForm"]');
  }
  if ((await kindOf(page)) !== 'device-confirm') throw new Error(`expected the confirmation page: ${await page.innerText('body')}`);
  const shownCode = await page.textContent('[data-user-code]');
  if (decision === 'abort') {
    await submit(page, 'button[name="abort"]');
    return { kind: await kindOf(page), text: await page.innerText('body'), shownCode };
  }
  await submit(page, 'button[form="op.deviceConfirmForm"]:not([name])');
  let loginSubmitted = false;
  for (let step = 0; step < 5; step += 1) {
    const kind = await kindOf(page);
    if (kind === 'login') {
      if (loginSubmitted) throw new Error(`the demo provider refused the sign-in: ${await page.innerText('body')}`);
      await page.fill('input[name="username"]', user);
      await page.fill('input[name="password"]', DEMO_PASSWORDS[user]);
      loginSubmitted = true;
      await submit(page, 'button[type="submit"]');
    } else if (kind === 'consent') {
      await submit(page, `button[name="decision"][value="${decision === 'deny' ? 'deny' : 'allow'}"]`);
    } else {
      return { kind, text: await page.innerText('body'), shownCode };
    }
  }
  throw new Error('the device sign-in did not reach a final page');
}
