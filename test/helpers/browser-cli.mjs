#!/usr/bin/env node
/**
 * A stand-in for the system browser, for `$BROWSER` in CLI tests:
 *
 *   BROWSER="node test/helpers/browser-cli.mjs" latchkey login
 *
 * Opens the URL in Chromium (fresh temporary profile), signs in at the Latchkey demo provider (or clicks the user
 * on a provider emulator's page, test/emulators) and waits for
 * the final page (Latchkey's loopback result page). Prints nothing on stdout; exits 0 on success, non-zero
 * with a message on stderr otherwise.
 *
 * Environment: LATCHKEY_TEST_USER (alice | bob, default alice), LATCHKEY_TEST_PASSWORD (default: the
 * user's demo password), LATCHKEY_TEST_CONSENT (allow | deny, default allow), CHROMIUM_PATH (default
 * /usr/bin/chromium), LATCHKEY_TEST_BROWSER_TIMEOUT_MS (default 60000: a stuck run must not leave a
 * Chromium behind), LATCHKEY_TEST_BROWSER_ARGS (more Chromium switches, space separated: e.g. the test proxy
 * in --proxy-server, for a provider only that proxy can reach).
 *
 * Plain JavaScript so that node runs it directly; the page driver is shared with system-browser.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, DEMO_PASSWORDS, driveDemoSignIn } from './demo-browser.mjs';

function settings(env) {
  const user = env.LATCHKEY_TEST_USER || 'alice';
  // Any user name is fine at a provider emulator; the demo provider knows alice and bob.
  if (!/^[A-Za-z0-9@._-]{1,64}$/.test(user)) throw new Error(`LATCHKEY_TEST_USER must be a user name, not "${user}"`);
  const consent = env.LATCHKEY_TEST_CONSENT || 'allow';
  if (consent !== 'allow' && consent !== 'deny') throw new Error(`LATCHKEY_TEST_CONSENT must be allow or deny, not "${consent}"`);
  const timeoutMs = Number(env.LATCHKEY_TEST_BROWSER_TIMEOUT_MS || 60_000);
  return { user, password: env.LATCHKEY_TEST_PASSWORD || DEMO_PASSWORDS[user] || '', consent, timeoutMs };
}

async function main() {
  const url = process.argv[2];
  if (url === undefined || !/^https?:\/\//.test(url)) throw new Error('usage: browser-cli.mjs <http(s) URL>');
  const script = settings(process.env);
  const profile = await mkdtemp(join(tmpdir(), 'latchkey-browser-cli-'));
  let context;
  const timer = setTimeout(() => {
    process.stderr.write(`browser-cli: gave up after ${script.timeoutMs} ms\n`);
    // Closing Chromium makes the pending page calls fail, which ends main() with an error.
    void context?.close();
  }, script.timeoutMs);
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [...CHROMIUM_ARGS, ...(process.env.LATCHKEY_TEST_BROWSER_ARGS || '').split(' ').filter((arg) => arg !== '')],
      headless: true,
    });
    const page = await context.newPage();
    await page.goto(url);
    await driveDemoSignIn(page, script);
  } finally {
    clearTimeout(timer);
    await context?.close().catch(() => undefined);
    await rm(profile, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`browser-cli: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
