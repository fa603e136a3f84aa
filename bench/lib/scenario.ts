/** What a scenario gets from the runner and hands back to it. */
import type * as oidc from 'openid-client';
import type { BenchEnvironment } from './environment';
import type { Check, Row } from './report';

export interface ScenarioContext {
  env: BenchEnvironment;
  /** The iteration count for a full run, reduced in quick mode (never below 3). */
  iterations(full: number): number;
  /** Warm-up rounds for a full run, reduced in quick mode (never below 1). */
  warmup(full: number): number;
  progress(line: string): void;
  /** Facts one scenario leaves for the next (the signed-in account, the baselines' refresh tokens). */
  shared: SharedState;
}

export interface SharedState {
  accountKey?: string;
  /** The newest refresh token of the bare openid-client chain (rotated by every use). */
  bareRefreshToken?: string;
  /** The newest refresh token of the AppAuth-JS chain. */
  appAuthRefreshToken?: string;
  /** The DPoP-bound chain of the bare openid-client baseline (rows 2 and 3): its key's handle and newest refresh token. */
  bareDpop?: { handle: oidc.DPoPHandle; refreshToken: string };
  /** The data folder with 1,000 records (1 signed in) that the restore scenario wrote, for the CLI's memory row. */
  thousandRecords?: { configPath: string; keychainService: string };
}

export interface ScenarioResult {
  rows: Row[];
  checks: Check[];
}

/** A check that collects failures over many runs and reports once. */
export class CheckCollector {
  #runs = 0;
  readonly #failures: string[] = [];

  constructor(readonly name: string) {}

  record(ok: boolean, failure: () => string): void {
    this.#runs += 1;
    if (!ok && this.#failures.length < 5) this.#failures.push(failure());
  }

  /** Records a failed run from an error. */
  fail(error: unknown): void {
    this.record(false, () => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
  }

  result(passDetail: string): Check {
    const ok = this.#failures.length === 0 && this.#runs > 0;
    return {
      name: this.name,
      ok,
      detail: ok ? `${passDetail} (${this.#runs} runs)` : this.#runs === 0 ? 'never ran' : `${this.#failures.length}+ of ${this.#runs} runs failed: ${this.#failures.join('; ')}`,
    };
  }
}
