/**
 * "Import from Streamlit-Authenticator" in the administration panel. Main asks for the file with the system's
 * open dialog (this window never names a path), then this shows the same plan `latchkey import --dry-run`
 * prints; "Import" writes it into config.yaml, and the account list follows from the state main announces.
 */
import { useState } from 'react';
import type { ErrorInfo } from '../../../shared/errors';
import type { ImportOutcome, ImportPreview } from '../../../shared/import-ipc';
import { toErrorInfo } from '../lib/error-info';
import { ErrorView } from './ErrorView';

export function ImportPanel() {
  const [withClientSecrets, setWithClientSecrets] = useState(false);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [outcome, setOutcome] = useState<ImportOutcome | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (step: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await step();
    } catch (cause) {
      setError(toErrorInfo(cause));
    } finally {
      setBusy(false);
    }
  };

  const choose = () =>
    void run(async () => {
      setOutcome(null);
      setPreview(await window.latchkey.importer.choose({ withClientSecrets }));
    });

  const apply = (id: string) =>
    void run(async () => {
      const done = await window.latchkey.importer.apply(id);
      setPreview(null);
      setOutcome(done);
    });

  return (
    <div className="import-panel" data-testid="import-panel">
      <h3>Import from Streamlit-Authenticator</h3>
      {error && <ErrorView error={error} onDismiss={() => setError(null)} />}
      {preview ? (
        <div data-testid="import-preview">
          <p className="small">
            From <strong data-testid="import-file">{preview.fileName}</strong>
            {preview.changes ? `: ${preview.accounts} account(s) to add.` : ': nothing to import.'}
          </p>
          <ul className="rules" data-testid="import-report">
            {preview.report.map((line, index) => (
              <li key={index}>{line}</li>
            ))}
          </ul>
          <div className="actions">
            {preview.changes && (
              <button type="button" className="btn btn-primary" disabled={busy} onClick={() => apply(preview.id)} data-testid="import-apply">
                {busy ? 'Importing…' : 'Import'}
              </button>
            )}
            <button type="button" className="btn btn-link" disabled={busy} onClick={() => setPreview(null)} data-testid="import-cancel">
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <>
          <p className="small muted">Takes over the accounts, allow-list and sign-in settings of a Streamlit-Authenticator config.yaml. The file itself is not changed.</p>
          <label className="small">
            <input type="checkbox" checked={withClientSecrets} onChange={(event) => setWithClientSecrets(event.currentTarget.checked)} data-testid="import-client-secrets" /> Copy OAuth client
            secrets too
          </label>
          <div className="actions">
            <button type="button" className="btn btn-secondary" disabled={busy} onClick={choose} data-testid="import-choose">
              {busy ? 'Reading…' : 'Choose a file…'}
            </button>
          </div>
        </>
      )}
      {outcome && (
        <p className="small" role="status" data-testid="import-done">
          Imported {outcome.imported} account(s). They sign in with their passwords from before.
        </p>
      )}
    </div>
  );
}
