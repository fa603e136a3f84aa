/**
 * The newest auth events, asked for again whenever the session changes (each change usually adds one).
 *
 * The event log is a convenience: a passing failure leaves the list as it was. An `internal` failure is a
 * bug, though (the main process answered something that does not fit the contract, or did not answer): it
 * is thrown during render, so the panel's error boundary says what failed and offers Reload.
 */
import { useEffect, useState } from 'react';
import { AuthError, type ErrorInfo } from '../../../shared/errors';
import type { AuthEvent, SessionState } from '../../../shared/session';
import { toErrorInfo } from '../lib/error-info';

export function useRecentEvents(state: SessionState, limit = 10): AuthEvent[] | null {
  const [events, setEvents] = useState<AuthEvent[] | null>(null);
  const [failure, setFailure] = useState<ErrorInfo | null>(null);

  useEffect(() => {
    let live = true;
    window.latchkey.events.recent(limit).then(
      (list) => live && setEvents(list),
      (cause: unknown) => {
        const info = toErrorInfo(cause);
        if (live && info.code === 'internal') setFailure(info);
      },
    );
    return () => {
      live = false;
    };
  }, [state, limit]);

  if (failure !== null) throw new AuthError(failure.code, failure.message);
  return events;
}
