/**
 * The IPC channel of "Check this computer": part of the one contract (ipc.ts extends it). The renderer asks,
 * the main process runs the same checks as `latchkey doctor` and answers the redacted report.
 */
import type { DiagnosticsReport } from './diagnostics';

export interface DiagnosticsIpcContract {
  /** Runs every check (keychain, data folder, config.yaml, redirect ports, providers, clock); never signs in. */
  'diagnostics:run': { args: []; result: DiagnosticsReport };
}

export type DiagnosticsChannel = keyof DiagnosticsIpcContract;

export const DIAGNOSTICS_CHANNELS = ['diagnostics:run'] as const satisfies readonly DiagnosticsChannel[];

/** `window.latchkey.diagnostics`. */
export interface DiagnosticsApi {
  run(): Promise<DiagnosticsReport>;
}
