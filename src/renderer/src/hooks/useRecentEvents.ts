/** The newest auth events, asked for again whenever the session changes (each change usually adds one). */
import { useEffect, useState } from 'react';
import type { AuthEvent, SessionState } from '../../../shared/session';

export function useRecentEvents(state: SessionState, limit = 10): AuthEvent[] | null {
  const [events, setEvents] = useState<AuthEvent[] | null>(null);

  useEffect(() => {
    let live = true;
    window.latchkey.events.recent(limit).then(
      (list) => live && setEvents(list),
      // The event log is a convenience: if it cannot be read, the list stays as it was.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [state, limit]);

  return events;
}
