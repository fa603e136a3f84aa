/**
 * A warning before the shown account's session ends (from `session.warn_days` before it; the main process
 * decides that and says so with `sessionEndsSoon`): when, why — the provider's limit on a sign-in, or
 * Latchkey's `session.expiry_days` without use — and "Sign in again now", which renews this same account: a
 * browser sign-in with its provider, with its e-mail as the hint of who signs in. The account keeps its key
 * (provider + subject), so nothing else about it changes.
 */
import type { AccountSummary, SignInOptions } from '../../../shared/session';
import { formatDateTime } from '../lib/format';
import { sessionEndReason } from '../lib/session-view';

interface Props {
  account: AccountSummary;
  /** A sign-in is already under way (this one or another). */
  busy: boolean;
  onSignIn(provider: string, options?: SignInOptions): void;
}

export function SessionEndBanner({ account, busy, onSignIn }: Props) {
  if (!account.signedIn || !account.sessionEndsSoon || !account.sessionEndsAt || account.local) return null;
  const why = sessionEndReason(account).words;
  return (
    <div className="notice notice-warning" role="status" data-testid="session-end-banner">
      <p className="notice-title">
        Your session with {account.providerLabel} ends on <span data-testid="session-ends-at">{formatDateTime(account.sessionEndsAt)}</span>.
      </p>
      <p className="small">{why} Sign in again to stay signed in.</p>
      <div className="actions">
        <button
          type="button"
          className="btn btn-primary"
          data-testid="renew-session"
          disabled={busy}
          onClick={() => onSignIn(account.provider, account.email ? { loginHint: account.email } : undefined)}
        >
          Sign in again now
        </button>
      </div>
    </div>
  );
}
