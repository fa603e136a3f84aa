/**
 * The health of the current session: since when, how long the access token stays valid (live), the last
 * refresh, when the session itself ends unless the person signs in again, and whether the provider could be
 * reached. "Refresh now" asks main to refresh at once.
 */
import type { AccountSummary } from '../../../shared/session';
import { useCountdown } from '../hooks/useCountdown';
import { formatClock, formatDateTime } from '../lib/format';
import { sessionEndReason } from '../lib/session-view';

interface Props {
  account: AccountSummary;
  refreshing: boolean;
  onRefresh(): void;
}

function ConnectivityBadge({ account }: { account: AccountSummary }) {
  if (account.connectivity === 'offline') {
    return (
      <span className="badge badge-warning" data-testid="offline-badge" title="Latchkey keeps your session and retries">
        Offline · retrying
      </span>
    );
  }
  if (account.stale) {
    return (
      <span className="badge badge-warning" data-testid="offline-badge" title="The access token expired and has not been renewed yet">
        Stale
      </span>
    );
  }
  return (
    <span className="badge badge-ok" data-testid="online-badge">
      Online
    </span>
  );
}

export function SessionPanel({ account, refreshing, onRefresh }: Props) {
  const left = useCountdown(account.accessTokenExpiresAt);
  // A local account's session is Latchkey's own: no provider token expires or needs renewing.
  let validity = account.local ? 'Local account: no provider token to renew' : 'Access token expiry unknown';
  if (left !== null) validity = left > 0 ? `Access token valid for ${formatClock(left)}` : 'Access token expired';

  return (
    <section className="card" aria-labelledby="session-title">
      <header className="card-header">
        <h2 id="session-title">Session</h2>
        <ConnectivityBadge account={account} />
      </header>
      <p className="countdown" data-testid="token-countdown" data-expires-at={account.accessTokenExpiresAt ?? ''} aria-live="off">
        {validity}
      </p>
      {account.connectivity === 'offline' && (
        <p className="small muted">
          {account.providerLabel} can't be reached right now. You stay signed in, and Latchkey keeps trying.
        </p>
      )}
      <dl className="facts">
        <div>
          <dt>Signed in since</dt>
          <dd data-testid="signed-in-since">{formatDateTime(account.signedInAt)}</dd>
        </div>
        <div>
          <dt>Last refresh</dt>
          <dd data-testid="last-refresh" data-at={account.lastRefreshAt ?? ''}>
            {account.lastRefreshAt ? formatDateTime(account.lastRefreshAt) : 'Not yet'}
          </dd>
        </div>
        {account.sessionEndsAt && (
          <div>
            <dt>Session ends</dt>
            <dd data-testid="session-ends" data-at={account.sessionEndsAt} title={sessionEndReason(account).words}>
              {formatDateTime(account.sessionEndsAt)}
              {sessionEndReason(account).unused ? ' if unused' : ''}
            </dd>
          </div>
        )}
      </dl>
      {!account.local && (
        <div className="actions">
          <button type="button" className="btn btn-secondary" data-testid="refresh-now" disabled={refreshing} aria-busy={refreshing} onClick={onRefresh}>
            {refreshing ? 'Refreshing…' : 'Refresh now'}
          </button>
        </div>
      )}
    </section>
  );
}
