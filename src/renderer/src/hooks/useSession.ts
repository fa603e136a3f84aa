/**
 * The session as main owns it. Asked for on every load (a reload must never show a signed-out screen
 * while main holds a session) and kept current through `session:changed` events.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorInfo } from '../../../shared/errors';
import type { LatchkeyApi } from '../../../shared/ipc';
import type { SessionState } from '../../../shared/session';
import { toErrorInfo } from '../lib/error-info';

/** The preload script exposes the API; a window opened without it (a misconfigured build) must say so. */
function connectedApi(): LatchkeyApi | undefined {
  return (window as { latchkey?: LatchkeyApi }).latchkey;
}

const NOT_CONNECTED: ErrorInfo = {
  code: 'internal',
  message: 'This window is not connected to Latchkey (its preload script did not run).',
};

export interface SessionView {
  /** null until main has answered: the app then shows nothing but its background. */
  state: SessionState | null;
  /** Set when main could not be asked at all. */
  error: ErrorInfo | null;
  /** Asks main again (after fixing config.yaml, or after a failed first ask). */
  reload(): void;
}

export function useSession(): SessionView {
  const [state, setState] = useState<SessionState | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  // Counts change events. An event that arrives while get() is in flight is newer than get()'s answer,
  // so that answer is dropped instead of rolling the screen back.
  const changes = useRef(0);

  const reload = useCallback(() => {
    const changesAtStart = changes.current;
    const api = connectedApi();
    if (!api) {
      setError(NOT_CONNECTED);
      return;
    }
    api.session.get().then(
      (next) => {
        setError(null);
        if (changes.current === changesAtStart) setState(next);
      },
      (cause: unknown) => setError(toErrorInfo(cause)),
    );
  }, []);

  useEffect(() => {
    const api = connectedApi();
    if (!api) {
      setError(NOT_CONNECTED);
      return;
    }
    // Subscribe before asking, so no change can slip between the answer and the subscription.
    const unsubscribe = api.session.onChange((next) => {
      changes.current += 1;
      setError(null);
      setState(next);
    });
    reload();
    return unsubscribe;
  }, [reload]);

  return { state, error, reload };
}
