/**
 * Secrets are kept in the passphrase store (storage: passphrase) and it is not open yet: the whole app waits
 * for the passphrase, asked once per run. On first use the person chooses one, typed twice; main decides
 * whether it is long enough and whether it opens the store. The passphrase lives in an uncontrolled field read
 * once at submit and cleared right after (form-fields.ts), and goes nowhere but the one IPC call.
 */
import { useState, type FormEvent } from 'react';
import type { ErrorInfo } from '../../../shared/errors';
import { toErrorInfo } from '../lib/error-info';
import { clearPasswords, field } from '../lib/form-fields';
import { BrandMark } from './BrandMark';
import { ErrorView } from './ErrorView';
import '../styles/accounts.css';

interface Props {
  /** `create`: there is no store yet. `unlock`: enter the passphrase of the existing one. */
  setup: 'create' | 'unlock';
}

export function PassphraseScreen({ setup }: Props) {
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [busy, setBusy] = useState(false);
  const creating = setup === 'create';

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const passphrase = field(form, 'passphrase', { trim: false });
    if (creating && passphrase !== field(form, 'repeat-passphrase', { trim: false })) {
      clearPasswords(form);
      setError({ code: 'invalid_argument', message: 'The two passphrases differ. Type the same passphrase twice.' });
      return;
    }
    setBusy(true);
    setError(null);
    // Success changes the session (a state event); the app then shows the next screen.
    window.latchkey.session
      .unlock(passphrase)
      .catch((cause: unknown) => setError(toErrorInfo(cause)))
      .finally(() => {
        clearPasswords(form);
        setBusy(false);
      });
  };

  return (
    <main className="screen screen-centered" data-testid="passphrase-screen">
      <section className="card card-narrow" aria-labelledby="passphrase-title">
        <header className="hero hero-left">
          <BrandMark size={32} />
          <h1 id="passphrase-title">{creating ? 'Choose a passphrase' : 'Enter your passphrase'}</h1>
        </header>
        {creating ? (
          <p>
            Latchkey is set to keep your sessions in a file sealed with a passphrase (<code>storage: passphrase</code>), for
            machines without a system keychain. Choose a long one: it is all that protects them, and if it is lost, so are
            they (you would sign in again).
          </p>
        ) : (
          <p>Your sessions are sealed with your passphrase. Enter it to open them for as long as Latchkey runs.</p>
        )}
        {error && <ErrorView error={error} onDismiss={() => setError(null)} />}
        <form className="local-form" onSubmit={submit} aria-label={creating ? 'Choose a passphrase' : 'Enter your passphrase'}>
          <label className="field">
            {creating ? 'New passphrase' : 'Passphrase'}
            <input
              name="passphrase"
              type="password"
              autoComplete={creating ? 'new-password' : 'current-password'}
              required
              autoFocus
              data-testid="passphrase"
            />
          </label>
          {creating && (
            <label className="field">
              The same passphrase again
              <input name="repeat-passphrase" type="password" autoComplete="new-password" required data-testid="repeat-passphrase" />
            </label>
          )}
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="passphrase-submit">
            {busy ? (creating ? 'Creating…' : 'Opening…') : creating ? 'Create and continue' : 'Open'}
          </button>
        </form>
      </section>
    </main>
  );
}
