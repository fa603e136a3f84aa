/**
 * Sign-in with a local account (username or e-mail, and password) on the sign-in screen, and the steps it can
 * lead to: a one-time password asks for a new one, a lockout shows when it lifts, and — where registration is
 * on — creating an account. The main process decides everything; this form only asks and shows the answer.
 */
import { useState, type FormEvent } from 'react';
import type { LocalAccountsInfo } from '../../../shared/accounts';
import type { ErrorInfo } from '../../../shared/errors';
import { toErrorInfo } from '../lib/error-info';
import { clearPasswords, field } from '../lib/form-fields';
import { ErrorView } from './ErrorView';
import { LockoutNotice } from './LockoutNotice';
import { RegisterForm } from './RegisterForm';
import '../styles/accounts.css';

type Step =
  | { kind: 'sign-in' }
  | { kind: 'new-password'; identifier: string; password: string; totpCode?: string }
  | { kind: 'totp'; identifier: string; password: string }
  | { kind: 'register' };

/**
 * `identifier`: signing an account known to be local back in (the dashboard's Accounts panel): its username is
 * filled in and the registration link is left out.
 */
export function LocalSignIn({ info, identifier }: { info: LocalAccountsInfo; identifier?: string }) {
  const [step, setStep] = useState<Step>({ kind: 'sign-in' });
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [busy, setBusy] = useState(false);

  const attempt = async (form: HTMLFormElement, request: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      // Success changes the session; the app then shows the dashboard.
      await request();
    } catch (cause) {
      setError(toErrorInfo(cause));
    } finally {
      clearPasswords(form);
      setBusy(false);
    }
  };

  const signIn = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const identifier = field(form, 'identifier');
    const password = field(form, 'password', { trim: false });
    void attempt(form, async () => {
      try {
        await window.latchkey.accounts.signInLocal({ identifier, password });
      } catch (cause) {
        const info = toErrorInfo(cause);
        // Kept in memory only for the next step, which sends it once more with the code or the new password.
        if (info.code === 'totp_required') setStep({ kind: 'totp', identifier, password });
        else if (info.code === 'password_change_required') setStep({ kind: 'new-password', identifier, password });
        else throw cause;
      }
    });
  };

  const choosePassword = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (step.kind !== 'new-password') return;
    const form = event.currentTarget;
    const newPassword = field(form, 'new-password', { trim: false });
    if (newPassword !== field(form, 'repeat-password', { trim: false })) {
      clearPasswords(form);
      setError({ code: 'weak_password', message: 'The two passwords differ. Type the same new password twice.' });
      return;
    }
    void attempt(form, () =>
      window.latchkey.accounts.signInLocal({ identifier: step.identifier, password: step.password, newPassword, ...(step.totpCode ? { totpCode: step.totpCode } : {}) }),
    );
  };

  const sendCode = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (step.kind !== 'totp') return;
    const form = event.currentTarget;
    const totpCode = field(form, 'totp-code');
    void attempt(form, async () => {
      try {
        await window.latchkey.accounts.signInLocal({ identifier: step.identifier, password: step.password, totpCode });
      } catch (cause) {
        if (toErrorInfo(cause).code !== 'password_change_required') throw cause;
        setStep({ kind: 'new-password', identifier: step.identifier, password: step.password, totpCode });
      }
    });
  };

  if (step.kind === 'register') {
    return <RegisterForm info={info} onCancel={() => setStep({ kind: 'sign-in' })} />;
  }

  return (
    <div className="local-sign-in" data-testid="local-sign-in">
      {error?.code === 'locked_out' && error.retryAt ? <LockoutNotice retryAt={error.retryAt} /> : error && <ErrorView error={error} onDismiss={() => setError(null)} />}
      {step.kind === 'totp' ? (
        <form className="local-form" onSubmit={sendCode} data-testid="totp-form">
          <label className="field">
            Code from your authenticator app (or a recovery code)
            <input name="totp-code" autoComplete="one-time-code" required data-testid="totp-sign-in-code" />
          </label>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="totp-sign-in">
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      ) : step.kind === 'new-password' ? (
        <form className="local-form" onSubmit={choosePassword} data-testid="new-password-form">
          <p className="small">The password you used works only once. Choose your own to finish signing in.</p>
          <label className="field">
            New password
            <input name="new-password" type="password" autoComplete="new-password" required minLength={info.minLength} data-testid="new-password" />
          </label>
          <label className="field">
            New password again
            <input name="repeat-password" type="password" autoComplete="new-password" required data-testid="repeat-password" />
          </label>
          <ul className="rules">
            {info.passwordRules.map((rule) => (
              <li key={rule}>{rule}</li>
            ))}
          </ul>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="set-password">
            {busy ? 'Signing in…' : 'Set password and sign in'}
          </button>
        </form>
      ) : (
        <form className="local-form" onSubmit={signIn} aria-label={`Sign in with ${info.label}`}>
          <label className="field">
            Username or e-mail
            <input name="identifier" autoComplete="username" required defaultValue={identifier} data-testid="local-identifier" />
          </label>
          <label className="field">
            Password
            <input name="password" type="password" autoComplete="current-password" required data-testid="local-password" />
          </label>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="local-sign-in-submit">
            {busy ? 'Signing in…' : `Sign in with ${info.label}`}
          </button>
          {info.registration && identifier === undefined && (
            <button type="button" className="btn btn-link" onClick={() => setStep({ kind: 'register' })} data-testid="show-register">
              Create an account
            </button>
          )}
        </form>
      )}
    </div>
  );
}
