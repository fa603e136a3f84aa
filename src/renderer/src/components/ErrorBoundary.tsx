/**
 * Keeps one failure from blanking the window. React unmounts the whole tree when rendering throws, so a
 * single malformed value (an event-log entry, a field the main process renamed) would otherwise leave an
 * empty window with no way forward. A boundary around the app root and around each dashboard panel shows
 * instead what failed and a "Reload" action; the panels beside a failed one keep working.
 *
 * Reloading is the right recovery: the window holds no state of its own (main owns the session), so a
 * reload asks main afresh and never signs anyone out.
 */
import { Component, type ErrorInfo as ReactErrorInfo, type ReactNode } from 'react';

/** How much of a failure's text is shown: enough to recognise it, never a wall of text. */
const MAX_DETAIL = 300;

interface Props {
  /** `app`: the whole window; `panel`: one card of the dashboard. */
  scope: 'app' | 'panel';
  /** What this boundary guards, as the person knows it ("Recent activity"). */
  label: string;
  children: ReactNode;
}

interface State {
  failure: unknown;
  failed: boolean;
}

/** One line saying what failed: the error's message, and its code when it carries one (AuthError). */
export function describeFailure(failure: unknown): string {
  let text: string;
  if (typeof failure === 'object' && failure !== null) {
    const { message, code, name } = failure as { message?: unknown; code?: unknown; name?: unknown };
    const base = typeof message === 'string' && message !== '' ? message : 'Unknown error.';
    const prefix = typeof name === 'string' && name !== 'Error' && name !== 'AuthError' ? `${name}: ` : '';
    text = `${prefix}${base}${typeof code === 'string' ? ` (${code})` : ''}`;
  } else {
    text = typeof failure === 'string' ? failure : 'Unknown error.';
  }
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}

function reload(): void {
  window.location.reload();
}

function ReloadButton() {
  return (
    <button type="button" className="btn btn-primary" data-testid="reload" onClick={reload}>
      Reload
    </button>
  );
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { failure: null, failed: false };

  static getDerivedStateFromError(failure: unknown): State {
    return { failure, failed: true };
  }

  override componentDidCatch(failure: unknown, info: ReactErrorInfo): void {
    // For whoever opens the developer tools: which part failed, and where in the component tree.
    console.error(`latchkey: ${this.props.label} failed to render: ${describeFailure(failure)}`, info.componentStack ?? '');
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    const detail = describeFailure(this.state.failure);

    if (this.props.scope === 'panel') {
      return (
        <section className="card" role="alert" data-testid="panel-error" data-panel={this.props.label}>
          <header className="card-header">
            <h2>{this.props.label}</h2>
          </header>
          <div className="notice notice-error">
            <p className="notice-title">This part could not be shown</p>
            <p>Something it received did not make sense, so it stopped here. The rest of Latchkey works.</p>
            <p className="problem" data-testid="failure">
              {detail}
            </p>
            <div className="actions">
              <ReloadButton />
            </div>
          </div>
        </section>
      );
    }

    return (
      <main className="screen screen-centered" data-testid="app-error">
        <section className="card card-narrow">
          <div className="notice notice-error" role="alert">
            <h2 className="notice-title">Latchkey could not show this window</h2>
            <p>Something it received did not make sense. Latchkey keeps your session outside this window, so reloading never signs you out.</p>
            <p className="problem" data-testid="failure">
              {detail}
            </p>
            <div className="actions">
              <ReloadButton />
            </div>
          </div>
        </section>
      </main>
    );
  }
}
