/**
 * Runs one user action at a time against main and remembers how it failed, so buttons can show progress and
 * screens can show the error view. Errors are kept as ErrorInfo (code + words), never as thrown values.
 */
import { useCallback, useRef, useState } from 'react';
import type { ErrorInfo } from '../../../shared/errors';
import { toErrorInfo } from '../lib/error-info';

export interface ActionRunner {
  /** The name of the action in flight, or null. */
  pending: string | null;
  error: ErrorInfo | null;
  /** Runs `action` unless another is in flight; resolves with its value, or undefined if it failed. */
  run<T>(name: string, action: () => Promise<T>): Promise<T | undefined>;
  clearError(): void;
}

export function useAction(): ActionRunner {
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const inFlight = useRef(false);

  const run = useCallback(async <T,>(name: string, action: () => Promise<T>): Promise<T | undefined> => {
    if (inFlight.current) return undefined;
    inFlight.current = true;
    setPending(name);
    setError(null);
    try {
      return await action();
    } catch (cause) {
      setError(toErrorInfo(cause));
      return undefined;
    } finally {
      inFlight.current = false;
      setPending(null);
    }
  }, []);

  const clearError = useCallback(() => setError(null), []);
  return { pending, error, run, clearError };
}
