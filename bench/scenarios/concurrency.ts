/**
 * Row 5: 1,000 concurrent `getAccessToken()` calls while the access token has expired (the engine's clock is
 * moved past the expiry, not the machine's). The single-flight refresh must turn them into exactly one
 * refresh request, counted at the fetch the engine uses; the baseline is one caller doing the same refresh.
 */
import { recordingFetch } from '../../test/helpers/engine-fixture';
import { refuseBrowser } from '../lib/environment';
import { measuredRow } from '../lib/report';
import { CheckCollector, type ScenarioContext, type ScenarioResult } from '../lib/scenario';
import { interleave, type Case } from '../lib/stats';

const CALLERS = 1_000;
/** Past any access token lifetime the demo provider issues here (one hour). */
const CLOCK_STEP_MS = 2 * 60 * 60 * 1000;

interface Batch {
  before: number;
  tokens?: string[];
}

export async function concurrencyScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const { env } = context;
  const accountKey = context.shared.accountKey as string;
  const iterations = context.iterations(20);
  const warmup = context.warmup(2);
  const recorder = recordingFetch();
  let clockOffset = 0;
  const latchkey = await env.engine({ openBrowser: refuseBrowser, fetch: recorder.fetch, now: () => Date.now() + clockOffset });
  const perBatch: number[] = [];
  const singleFlight = new CheckCollector(`${CALLERS.toLocaleString('en')} concurrent getAccessToken() on an expired token make exactly 1 refresh request`);
  const single = new CheckCollector('1 getAccessToken() on an expired token makes exactly 1 refresh request');
  try {
    const state = await latchkey.restore();
    if (recorder.refreshRequests() !== 0 || state.activeAccountKey !== accountKey) throw new Error('the restore before the batches was not a plain restore');

    const batchCase = (callers: number, check: CheckCollector, counts?: number[]): Case<Batch> => ({
      prepare: async () => {
        clockOffset += CLOCK_STEP_MS;
        return { before: recorder.refreshRequests() };
      },
      run: async (batch) => {
        batch.tokens = await Promise.all(Array.from({ length: callers }, () => latchkey.getAccessToken()));
      },
      after: async (batch) => {
        const requests = recorder.refreshRequests() - batch.before;
        counts?.push(requests);
        const tokens = new Set(batch.tokens);
        check.record(requests === 1 && tokens.size === 1 && batch.tokens?.length === callers, () => `${requests} refresh requests, ${tokens.size} distinct tokens`);
      },
    });
    const samples = await interleave(
      { many: batchCase(CALLERS, singleFlight, perBatch) as Case<unknown>, one: batchCase(1, single) as Case<unknown> },
      { iterations, warmup, onRound: (round) => context.progress(`concurrent getAccessToken: round ${round}/${iterations}`) },
    );
    const timed = perBatch.slice(warmup);
    return {
      rows: [
        measuredRow({
          id: '5',
          title: '1,000 concurrent getAccessToken() on an expired token',
          subject: { label: `Latchkey: ${CALLERS.toLocaleString('en')} concurrent getAccessToken(), token expired (time until all resolve)`, samples: samples.many ?? [] },
          baseline: { label: 'Latchkey: 1 getAccessToken(), token expired (one refresh)', samples: samples.one ?? [] },
          notes: [
            `${iterations} batches (+${warmup} warm-up). Refresh requests per batch, counted at the engine's fetch: ${summarizeCounts(timed)}. The engine's clock is moved ${CLOCK_STEP_MS / 3_600_000} h forward before each batch so its token has expired.`,
          ],
          extra: { callers: CALLERS, refreshRequestsPerBatch: timed },
        }),
      ],
      checks: [singleFlight.result('1 request and 1 distinct token per batch'), single.result('1 request per call')],
    };
  } finally {
    await latchkey.close();
  }
}

function summarizeCounts(counts: readonly number[]): string {
  const distinct = [...new Set(counts)];
  if (distinct.length === 1) return `${distinct[0]} in every batch`;
  return counts.join(', ');
}
