/**
 * `latchkey doctor [--json]`: checks this computer for what Latchkey needs — the secret store, the data
 * folder, config.yaml, loopback redirects, each provider over the network (through the proxy that applies),
 * the clock, and what to register at each provider — and prints a redacted report that can be pasted into a
 * bug report. Runs without the engine (diagnostics/run.ts): it must work when config.yaml is broken or the
 * keychain is locked, and it starts no sign-in and writes nothing. Exit code 0 when nothing is a problem, 1
 * otherwise (warnings alone are not).
 */
import { hasProblems, renderDiagnosticsText } from '../../shared/diagnostics';
import { toAuthError } from '../../shared/errors';
import { runDiagnostics } from '../diagnostics/run';
import { defaultConfigPath } from '../store/paths';
import type { CommandContext } from './context';
import { reportError } from './output';

export async function doctor(context: CommandContext): Promise<number> {
  const { values, io } = context;
  try {
    const report = await runDiagnostics({ configPath: values.config ?? io.env.LATCHKEY_CONFIG ?? defaultConfigPath(), env: io.env });
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderDiagnosticsText(report));
    return hasProblems(report) ? 1 : 0;
  } catch (error) {
    reportError(io, toAuthError(error));
    return 1;
  }
}
