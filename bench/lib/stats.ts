/**
 * Timing and summarising samples. Every figure in the benchmark is a median and a p95 over many runs, and
 * every comparison runs its subject and its baseline alternately in one loop, so that whatever else the
 * machine is doing (other builds, thermal changes) lands on both sides rather than on one.
 */
import { performance } from 'node:perf_hooks';

export interface Summary {
  /** How many timed runs (warm-up runs excluded). */
  n: number;
  median: number;
  /** Nearest-rank 95th percentile. */
  p95: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { n: 0, median: Number.NaN, p95: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (index: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, index))] as number;
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
  return { n: sorted.length, median, p95: at(Math.ceil(sorted.length * 0.95) - 1), min: at(0), max: at(sorted.length - 1) };
}

/**
 * One measured case. `prepare` (untimed) sets up what a run needs, e.g. drives a browser to obtain an
 * authorization code; `run` (timed) does the work; `after` (untimed) checks and tidies up.
 */
export interface Case<C = void> {
  // Method syntax on purpose: it lets cases with different contexts share one Record<string, Case<unknown>>.
  prepare?(): Promise<C>;
  run(context: C): Promise<void>;
  after?(context: C): Promise<void>;
}

/**
 * How long to wait after a forced collection before the timer starts. gc() returns once the heap is collected,
 * but V8 goes on sweeping and returning memory on background threads; on two cores those threads compete
 * with libuv's pool, and the first file operation of the next run was seen taking ~8 ms instead of ~0.05 ms.
 * Whichever case ran first after the collection paid for it, which skewed ratios by case order. A short pause
 * lets that work finish, so subject and baseline start under the same conditions.
 */
export const SETTLE_AFTER_GC_MS = 15;

/**
 * Collects garbage between runs when Node was started with --expose-gc (so one run's garbage is not the next
 * run's pause), then lets the collector's background work finish (see SETTLE_AFTER_GC_MS).
 */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_AFTER_GC_MS));
}

/** Times one run of a case in milliseconds. */
export async function timeOnce<C>(testCase: Case<C>): Promise<number> {
  const context = (testCase.prepare ? await testCase.prepare() : undefined) as C;
  await collectGarbage();
  const start = performance.now();
  await testCase.run(context);
  const elapsed = performance.now() - start;
  await testCase.after?.(context);
  return elapsed;
}

export interface CompareOptions {
  iterations: number;
  /** Untimed runs of every case first: module loading, discovery, JIT and connection set-up. */
  warmup: number;
  /** Called after each round, for progress output. */
  onRound?: (round: number) => void;
}

/**
 * Runs every case once per round, rotating which case goes first, and returns the samples per case name.
 * The rotation keeps a case from always running right after (and paying for) another.
 */
export async function interleave(cases: Record<string, Case<unknown>>, options: CompareOptions): Promise<Record<string, number[]>> {
  const names = Object.keys(cases);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = -options.warmup; round < options.iterations; round += 1) {
    const offset = ((round % names.length) + names.length) % names.length;
    for (let i = 0; i < names.length; i += 1) {
      const name = names[(i + offset) % names.length] as string;
      const elapsed = await timeOnce(cases[name] as Case<unknown>);
      if (round >= 0) (samples[name] as number[]).push(elapsed);
    }
    if (round >= 0) options.onRound?.(round + 1);
  }
  return samples;
}
