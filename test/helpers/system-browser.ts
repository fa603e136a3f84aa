/**
 * Chromium playing "the system browser" that Latchkey opens for a sign-in: a fresh profile per launch
 * (no cookies leak between tests), and a driver for the demo provider's login and consent pages.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

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

const DEMO_PASSWORDS: Record<'alice' | 'bob', string> = { alice: 'alice-pass', bob: 'bob-pass' };

/** The demo provider marks its pages with `<body data-latchkey-idp="...">`; null for any other page. */
async function providerPageKind(page: Page): Promise<string | null> {
  return page.getAttribute('body', 'data-latchkey-idp');
}

async function bodyText(page: Page): Promise<string> {
  return page.innerText('body');
}

/** Clicks `selector` and waits until the navigation it starts (including redirects) has loaded. */
async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

/**
 * Drives the demo provider's login + consent pages in `page` (already at the authorization URL) and
 * resolves with the text of the final page (the loopback server's result page). Handles a provider
 * session that skips the login page. Rejects on a wrong password or a provider error page.
 */
export async function completeDemoSignIn(page: Page, script: DemoSignInScript = {}): Promise<string> {
  const user = script.user ?? 'alice';
  const password = script.password ?? DEMO_PASSWORDS[user];
  const consent = script.consent ?? 'allow';
  await page.waitForLoadState('load');
  let loginSubmitted = false;
  // login, consent, final page: never more than a few steps.
  for (let step = 0; step < 5; step += 1) {
    if (page.url().startsWith('chrome-error://')) {
      throw new Error(`the browser could not load the page after the provider (last URL ${page.url()})`);
    }
    const kind = await providerPageKind(page);
    if (kind === null) return bodyText(page);
    if (kind === 'login') {
      if (loginSubmitted) {
        throw new Error(`the demo provider refused the sign-in: ${await bodyText(page)}`);
      }
      await page.fill('input[name="username"]', user);
      await page.fill('input[name="password"]', password);
      loginSubmitted = true;
      await submit(page, 'button[type="submit"]');
    } else if (kind === 'consent') {
      await submit(page, `button[name="decision"][value="${consent}"]`);
    } else {
      throw new Error(`the demo provider showed its "${kind}" page: ${await bodyText(page)}`);
    }
  }
  throw new Error('the sign-in did not reach a final page');
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

/** An `openBrowser(url)` for the engine: opens url in a new page and runs the script in the background; errors are collected in `failures`. */
export function createBrowserOpener(browser: { newPage(): Promise<Page> }, script?: DemoSignInScript): BrowserOpener {
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
          opener.results.push(await completeDemoSignIn(page, script));
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
