/**
 * "Check this computer": the same checks as `latchkey doctor` (keychain, data folder, config.yaml, redirect
 * ports, each provider over the network with the proxy that applies, the clock, what to register), run by the
 * main process and shown here as a list, with the report as selectable text to paste into a bug report. The
 * report arrives redacted (no tokens, no client secrets, the home folder as ~, e-mails masked), so copying it
 * is safe. Opened from the config-problem screen and from error views (DiagnosticsLink).
 */
import { useCallback, useEffect, useState } from 'react';
import { DIAGNOSTIC_GROUPS, GROUP_TITLES, renderDiagnosticsText, type DiagnosticsReport, type DiagnosticStatus } from '../../../shared/diagnostics';
import { useAction } from '../hooks/useAction';
import '../styles/diagnostics.css';

const STATUS_WORDS: Record<DiagnosticStatus, string> = { ok: 'OK', problem: 'Problem', warning: 'Warning', skipped: 'Skipped' };

export function DiagnosticsPanel({ onClose }: { onClose?: () => void }) {
  const checks = useAction();
  const [report, setReport] = useState<DiagnosticsReport | null>(null);
  const [copied, setCopied] = useState(false);

  const { run } = checks;
  // `run` is stable (useAction), so the effect below runs the checks once, when the panel opens.
  const runChecks = useCallback(() => {
    setCopied(false);
    void run('diagnostics', async () => {
      setReport(await window.latchkey.diagnostics.run());
    });
  }, [run]);

  useEffect(() => {
    runChecks();
  }, [runChecks]);

  const text = report ? renderDiagnosticsText(report) : '';
  const copy = () => {
    navigator.clipboard?.writeText(text).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };

  return (
    <section className="diagnostics" data-testid="diagnostics-panel" aria-labelledby="diagnostics-title" aria-busy={checks.pending !== null}>
      <header className="diagnostics-header">
        <h2 id="diagnostics-title">Check this computer</h2>
        <div className="diagnostics-actions">
          <button type="button" className="btn btn-secondary" data-testid="diagnostics-run-again" disabled={checks.pending !== null} onClick={runChecks}>
            {checks.pending ? 'Checking…' : 'Check again'}
          </button>
          {onClose && (
            <button type="button" className="btn btn-link" data-testid="diagnostics-close" onClick={onClose}>
              Close
            </button>
          )}
        </div>
      </header>
      {checks.pending && !report && (
        <p className="muted" role="status" data-testid="diagnostics-pending">
          Checking the keychain, the settings file, the network and the clock…
        </p>
      )}
      {checks.error && (
        <p className="diagnostics-failure" role="alert" data-testid="diagnostics-error">
          The checks could not run: {checks.error.message}
        </p>
      )}
      {report && (
        <>
          <p className="diagnostics-summary" data-testid="diagnostics-summary" data-problems={report.summary.problem}>
            {report.summary.problem === 0
              ? 'No problems found.'
              : `${report.summary.problem} problem${report.summary.problem === 1 ? '' : 's'} found.`}{' '}
            <span className="muted">
              {report.summary.warning} warning{report.summary.warning === 1 ? '' : 's'}, {report.summary.ok} ok, {report.summary.skipped} skipped
            </span>
          </p>
          {DIAGNOSTIC_GROUPS.map((group) => {
            const inGroup = report.checks.filter((check) => check.group === group);
            if (inGroup.length === 0) return null;
            return (
              <div key={group} className="diagnostics-group">
                <h3>{GROUP_TITLES[group]}</h3>
                <ul>
                  {inGroup.map((check) => (
                    <li key={`${check.group}/${check.id}`} className={`diagnostics-check status-${check.status}`} data-testid="diagnostics-check" data-group={check.group} data-id={check.id} data-status={check.status}>
                      <span className="diagnostics-status">{STATUS_WORDS[check.status]}</span>
                      <div>
                        <p className="diagnostics-title">{check.title}</p>
                        <p className="diagnostics-detail">{check.detail}</p>
                        {check.fix && (
                          <p className="diagnostics-fix">
                            <span className="muted">How to fix: </span>
                            {check.fix}
                          </p>
                        )}
                      </div>
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
          <details className="diagnostics-report">
            <summary>Report for a bug report (no tokens, secrets or e-mail addresses)</summary>
            <textarea readOnly rows={12} value={text} data-testid="diagnostics-text" aria-label="Diagnostics report" onFocus={(event) => event.currentTarget.select()} />
            <button type="button" className="btn btn-secondary" data-testid="diagnostics-copy" onClick={copy}>
              {copied ? 'Copied' : 'Copy'}
            </button>
          </details>
        </>
      )}
    </section>
  );
}

/** "Check this computer": a button that opens the panel below it. */
export function DiagnosticsLink() {
  const [open, setOpen] = useState(false);
  return (
    <div className="diagnostics-link">
      {!open && (
        <button type="button" className="btn btn-link" data-testid="diagnostics-open" onClick={() => setOpen(true)}>
          Check this computer
        </button>
      )}
      {open && <DiagnosticsPanel onClose={() => setOpen(false)} />}
    </div>
  );
}
