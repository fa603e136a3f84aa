/**
 * Lifecycle hooks shared by the engine test files: one Chromium "system browser" per file, and cleanups
 * that run after each test (engines closed, providers stopped, temp folders removed) in reverse order.
 * Call these at the top level of a test file.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { launchSystemBrowser } from './system-browser';

export type SystemBrowserHandle = Awaited<ReturnType<typeof launchSystemBrowser>>;

/** Launches the system browser before the file's tests and closes it after; returns a getter for it. */
export function useSystemBrowser(): () => SystemBrowserHandle {
  let browser: SystemBrowserHandle | undefined;
  beforeAll(async () => {
    browser = await launchSystemBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('the system browser is not running (use it inside a test)');
    return browser;
  };
}

/** Returns `defer(fn)`: `fn` runs after the current test, last deferred first; failures are ignored. */
export function useCleanups(): (cleanup: () => Promise<unknown>) => void {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()?.().catch(() => undefined);
  });
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}
