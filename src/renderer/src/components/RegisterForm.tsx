/**
 * Creating one's own local account (where `access.registration` is on): username, e-mail, names and a
 * password typed twice, with the password rules in sight. The main process checks the allow-lists, the
 * policy and that the name and address are free, writes the account and signs it in.
 */
import { useState, type FormEvent } from 'react';
import type { LocalAccountsInfo } from '../../../shared/accounts';
import type { ErrorInfo } from '../../../shared/errors';
import { toErrorInfo } from '../lib/error-info';
import { clearPasswords, field } from '../lib/form-fields';
import { ErrorView } from './ErrorView';

export function RegisterForm({ info, onCancel }: { info: LocalAccountsInfo; onCancel(): void }) {
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const password = field(form, 'password', { trim: false });
    const repeated = field(form, 'repeat-password', { trim: false });
    clearPasswords(form);
    if (password !== repeated) {
      setError({ code: 'weak_password', message: 'The two passwords differ. Type the same password twice.' });
      return;
    }
    const firstName = field(form, 'first-name');
    const lastName = field(form, 'last-name');
    setBusy(true);
    setError(null);
    window.latchkey.accounts
      .register({ username: field(form, 'username'), email: field(form, 'email'), password, ...(firstName ? { firstName } : {}), ...(lastName ? { lastName } : {}) })
      .then(
        () => undefined,
        (cause: unknown) => setError(toErrorInfo(cause)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <form className="local-form" onSubmit={submit} data-testid="register-form" aria-label="Create an account">
      <h2 className="notice-title">Create an account</h2>
      {error && <ErrorView error={error} onDismiss={() => setError(null)} />}
      <label className="field">
        Username
        <input name="username" autoComplete="username" required data-testid="register-username" />
      </label>
      <label className="field">
        E-mail
        <input name="email" type="email" autoComplete="email" required data-testid="register-email" />
      </label>
      <div className="field-row">
        <label className="field">
          First name
          <input name="first-name" autoComplete="given-name" data-testid="register-first-name" />
        </label>
        <label className="field">
          Last name
          <input name="last-name" autoComplete="family-name" data-testid="register-last-name" />
        </label>
      </div>
      <label className="field">
        Password
        <input name="password" type="password" autoComplete="new-password" required data-testid="register-password" />
      </label>
      <label className="field">
        Password again
        <input name="repeat-password" type="password" autoComplete="new-password" required data-testid="register-repeat" />
      </label>
      <ul className="rules">
        {info.passwordRules.map((rule) => (
          <li key={rule}>{rule}</li>
        ))}
      </ul>
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="register-submit">
          {busy ? 'Creating…' : 'Create account'}
        </button>
        <button type="button" className="btn btn-secondary" onClick={onCancel}>
          Back to sign-in
        </button>
      </div>
    </form>
  );
}
