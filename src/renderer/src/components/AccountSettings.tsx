/**
 * A local account's own settings on the dashboard: its details (names, e-mail) and its password (the current
 * one asked again). Each change is written to config.yaml by the main process before the window hears of it.
 */
import { useState, type FormEvent } from 'react';
import type { ErrorInfo } from '../../../shared/errors';
import type { AccountSummary } from '../../../shared/session';
import { toErrorInfo } from '../lib/error-info';
import { clearPasswords, field } from '../lib/form-fields';
import { ErrorView } from './ErrorView';
import { TotpSettings } from './TotpSettings';
import '../styles/accounts.css';

export function AccountSettings({ account }: { account: AccountSummary }) {
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = (form: HTMLFormElement, what: string, action: () => Promise<unknown>): void => {
    setBusy(true);
    setError(null);
    setDone(null);
    action()
      .then(
        () => setDone(what),
        (cause: unknown) => setError(toErrorInfo(cause)),
      )
      .finally(() => {
        clearPasswords(form);
        setBusy(false);
      });
  };

  const saveDetails = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const email = field(form, 'email');
    run(form, 'Details saved.', () =>
      window.latchkey.accounts.updateDetails({ accountKey: account.key, firstName: field(form, 'first-name'), lastName: field(form, 'last-name'), ...(email ? { email } : {}) }),
    );
  };

  const changePassword = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const newPassword = field(form, 'new-password', { trim: false });
    if (newPassword !== field(form, 'repeat-password', { trim: false })) {
      clearPasswords(form);
      setError({ code: 'weak_password', message: 'The two new passwords differ.' });
      return;
    }
    run(form, 'Password changed.', () => window.latchkey.accounts.changePassword({ accountKey: account.key, currentPassword: field(form, 'current-password', { trim: false }), newPassword }));
  };

  return (
    <section className="card" aria-labelledby="settings-title" data-testid="account-settings">
      <header className="card-header">
        <h2 id="settings-title">Your account</h2>
      </header>
      {error && <ErrorView error={error} onDismiss={() => setError(null)} />}
      {done && (
        <p className="notice notice-info" role="status" data-testid="settings-done">
          {done}
        </p>
      )}
      <form className="local-form" onSubmit={saveDetails} data-testid="details-form">
        <div className="field-row">
          <label className="field">
            First name
            <input name="first-name" defaultValue={account.firstName ?? ''} data-testid="details-first-name" />
          </label>
          <label className="field">
            Last name
            <input name="last-name" defaultValue={account.lastName ?? ''} data-testid="details-last-name" />
          </label>
        </div>
        <label className="field">
          E-mail
          <input name="email" type="email" defaultValue={account.email ?? ''} data-testid="details-email" />
        </label>
        <button type="submit" className="btn btn-secondary" disabled={busy} data-testid="save-details">
          Save details
        </button>
      </form>
      <form className="local-form" onSubmit={changePassword} data-testid="password-form">
        <label className="field">
          Current password
          <input name="current-password" type="password" autoComplete="current-password" required data-testid="current-password" />
        </label>
        <div className="field-row">
          <label className="field">
            New password
            <input name="new-password" type="password" autoComplete="new-password" required data-testid="change-new-password" />
          </label>
          <label className="field">
            Again
            <input name="repeat-password" type="password" autoComplete="new-password" required data-testid="change-repeat-password" />
          </label>
        </div>
        <button type="submit" className="btn btn-secondary" disabled={busy} data-testid="change-password">
          Change password
        </button>
      </form>
      <TotpSettings account={account} />
    </section>
  );
}
