/**
 * What `latchkey doctor` (and the app's "Check this computer" panel) reports: a list of checks, each ok, a
 * problem, a warning or skipped, with what was found and how to fix it. The report is already redacted when it
 * leaves the main process (no tokens, no client secrets, the home folder as `~`, e-mail addresses masked, no
 * proxy credentials), so a person can paste it into a bug report. Pure: used by main, preload and renderer.
 */

export const DIAGNOSTIC_STATUSES = ['ok', 'problem', 'warning', 'skipped'] as const;
export type DiagnosticStatus = (typeof DIAGNOSTIC_STATUSES)[number];

/** The groups, in the order they are run and shown. */
export const DIAGNOSTIC_GROUPS = ['storage', 'data_folder', 'config', 'loopback', 'network', 'clock', 'registration'] as const;
export type DiagnosticGroup = (typeof DIAGNOSTIC_GROUPS)[number];

export interface DiagnosticCheck {
  group: DiagnosticGroup;
  /** Stable within a group (`keychain`, `redirect-ports:corp`...), for scripts reading `--json`. */
  id: string;
  title: string;
  status: DiagnosticStatus;
  /** What was found, in one or a few lines. */
  detail: string;
  /** How to fix it (problems and warnings), or what to do with it. */
  fix?: string;
}

export interface DiagnosticsReport {
  /** Bumped when the shape changes in a way a script would notice. */
  version: 1;
  /** ISO time the checks ran. */
  createdAt: string;
  /** `linux x64`, `darwin arm64`... */
  platform: string;
  /** The config.yaml checked (home folder shown as `~`). */
  configPath: string;
  checks: DiagnosticCheck[];
  summary: Record<DiagnosticStatus, number>;
}

export const GROUP_TITLES: Record<DiagnosticGroup, string> = {
  storage: 'Secret storage',
  data_folder: 'Data folder',
  config: 'config.yaml',
  loopback: 'Loopback redirects',
  network: 'Providers on the network',
  clock: 'Clock',
  registration: 'What to register at each provider',
};

/** Counts of each status. */
export function summarise(checks: readonly DiagnosticCheck[]): Record<DiagnosticStatus, number> {
  const summary: Record<DiagnosticStatus, number> = { ok: 0, problem: 0, warning: 0, skipped: 0 };
  for (const check of checks) summary[check.status] += 1;
  return summary;
}

export function hasProblems(report: DiagnosticsReport): boolean {
  return report.checks.some((check) => check.status === 'problem');
}

const MARKS: Record<DiagnosticStatus, string> = { ok: 'ok', problem: 'PROBLEM', warning: 'warning', skipped: 'skipped' };

/** The report as plain text (the CLI's output, and the text the app offers to copy). */
export function renderDiagnosticsText(report: DiagnosticsReport): string {
  const lines: string[] = [`Latchkey doctor — ${report.createdAt} — ${report.platform}`, `config: ${report.configPath}`, ''];
  for (const group of DIAGNOSTIC_GROUPS) {
    const checks = report.checks.filter((check) => check.group === group);
    if (checks.length === 0) continue;
    lines.push(GROUP_TITLES[group]);
    for (const check of checks) {
      lines.push(`  [${MARKS[check.status]}] ${check.title}`);
      for (const line of check.detail.split('\n')) if (line !== '') lines.push(`      ${line}`);
      if (check.fix) lines.push(`      fix: ${check.fix}`);
    }
    lines.push('');
  }
  const { ok, problem, warning, skipped } = report.summary;
  lines.push(`${problem} problem${problem === 1 ? '' : 's'}, ${warning} warning${warning === 1 ? '' : 's'}, ${ok} ok, ${skipped} skipped`);
  return `${lines.join('\n')}\n`;
}
