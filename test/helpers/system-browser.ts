/**
 * Chromium playing "the system browser" that Latchkey opens for a sign-in: a fresh profile per launch
 * (no cookies leak between tests), and a driver for the demo provider's login and consent pages.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, DEMO_PASSWORDS, driveDemoSignIn } from './demo-browser.mjs';

export { CHROMIUM_ARGS };

export interface SystemBrowser {
  close(): Promise<void>;
  /** pages opened so far */
  pages(): Page[];
}

export async function launchSystemBrowser(): Promise<SystemBrowser & { newPage(): Promise<Page> }> {
  const profile = await mkdtemp(join(tmpdir(), 'latchkey-browser-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      headless: true,
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const opened: Page[] = [];
  context.on('page', (page) => opened.push(page));
  let closing: Promise<void> | undefined;
  return {
    newPage: () => context.newPage(),
    pages: () => [...opened],
    close() {
      closing ??= (async () => {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

export interface DemoSignInScript {
  user?: 'alice' | 'bob';
  /** Default: the user's demo password. */
  password?: string;
  consent?: 'allow' | 'deny';
}

/**
 * Drives the demo provider's login + consent pages in `page` (already at the authorization URL) and
 * resolves with the text of the final page (the loopback server's result page). Handles a provider
 * session that skips the login page. Rejects on a wrong password or a provider error page.
 */
export async function completeDemoSignIn(page: Page, script: DemoSignInScript = {}): Promise<string> {
  const user = script.user ?? 'alice';
  const password = script.password ?? DEMO_PASSWORDS[user];
  return driveDemoSignIn(page, { user, password, consent: script.consent ?? 'allow' });
}

export interface BrowserOpener {
  /** For the engine: opens `url` in a new page and runs the sign-in script in the background. */
  openBrowser(url: string): Promise<void>;
  /** Every URL opened, in order. */
  opened: string[];
  /** Errors of the background scripts. */
  failures: unknown[];
  /** Text of the final page of each completed sign-in, in completion order. */
  results: string[];
  /** Waits for every background script started so far. */
  settled(): Promise<void>;
}

/**
 * An `openBrowser(url)` for the engine: opens each URL in a new page and runs `drive` on it in the background;
 * errors are collected in `failures`. The demo provider's pages and the emulators' share this.
 */
export function createDrivenOpener(browser: { newPage(): Promise<Page> }, drive: (page: Page) => Promise<string>): BrowserOpener {
  const running: Promise<void>[] = [];
  const opener: BrowserOpener = {
    opened: [],
    failures: [],
    results: [],
    async openBrowser(url: string) {
      opener.opened.push(url);
      const page = await browser.newPage();
      running.push(
        (async () => {
          await page.goto(url);
          opener.results.push(await drive(page));
        })().catch((error: unknown) => {
          opener.failures.push(error);
        }),
      );
    },
    async settled() {
      // Scripts may be added while waiting (a re-opened browser): wait until no new one appears.
      let count = -1;
      while (count !== running.length) {
        count = running.length;
        await Promise.all(running);
      }
    },
  };
  return opener;
}

/** An `openBrowser(url)` that signs in at the demo provider with `script`. */
export function createBrowserOpener(browser: { newPage(): Promise<Page> }, script?: DemoSignInScript): BrowserOpener {
  return createDrivenOpener(browser, (page) => completeDemoSignIn(page, script));
}
