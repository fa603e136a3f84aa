/**
 * While the system browser is out: what is happening, ways to recover a lost browser tab (open again, copy
 * the link), a way out (cancel), and how long the sign-in link stays valid.
 */
import { useEffect, useRef, useState } from 'react';
import type { SignInProgress } from '../../../shared/session';
import { useAction } from '../hooks/useAction';
import { useCountdown } from '../hooks/useCountdown';
import { formatClock } from '../lib/format';
import { ErrorView } from './ErrorView';

interface Props {
  progress: SignInProgress;
  providerLabel: string;
}

export function WaitingScreen({ progress, providerLabel }: Props) {
  const left = useCountdown(progress.expiresAt);
  // Separate runners: a slow "open again" must never block "Cancel".
  const reopen = useAction();
  const cancel = useAction();
  const [copied, setCopied] = useState(false);
  const [showLink, setShowLink] = useState(false);
  const linkField = useRef<HTMLInputElement>(null);
  const timedOut = left === 0;

  useEffect(() => {
    // The clipboard fallback: put the link in a field, selected, so Ctrl+C / Cmd+C copies it.
    if (showLink) linkField.current?.select();
  }, [showLink]);

  const copyLink = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(progress.authorizationUrl);
      setCopied(true);
    } catch {
      setShowLink(true);
      linkField.current?.select();
    }
  };

  return (
    <main className="screen screen-centered" data-testid="waiting">
      <section className="card card-narrow" aria-labelledby="waiting-title" aria-busy={!timedOut}>
        <div className="spinner" role="progressbar" aria-label="Waiting for the browser" />
        <h1 id="waiting-title" className="center">
          Continue in your browser
        </h1>
        <p className="center">
          Sign in with <strong data-testid="waiting-provider">{providerLabel}</strong> in the browser window that just
          opened. Latchkey picks it up as soon as you're done.
        </p>

        {timedOut ? (
          <p className="notice notice-warning center" role="alert" data-testid="waiting-timeout">
            This sign-in link has expired. Cancel and start again.
          </p>
        ) : (
          <p className="muted small center" data-testid="waiting-countdown">
            {left === null ? '' : `The sign-in link stays valid for ${formatClock(left)}.`}
          </p>
        )}

        {progress.waitingHint && !timedOut && (
          <p className="notice notice-info small" role="status" data-testid="waiting-hint">
            {progress.waitingHint}
          </p>
        )}

        <div className="actions actions-center">
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="reopen-browser"
            disabled={reopen.pending !== null || timedOut}
            onClick={() => void reopen.run('reopen', () => window.latchkey.session.reopenBrowser())}
          >
            Open the browser again
          </button>
          <button type="button" className="btn btn-secondary" data-testid="copy-link" onClick={() => void copyLink()}>
            {copied ? 'Link copied' : 'Copy link'}
          </button>
        </div>
        <span className="visually-hidden" aria-live="polite">
          {copied ? 'The sign-in link is on the clipboard.' : ''}
        </span>

        {showLink && (
          <label className="link-field">
            <span className="small muted">Copy this link into your browser:</span>
            <input
              ref={linkField}
              type="text"
              readOnly
              value={progress.authorizationUrl}
              data-testid="sign-in-link"
              onFocus={(event) => event.currentTarget.select()}
            />
          </label>
        )}

        {reopen.error && <ErrorView error={reopen.error} onDismiss={reopen.clearError} />}
        {cancel.error && <ErrorView error={cancel.error} onDismiss={cancel.clearError} />}

        <div className="actions actions-center">
          <button
            type="button"
            className="btn btn-link"
            data-testid="cancel-sign-in"
            disabled={cancel.pending !== null}
            onClick={() => void cancel.run('cancel', () => window.latchkey.session.cancelSignIn())}
          >
            Cancel
          </button>
        </div>
      </section>
    </main>
  );
}
