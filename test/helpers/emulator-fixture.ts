/**
 * Fixtures for signing in against the provider emulators (test/emulators): Chromium as the system browser
 * clicking the emulator's sign-in page, an engine on a temp data folder and a private keychain, and the
 * config.yaml for a provider entry.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { SecretVault } from '../../src/main/store/secrets';
import { driveEmulatorSignIn } from '../emulators';
import type { TempHome } from './engine-fixture';
import { createDrivenOpener, type BrowserOpener } from './system-browser';

export type DrivenOpener = BrowserOpener;

/**
 * An `openBrowser(url)` that opens each URL in a new page and clicks `user` on an emulator's sign-in page;
 * URLs that are not sign-ins (sign-out pages) are only loaded.
 */
export function emulatorOpener(browser: { newPage(): Promise<Page> }, user: string | (() => string)): DrivenOpener {
  return createDrivenOpener(browser, async (page) => {
    const isSignIn = (await page.getAttribute('body', 'data-emulator').catch(() => null)) === 'authorize';
    return isSignIn ? driveEmulatorSignIn(page, typeof user === 'function' ? user() : user) : page.innerText('body');
  });
}

/** config.yaml with the given `providers:` block (YAML text, indented by two spaces). */
export async function writeProvidersConfig(home: TempHome, providersYaml: string): Promise<void> {
  await writeFile(home.configPath, `session:\n  expiry_days: 30\nproviders:\n${providersYaml}credentials:\n  usernames: {}\n`, { mode: 0o600 });
}

export function vaultFor(home: TempHome): SecretVault {
  return new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') });
}

/**
 * A fetch that reaches only this machine: a test must never send anything (not even a name lookup) to another
 * address. A request elsewhere fails as a network error would, and is recorded so a test can check it.
 */
export const outsideRequests: string[] = [];
export const loopbackOnlyFetch: typeof fetch = (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    outsideRequests.push(url.href);
    return Promise.reject(new TypeError(`fetch failed (tests reach only this machine: ${url.host})`));
  }
  return fetch(input, init);
};

export async function emulatorEngine(home: TempHome, opener: Pick<DrivenOpener, 'openBrowser'>, options: Partial<Parameters<typeof createLatchkey>[0]> = {}): Promise<Latchkey> {
  return createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    openBrowser: opener.openBrowser,
    embeddedProvider: false,
    role: 'cli',
    fetch: loopbackOnlyFetch,
    ...options,
  });
}
