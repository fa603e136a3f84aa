/**
 * The newest auth events (sign-ins, refreshes, sign-outs, failures), so a person can see what happened. The
 * panel asks for them itself, so a failure to get them stays inside the panel's error boundary.
 */
import type { AuthEvent, SessionState } from '../../../shared/session';
import { AUTH_ERROR_CODES, type AuthErrorCode } from '../../../shared/errors';
import { useRecentEvents } from '../hooks/useRecentEvents';
import { errorWords } from '../lib/error-words';
import { formatTime } from '../lib/format';

/** What each kind of event says when it went well, and when it did not. */
const KIND_WORDS: Record<AuthEvent['kind'], { ok: string; error: string }> = {
  sign_in: { ok: 'Signed in', error: 'Sign-in failed' },
  refresh: { ok: 'Session refreshed', error: 'Refresh failed' },
  sign_out: { ok: 'Signed out', error: 'Session ended' },
  restore: { ok: 'Session restored', error: 'Could not restore the session' },
  failure: { ok: 'Problem', error: 'Problem' },
};

function isCode(code: string | undefined): code is AuthErrorCode {
  return code !== undefined && (AUTH_ERROR_CODES as readonly string[]).includes(code);
}

function describe(event: AuthEvent): string {
  const words = KIND_WORDS[event.kind];
  if (event.outcome === 'ok') return words.ok;
  const reason = isCode(event.code) ? errorWords(event.code).title : (event.code ?? event.detail);
  if (!reason) return words.error;
  // A bare failure is best told by its reason alone ("You declined access").
  return event.kind === 'failure' ? reason : `${words.error}: ${reason}`;
}

/** Failures the person chose (a cancel) are listed plainly, not in the error colour. */
function tone(event: AuthEvent): 'ok' | 'error' {
  if (event.outcome === 'ok') return 'ok';
  return isCode(event.code) && errorWords(event.code).quiet ? 'ok' : 'error';
}

interface Props {
  state: SessionState;
}

export function EventsPanel({ state }: Props) {
  const events = useRecentEvents(state);
  const { accounts } = state;
  const nameOf = (key: string | undefined): string | undefined => accounts.find((a) => a.key === key)?.name;
  return (
    <section className="card" aria-labelledby="events-title">
      <header className="card-header">
        <h2 id="events-title">Recent activity</h2>
      </header>
      {events === null ? null : events.length === 0 ? (
        <p className="muted small">Nothing yet.</p>
      ) : (
        <ol className="events" data-testid="events">
          {events.map((event, index) => (
            <li key={`${event.at}-${index}`} className={`event event-${tone(event)}`} title={event.detail}>
              <time dateTime={event.at} className="event-time">
                {formatTime(event.at)}
              </time>
              <span className="event-text">
                {describe(event)}
                {nameOf(event.accountKey) && <span className="muted"> · {nameOf(event.accountKey)}</span>}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
