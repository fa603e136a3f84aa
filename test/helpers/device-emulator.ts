/**
 * What the device-flow tests against the provider emulators (test/providers/*-device.test.ts) share: an engine
 * on a data folder whose providers are given, that must never open a browser (the sign-in happens on "another
 * device"); the device sign-in's progress as the engine announces it; a sign-in's coded failure; the accounts
 * in config.yaml; and the phone, which types the code on an emulator's device page and approves or declines.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { parse } from 'yaml';
import type { Latchkey } from '../../src/main/app';
import { isAuthError, type AuthError } from '../../src/shared/errors';
import type { DeviceSignInProgress } from '../../src/shared/session';
import { emulatorEngine, writeProvidersConfig } from './emulator-fixture';
import { tempHome, type TempHome } from './engine-fixture';

/** A data folder with `providersYaml` and an engine on it that refuses to open any browser (closed by `defer`). */
export async function deviceEngine(providersYaml: string, defer: (cleanup: () => Promise<unknown>) => void): Promise<{ home: TempHome; latchkey: Latchkey }> {
  const home = await tempHome();
  defer(home.cleanup);
  await writeProvidersConfig(home, providersYaml);
  const latchkey = await emulatorEngine(home, {
    openBrowser: async (url) => {
      throw new Error(`no browser may be opened by a sign-in on another device (asked for ${url})`);
    },
  });
  defer(() => latchkey.close());
  await latchkey.restore();
  return { home, latchkey };
}

/** The device sign-in's progress, once the engine announces it. */
export function deviceProgress(latchkey: Latchkey): Promise<DeviceSignInProgress> {
  return new Promise((resolve) => {
    const stop = latchkey.engine.onStateChange((state) => {
      if (state.deviceSignIn) {
        stop();
        resolve(state.deviceSignIn);
      }
    });
  });
}

/** The coded error a sign-in fails with (a success fails the test). */
export async function failure(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the sign-in to fail');
    },
    (e: unknown) => e,
  );
  if (!isAuthError(error)) throw error;
  return error;
}

export async function accountsInYaml(home: TempHome): Promise<Record<string, Record<string, unknown>>> {
  const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials: { usernames: Record<string, Record<string, unknown>> | null } };
  return doc.credentials.usernames ?? {};
}

/** The phone: opens the emulator's device page, types the code and approves as `user` (or declines). */
export async function enterCode(browser: { newPage(): Promise<Page> }, provider: string, url: string, code: string, user: string | 'deny'): Promise<string> {
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: 'load' });
  if ((await page.getAttribute('body', 'data-emulator')) !== 'device') throw new Error(`not ${provider}'s device page: ${await page.innerText('body')}`);
  await page.fill('input[name="user_code"]', code);
  const button = user === 'deny' ? 'button[name="deny"]' : `button[name="user"][value="${user}"]`;
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(button)]);
  return page.innerText('body');
}
