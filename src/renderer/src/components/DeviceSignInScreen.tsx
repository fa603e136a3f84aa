/**
 * While a sign-in on another device runs (RFC 8628): the code to enter, large; the page to enter it on; a QR
 * code of that page (with the code filled in where the provider offers it) for a phone; how long the code
 * lasts; and Cancel. The QR code is an SVG the main process drew, shown as a data: image (the window's policy
 * loads nothing else), exactly like the TOTP code.
 */
import type { DeviceSignInProgress } from '../../../shared/session';
import { useAction } from '../hooks/useAction';
import { useCountdown } from '../hooks/useCountdown';
import { formatClock } from '../lib/format';
import '../styles/device.css';
import { ErrorView } from './ErrorView';

interface Props {
  progress: DeviceSignInProgress;
  providerLabel: string;
}

export function DeviceSignInScreen({ progress, providerLabel }: Props) {
  const left = useCountdown(progress.expiresAt);
  const cancel = useAction();
  const expired = left === 0;

  return (
    <main className="screen screen-centered" data-testid="device-sign-in">
      <section className="card card-narrow" aria-labelledby="device-title" aria-busy={!expired}>
        <h1 id="device-title" className="center">
          Sign in on another device
        </h1>
        <p className="center">
          On your phone or any computer, open this page and sign in with <strong data-testid="device-provider">{providerLabel}</strong>:
        </p>
        <p className="center device-uri" data-testid="device-uri">
          {progress.verificationUri}
        </p>
        <p className="center">Enter this code there:</p>
        <p className="device-code" aria-label={`Code: ${progress.userCode.split('').join(' ')}`} data-testid="device-code">
          {progress.userCode}
        </p>
        <img
          className="device-qr"
          src={`data:image/svg+xml;base64,${btoa(progress.qrSvg)}`}
          alt={progress.verificationUriComplete ? 'QR code of the page with the code filled in' : 'QR code of the page'}
          data-testid="device-qr"
        />
        <p className="muted small center">
          {progress.verificationUriComplete ? 'Or scan the QR code: it opens the page with the code filled in.' : 'Or scan the QR code to open the page.'}
        </p>

        {expired ? (
          <p className="notice notice-warning center" role="alert" data-testid="device-expired">
            This code has expired. Cancel and start again.
          </p>
        ) : (
          <p className="muted small center" data-testid="device-countdown">
            {left === null ? '' : `The code stays valid for ${formatClock(left)}. Latchkey continues by itself once you're done.`}
          </p>
        )}

        {cancel.error && <ErrorView error={cancel.error} onDismiss={cancel.clearError} />}

        <div className="actions actions-center">
          <button
            type="button"
            className="btn btn-link"
            data-testid="cancel-device-sign-in"
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
