/**
 * Row 7: reloading the app window until the dashboard is painted, against reloading a blank page in the
 * same Chromium. The window is the renderer end-to-end harness's (test/helpers/renderer-harness.ts): the
 * built renderer served with the app's Content-Security-Policy, the real preload API over a Playwright
 * binding into the real IPC router and session engine. "Painted" is two animation frames after the
 * element is visible; both sides pay the same Playwright round trips.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  bundlePreloadApi,
  launchAppBrowser,
  openAppWindow,
  rendererBundleDir,
  serveStatic,
} from '../../test/helpers/renderer-harness';
import { refuseBrowser } from '../lib/environment';
import { measuredRow } from '../lib/report';
import { CheckCollector, type ScenarioContext, type ScenarioResult } from '../lib/scenario';
import { interleave, type Case } from '../lib/stats';

const DASHBOARD = '[data-testid="dashboard"]';
const BLANK_PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>blank</title></head><body></body></html>';

/** Resolves after the second animation frame: the frame with the content has been produced. */
function painted(page: Page): Promise<void> {
  // A string: this runs in the page, and the Node-side type check has no DOM library.
  return page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())))');
}

export async function rendererScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const { env } = context;
  const iterations = context.iterations(40);
  const warmup = context.warmup(3);
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    context.progress('renderer reload: building the renderer and preload bundles');
    const [bundleDir, preload, browser, blankDir] = await Promise.all([
      rendererBundleDir(),
      bundlePreloadApi(),
      launchAppBrowser(),
      mkdtemp(join(tmpdir(), 'latchkey-bench-blank-')),
    ]);
    cleanups.push(() => browser.close(), () => rm(blankDir, { recursive: true, force: true }));
    await writeFile(join(blankDir, 'index.html'), BLANK_PAGE);
    const [appServer, blankServer] = await Promise.all([serveStatic(bundleDir), serveStatic(blankDir)]);
    cleanups.push(() => appServer.close(), () => blankServer.close());

    const latchkey = await env.engine({ openBrowser: refuseBrowser, role: 'app' });
    cleanups.push(() => latchkey.close());
    await latchkey.restore();
    const win = await openAppWindow({ browser, url: appServer.url, preload, engine: latchkey.engine });
    cleanups.push(() => win.close());
    await win.page.goto(appServer.url);
    await win.page.waitForSelector(DASHBOARD, { state: 'visible' });

    const blankContext = await browser.newContext({ viewport: { width: 960, height: 720 } });
    cleanups.push(() => blankContext.close());
    const blank = await blankContext.newPage();
    await blank.goto(blankServer.url);

    const dashboardCheck = new CheckCollector('every reload shows the dashboard and never the sign-in screen');
    const appCase: Case = {
      run: async () => {
        await win.page.reload({ waitUntil: 'commit' });
        await win.page.waitForSelector(DASHBOARD, { state: 'visible' });
        await painted(win.page);
      },
      after: async () => {
        const seen = await win.signInScreenSeen();
        dashboardCheck.record(!seen, () => 'the sign-in screen was drawn during a reload');
      },
    };
    const blankCase: Case = {
      run: async () => {
        await blank.reload({ waitUntil: 'commit' });
        await blank.waitForSelector('body', { state: 'attached' });
        await painted(blank);
      },
    };
    const samples = await interleave(
      { app: appCase as Case<unknown>, blank: blankCase as Case<unknown> },
      { iterations, warmup, onRound: (round) => context.progress(`renderer reload: round ${round}/${iterations}`) },
    );
    return {
      rows: [
        measuredRow({
          id: '7',
          title: 'Renderer: reload → dashboard painted',
          subject: { label: 'Chromium: reload the app window → dashboard painted (session asked from the engine over IPC)', samples: samples.app ?? [] },
          baseline: { label: 'Chromium: reload a blank page → painted', samples: samples.blank ?? [] },
          notes: [
            `${iterations} reloads (+${warmup} warm-up) each, alternating. Measured in headless Chromium with the renderer end-to-end harness, not in Electron (no Electron binary here); the IPC hop is a Playwright binding rather than Electron IPC.`,
          ],
        }),
      ],
      checks: [dashboardCheck.result('dashboard every time')],
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
