/**
 * Shows one error the way a person can act on it: plain words and a next step per code (see error-words),
 * the engine's hint, and for config problems the exact file:line:col. The engine's own message goes under
 * "Details" for support (or in plain sight where it is the point, as for a config problem); it never carries
 * a secret. Where this computer may be the cause (network, keychain, settings, ports), it offers the checks of
 * `latchkey doctor` ("Check this computer").
 */
import type { AuthErrorCode, ErrorInfo } from '../../../shared/errors';
import { errorWords } from '../lib/error-words';
import { DiagnosticsLink } from './DiagnosticsPanel';

/** Errors that the checks of this computer can explain (or rule out). */
const CHECKABLE: ReadonlySet<AuthErrorCode> = new Set<AuthErrorCode>([
  'network',
  'timeout',
  'keychain_unavailable',
  'config_invalid',
  'data_folder_unsafe',
  'redirect_unavailable',
  'provider_error',
  'invalid_client',
  'internal',
]);

interface Props {
  error: ErrorInfo;
  /** Offered as "Try again" when starting over makes sense for this code. */
  onRetry?: () => void;
  onDismiss?: () => void;
  /** Offer "Check this computer" for errors it can explain (default). A screen with its own link turns it off. */
  checks?: boolean;
}

function formatLocation(location: NonNullable<ErrorInfo['location']>): string {
  let text = location.file;
  if (location.line !== undefined) {
    text += `:${location.line}`;
    if (location.column !== undefined) text += `:${location.column}`;
  }
  return text;
}

export function ErrorView({ error, onRetry, onDismiss, checks = true }: Props) {
  const words = errorWords(error.code);
  // The engine's hint knows the particular case (which keychain, which setting); the table only the code.
  const nextStep = error.hint ?? words.next;

  if (words.quiet) {
    return (
      <div className="notice notice-quiet" role="status" data-testid="error" data-code={error.code}>
        <span>{words.title}.</span> <span className="muted">{words.body}</span>
        {onDismiss && (
          <button type="button" className="btn btn-link" onClick={onDismiss}>
            Dismiss
          </button>
        )}
      </div>
    );
  }

  return (
    <div className="notice notice-error" role="alert" data-testid="error" data-code={error.code}>
      <h2 className="notice-title">{words.title}</h2>
      <p>{words.body}</p>
      {words.showMessage && <p className="problem">{error.message}</p>}
      {error.location && (
        <p className="location">
          <span className="muted">Where: </span>
          <code data-testid="error-location">{formatLocation(error.location)}</code>
        </p>
      )}
      {nextStep && <p className="next-step">{nextStep}</p>}
      {!words.showMessage && (
        <details className="details">
          <summary>Details</summary>
          <p>
            {error.message} <span className="muted">({error.code})</span>
          </p>
        </details>
      )}
      {checks && CHECKABLE.has(error.code) && <DiagnosticsLink />}
      {(onDismiss || (onRetry && words.retry)) && (
        <div className="actions">
          {onRetry && words.retry && (
            <button type="button" className="btn btn-primary" onClick={onRetry}>
              Try again
            </button>
          )}
          {onDismiss && (
            <button type="button" className="btn btn-secondary" onClick={onDismiss}>
              Dismiss
            </button>
          )}
        </div>
      )}
    </div>
  );
}
