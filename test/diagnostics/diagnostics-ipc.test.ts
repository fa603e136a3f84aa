/**
 * The diagnostics channel in the typed IPC contract: the router validates its (empty) argument list, answers
 * the report the desktop entry's runner produces, and says so when it has none; the preload API returns the
 * report; the development builds' answer check accepts a real report (from the real checks on a temp data
 * folder) and refuses one that does not fit the contract.
 */
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { DiagnosticsReport } from '../../src/shared/diagnostics';
import { checkIpcAnswer } from '../../src/shared/ipc-answers';
import { IPC_CHANNELS, type IpcTransport } from '../../src/shared/ipc';
import { createIpcRouter } from '../../src/main/desktop/ipc-router';
import { runDiagnostics } from '../../src/main/diagnostics/run';
import { createLatchkeyApi } from '../../src/preload/api';
import { RecordingEngine } from '../hardening/recording-engine';
import { tempHome } from '../helpers/engine-fixture';
import { useCleanups } from '../helpers/test-lifecycle';

const defer = useCleanups();

async function realReport(): Promise<DiagnosticsReport> {
  const home = await tempHome();
  defer(home.cleanup);
  await writeFile(home.configPath, 'session:\n  expiry_days: 30\nproviders:\n  demo: [broken\n', { mode: 0o600 });
  return runDiagnostics({ configPath: home.configPath, keychainService: home.keychainService, env: { PATH: process.env.PATH ?? '' }, home: home.dir });
}

describe('diagnostics over IPC', () => {
  it('is a channel of the contract', () => {
    expect(IPC_CHANNELS).toContain('diagnostics:run');
  });

  it('answers the runner\'s report, refuses arguments, and without a runner says the checks are not available', async () => {
    const report = await realReport();
    const engine = new RecordingEngine();
    let runs = 0;
    const router = createIpcRouter(engine, {
      diagnostics: async () => {
        runs += 1;
        return report;
      },
    });
    expect(await router.handle('diagnostics:run', [])).toEqual({ ok: true, value: JSON.parse(JSON.stringify(report)) });
    expect(runs).toBe(1);
    for (const args of [['now'], [{}], [undefined, 1]]) {
      const refused = await router.handle('diagnostics:run', args);
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error.code).toBe('invalid_argument');
    }
    expect(runs).toBe(1);
    expect(engine.calls).toEqual([]);

    const without = await createIpcRouter(engine).handle('diagnostics:run', []);
    expect(without.ok).toBe(false);
    if (!without.ok) expect(without.error.code).toBe('internal');
  });

  it('reaches the renderer through the preload API, checked against the contract', async () => {
    const report = await realReport();
    const router = createIpcRouter(new RecordingEngine(), { diagnostics: async () => report });
    const transport: IpcTransport = {
      invoke: (channel, ...args) => router.handle(channel, args) as never,
      on: () => () => undefined,
    };
    const api = createLatchkeyApi(transport, { checks: { answer: checkIpcAnswer, event: () => null } });
    const answered = await api.diagnostics.run();
    expect(answered.checks.find((c) => c.group === 'config')?.status).toBe('problem');
    expect(answered.summary.problem).toBeGreaterThanOrEqual(1);
  });

  it('the answer check accepts a real report and refuses one that does not fit', async () => {
    const report = await realReport();
    expect(checkIpcAnswer('diagnostics:run', report)).toBeNull();
    expect(checkIpcAnswer('diagnostics:run', { ...report, version: 2 })).not.toBeNull();
    expect(checkIpcAnswer('diagnostics:run', { ...report, checks: [{ ...report.checks[0], status: 'fine' }] })).toMatch(/checks\[0\]\.status/);
    const { summary: _summary, ...noSummary } = report;
    expect(checkIpcAnswer('diagnostics:run', noSummary)).toMatch(/summary/);
  });
});
