/**
 * Rows 12a and 12b: one call of a protected API with the signed-in session — the demo provider's demo API,
 * `GET /api/projects`, with the DPoP-bound access token — through Latchkey, against the same call made
 * directly with the token.
 * - 12a: the IPC router in this process (the `api:request` channel's validation and envelope), the engine's
 *   request path (the account and its token from memory, the URL built below base_url, a fresh DPoP proof, the
 *   bounded read, the safe header subset, the answer decoded and copied to plain JSON);
 * - 12b: the same from the window: `window.latchkey.api.request()` in the renderer end-to-end harness (the real
 *   preload API over a Playwright binding into the router), as the dashboard's panel calls it;
 * - the baseline: openid-client's `fetchProtectedResource` with the same token and a DPoP handle on the same key
 *   (a proof is part of a direct call too), the body read as JSON.
 * The token is valid throughout: no refresh is part of either side (checked).
 */
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { createIpcRouter } from '../../src/main/desktop/ipc-router';
import { sessionKeyPair } from '../../test/helpers/dpop-proof';
import { bundlePreloadApi, launchAppBrowser, openAppWindow, rendererBundleDir, serveStatic } from '../../test/helpers/renderer-harness';
import { API_NAME, refuseBrowser } from '../lib/environment';
import { measuredRow } from '../lib/report';
import { CheckCollector, type ScenarioContext, type ScenarioResult } from '../lib/scenario';
import { interleave, type Case } from '../lib/stats';

const REQUEST = { path: '/projects', query: { days: 30 } };

/** What a call made from the page answered: status, and whether the token was DPoP-bound. */
function callFromPage(page: Page): Promise<{ status: number; dpop: boolean; projects: number }> {
  // A string: this runs in the page, and the Node-side type check has no DOM library.
  return page.evaluate(`window.latchkey.api.request(${JSON.stringify(API_NAME)}, ${JSON.stringify(REQUEST)}).then((r) => ({ status: r.status, dpop: r.dpop, projects: r.body.projects.length }))`);
}

export async function apiCallScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const { env, shared } = context;
  const accountKey = shared.accountKey as string;
  const iterations = context.iterations(100);
  const warmup = context.warmup(5);
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const latchkey = await env.engine({ openBrowser: refuseBrowser });
    cleanups.push(() => latchkey.close());
    await latchkey.restore();
    const router = createIpcRouter(latchkey.engine);

    const tokens = await env.vault().get(accountKey);
    const keyPair = await sessionKeyPair(tokens);
    if (!tokens || !keyPair) throw new Error('the signed-in account has no DPoP-bound session');
    const direct = { DPoP: oidc.getDPoPHandle(env.bare, keyPair) };
    const url = new URL(`${env.provider.issuer}/api/projects?days=30`);

    context.progress('API call: starting the window');
    const [bundleDir, preload, browser] = await Promise.all([rendererBundleDir(), bundlePreloadApi(), launchAppBrowser()]);
    cleanups.push(() => browser.close());
    const server = await serveStatic(bundleDir);
    cleanups.push(() => server.close());
    const win = await openAppWindow({ browser, url: server.url, preload, engine: latchkey.engine });
    cleanups.push(() => win.close());
    await win.page.goto(server.url);
    await win.page.waitForSelector('[data-testid="dashboard"]', { state: 'visible' });

    const answers = new CheckCollector('every call through Latchkey answered 200 with the DPoP-bound token');
    const baselineAnswers = new CheckCollector('every direct call answered 200');
    const routerCase: Case = {
      run: async () => {
        const result = await router.handle('api:request', [API_NAME, REQUEST]);
        const value = result.ok ? (result.value as { status: number; dpop: boolean }) : undefined;
        answers.record(value?.status === 200 && value.dpop, () => JSON.stringify(result).slice(0, 200));
      },
    };
    const pageCase: Case = {
      run: async () => {
        const answer = await callFromPage(win.page);
        answers.record(answer.status === 200 && answer.dpop && answer.projects > 0, () => JSON.stringify(answer));
      },
    };
    const directCase: Case = {
      run: async () => {
        const response = await oidc.fetchProtectedResource(env.bare, tokens.accessToken, url, 'GET', undefined, undefined, direct);
        const body = (await response.json()) as { projects?: unknown[] };
        baselineAnswers.record(response.status === 200 && Array.isArray(body.projects), () => `HTTP ${response.status}`);
      },
    };
    const samples = await interleave(
      { router: routerCase as Case<unknown>, page: pageCase as Case<unknown>, direct: directCase as Case<unknown> },
      { iterations, warmup, onRound: (round) => context.progress(`API call: round ${round}/${iterations}`) },
    );

    const unchanged = new CheckCollector('no refresh during the run (the same access token throughout)');
    unchanged.record((await env.vault().get(accountKey))?.accessToken === tokens.accessToken, () => 'the access token changed');
    const baselineLabel = 'openid-client fetchProtectedResource with the token and a DPoP proof (same key), body read';
    return {
      rows: [
        measuredRow({
          id: '12a',
          title: 'API call through Latchkey: IPC router + token + fetch',
          subject: { label: 'Latchkey api:request through the IPC router (validation, token, DPoP proof, URL below base_url, bounded read, safe headers, plain JSON)', samples: samples.router ?? [] },
          baseline: { label: baselineLabel, samples: samples.direct ?? [] },
          notes: [`${iterations} calls (+${warmup} warm-up) each, alternating; GET /api/projects?days=30 of the demo API (about 5 KB of JSON).`],
        }),
        measuredRow({
          id: '12b',
          title: 'API call from the window: preload API + IPC + token + fetch',
          subject: { label: 'window.latchkey.api.request() in Chromium (renderer harness: Playwright binding into the router)', samples: samples.page ?? [] },
          baseline: { label: baselineLabel, samples: samples.direct ?? [] },
          notes: ['Measured in headless Chromium with the renderer end-to-end harness, not in Electron: the hop from the page is a Playwright binding (page.evaluate and back), which costs more than Electron IPC.'],
        }),
      ],
      checks: [answers.result('200, DPoP-bound'), baselineAnswers.result('200'), unchanged.result('one access token')],
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
