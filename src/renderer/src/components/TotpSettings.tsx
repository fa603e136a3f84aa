/**
 * Two-factor sign-in (TOTP) for a local account: turn it on by scanning a QR code (an image: the secret is
 * never shown as text) and typing the first code; the recovery codes are shown once; turn it off with the
 * password. The secret itself stays in the main process and the keychain.
 */
import { useState, type FormEvent } from 'react';
import type { TotpEnrollment } from '../../../shared/accounts';
import type { ErrorInfo } from '../../../shared/errors';
import type { AccountSummary } from '../../../shared/session';
import { toErrorInfo } from '../lib/error-info';
import { clearPasswords, field } from '../lib/form-fields';
import { ErrorView } from './ErrorView';

type Step = { kind: 'idle' } | { kind: 'scan'; enrolment: TotpEnrollment } | { kind: 'codes'; codes: string[] };

export function TotpSettings({ account }: { account: AccountSummary }) {
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [error, setError] = useState<ErrorInfo | null>(null);

  const fail = (cause: unknown) => setError(toErrorInfo(cause));

  const begin = () => {
    setError(null);
    window.latchkey.accounts.beginTotp(account.key).then((enrolment) => setStep({ kind: 'scan', enrolment }), fail);
  };

  const confirm = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const code = field(event.currentTarget, 'code');
    setError(null);
    window.latchkey.accounts.confirmTotp(code, account.key).then(({ recoveryCodes }) => setStep({ kind: 'codes', codes: recoveryCodes }), fail);
  };

  const disable = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const password = field(form, 'password', { trim: false });
    clearPasswords(form);
    setError(null);
    window.latchkey.accounts.disableTotp(password, account.key).then(() => setStep({ kind: 'idle' }), fail);
  };

  return (
    <div className="totp" data-testid="totp-settings">
      <h3 className="notice-title">Two-factor sign-in</h3>
      {error && <ErrorView error={error} onDismiss={() => setError(null)} />}
      {step.kind === 'codes' ? (
        <div className="notice notice-info" data-testid="recovery-codes">
          <p>Two-factor sign-in is on. Keep these recovery codes somewhere safe: each works once instead of a code, and they are not shown again.</p>
          <ul className="recovery-codes">
            {step.codes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ul>
          <button type="button" className="btn btn-secondary" onClick={() => setStep({ kind: 'idle' })}>
            I have saved them
          </button>
        </div>
      ) : step.kind === 'scan' ? (
        <form className="local-form" onSubmit={confirm} data-testid="totp-enrol">
          <p className="small">Scan this with your authenticator app, then type the code it shows.</p>
          <img className="totp-qr" src={`data:image/svg+xml;base64,${btoa(step.enrolment.qrSvg)}`} alt={`QR code for ${step.enrolment.label}`} data-testid="totp-qr" />
          <label className="field">
            Code from the app
            <input name="code" inputMode="numeric" autoComplete="one-time-code" required data-testid="totp-code" />
          </label>
          <button type="submit" className="btn btn-primary" data-testid="totp-confirm">
            Turn on
          </button>
        </form>
      ) : account.totp ? (
        <form className="local-form" onSubmit={disable} data-testid="totp-disable-form">
          <p className="small">
            <span className="badge badge-ok">On</span> Sign-ins ask for a code from your authenticator app.
          </p>
          <label className="field">
            Password, to turn it off
            <input name="password" type="password" autoComplete="current-password" required data-testid="totp-disable-password" />
          </label>
          <button type="submit" className="btn btn-secondary" data-testid="totp-disable">
            Turn off
          </button>
        </form>
      ) : (
        <div>
          <p className="small muted">Off: your password alone signs you in.</p>
          <button type="button" className="btn btn-secondary" onClick={begin} data-testid="totp-begin">
            Turn on two-factor sign-in
          </button>
        </div>
      )}
    </div>
  );
}
