/**
 * A dashboard panel fed by a protected API with the signed-in session: the demo provider's projects (a chart of
 * commits per day and a table), or for GitHub the most recently updated repositories. The data is asked of the
 * main process, which makes the request with the token; this panel never has one. It shows a skeleton while
 * the first answer loads, an error with "Try again" when the API cannot be used, and loads again when the
 * session changes (another account, a refresh).
 */
import type { ApiSummary } from '../../../shared/api';
import type { AccountSummary } from '../../../shared/session';
import { useApiData, type ApiProblem } from '../hooks/useApiData';
import { errorWords } from '../lib/error-words';
import { DataTable } from './DataTable';
import { StackedBarChart } from './StackedBarChart';

interface Props {
  api: ApiSummary;
  account: AccountSummary;
}

function Skeleton() {
  return (
    <div className="skeleton" data-testid="api-skeleton" aria-busy="true" aria-label="Loading">
      <div className="skeleton-chart">
        {Array.from({ length: 18 }, (_, index) => (
          <span key={index} style={{ height: `${25 + ((index * 37) % 70)}%` }} />
        ))}
      </div>
      <div className="skeleton-line" />
      <div className="skeleton-line" />
      <div className="skeleton-line skeleton-line-short" />
    </div>
  );
}

function problemWords(problem: ApiProblem, api: ApiSummary): { title: string; body: string; detail?: string; code?: string } {
  switch (problem.kind) {
    case 'error': {
      const words = errorWords(problem.error.code);
      // The shared words for `network` speak of the provider; here it is the API that could not be reached.
      const title = problem.error.code === 'network' ? `Can't reach ${api.label}` : words.title;
      return { title, body: problem.error.hint ?? words.next ?? words.body, detail: problem.error.message, code: problem.error.code };
    }
    case 'http':
      return {
        title: `${api.label} answered HTTP ${problem.status}`,
        body: problem.status >= 500 ? 'The API has a problem right now. Your session is fine.' : 'The API refused the request.',
      };
    case 'shape':
      return { title: `${api.label} answered something unexpected`, body: problem.detail };
  }
}

function ProblemView({ problem, api, onRetry, busy }: { problem: ApiProblem; api: ApiSummary; onRetry(): void; busy: boolean }) {
  const words = problemWords(problem, api);
  return (
    <div className="notice notice-error" role="alert" data-testid="api-error" data-code={words.code ?? problem.kind}>
      <p className="notice-title">{words.title}</p>
      <p>{words.body}</p>
      {words.detail && (
        <details className="details">
          <summary>Details</summary>
          <p>{words.detail}</p>
        </details>
      )}
      <div className="actions">
        <button type="button" className="btn btn-primary" data-testid="api-retry" disabled={busy} aria-busy={busy} onClick={onRetry}>
          {busy ? 'Trying…' : 'Try again'}
        </button>
      </div>
    </div>
  );
}

export function ApiPanel({ api, account }: Props) {
  // A new sign-in or a refresh (new tokens, so a new expiry) loads the data again.
  const sessionKey = `${account.key}|${account.signedInAt ?? ''}|${account.accessTokenExpiresAt ?? ''}`;
  const data = useApiData(api, account.key, sessionKey);
  const { view, problem } = data;
  const titleId = `api-${api.name}-title`;

  return (
    <section className="card api-panel" aria-labelledby={titleId} aria-busy={data.loading} data-testid="api-panel" data-api={api.name}>
      <header className="card-header">
        <div>
          <h2 id={titleId}>{view?.title ?? api.label}</h2>
          {view && !problem && <p className="small muted">{view.subtitle}</p>}
        </div>
        {data.dpop && (
          <span className="badge badge-ok" title="The token behind this data is bound to a key that never leaves Latchkey (DPoP)" data-testid="dpop-badge">
            DPoP-bound
          </span>
        )}
      </header>
      {problem ? (
        <ProblemView problem={problem} api={api} onRetry={data.retry} busy={data.loading} />
      ) : view ? (
        <div data-testid="api-data" data-loaded-at={data.loadedAt ?? ''}>
          {view.rows.length === 0 ? (
            <p className="muted small">{view.empty}</p>
          ) : (
            <>
              <StackedBarChart data={view.chart} label={view.title} />
              <DataTable columns={view.columns} rows={view.rows} caption={view.title} />
            </>
          )}
        </div>
      ) : (
        <Skeleton />
      )}
    </section>
  );
}
