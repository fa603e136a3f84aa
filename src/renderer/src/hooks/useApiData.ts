/**
 * One API panel's data: asked of the main process (which attaches the session's token; the window never sees
 * it) when the panel appears, again whenever `sessionKey` changes (another account, a refreshed session), and
 * on `retry()`. While new data loads, the old stays on screen; only the first load shows a skeleton.
 *
 * An `internal` failure is a bug (an answer that does not fit the contract): it is thrown during render, so the
 * panel's error boundary says what failed. Every other failure — the API down, an HTTP error, an answer of the
 * wrong shape — is a state the panel shows with a retry.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiSummary } from '../../../shared/api';
import { AuthError, type ErrorInfo } from '../../../shared/errors';
import { panelView, PANEL_REQUESTS, type PanelView } from '../lib/api-views';
import { toErrorInfo } from '../lib/error-info';

export type ApiProblem =
  | { kind: 'error'; error: ErrorInfo }
  | { kind: 'http'; status: number }
  | { kind: 'shape'; detail: string };

export interface ApiData {
  view: PanelView | null;
  /** Whether the tokens behind the last answer were DPoP-bound. */
  dpop: boolean;
  loading: boolean;
  problem: ApiProblem | null;
  /** When the shown data arrived (ms). */
  loadedAt: number | null;
  retry(): void;
}

export function useApiData(api: ApiSummary, accountKey: string, sessionKey: string): ApiData {
  const [view, setView] = useState<PanelView | null>(null);
  const [dpop, setDpop] = useState(false);
  const [loading, setLoading] = useState(true);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [loadedAt, setLoadedAt] = useState<number | null>(null);
  const [bug, setBug] = useState<ErrorInfo | null>(null);
  const [attempt, setAttempt] = useState(0);
  // Only the newest request may change the panel: an older answer arriving late is dropped.
  const latest = useRef(0);

  useEffect(() => {
    const dashboard = api.dashboard;
    if (!dashboard) return;
    const id = ++latest.current;
    setLoading(true);
    window.latchkey.api.request(api.name, { ...PANEL_REQUESTS[dashboard], accountKey }).then(
      (response) => {
        if (id !== latest.current) return;
        setLoading(false);
        setDpop(response.dpop);
        if (response.status < 200 || response.status >= 300) {
          setProblem({ kind: 'http', status: response.status });
          return;
        }
        const result = panelView(dashboard, response.body);
        if (!result.ok) {
          setProblem({ kind: 'shape', detail: result.problem });
          return;
        }
        setProblem(null);
        setView(result.view);
        setLoadedAt(Date.now());
      },
      (cause: unknown) => {
        if (id !== latest.current) return;
        setLoading(false);
        const info = toErrorInfo(cause);
        if (info.code === 'internal') setBug(info);
        else setProblem({ kind: 'error', error: info });
      },
    );
  }, [api.name, api.dashboard, accountKey, sessionKey, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  if (bug !== null) throw new AuthError(bug.code, bug.message);
  return { view, dpop, loading, problem, loadedAt, retry };
}
