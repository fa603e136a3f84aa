/**
 * config.yaml cannot be used: the whole app waits for it to be fixed (nothing is written to it meanwhile,
 * so a broken file is never overwritten with a half-understood one). "Check this computer" runs the checks of
 * `latchkey doctor`, which work with the file broken.
 */
import type { ErrorInfo } from '../../../shared/errors';
import { useAction } from '../hooks/useAction';
import { BrandMark } from './BrandMark';
import { DiagnosticsLink } from './DiagnosticsPanel';
import { ErrorView } from './ErrorView';

interface Props {
  configPath: string;
  error: ErrorInfo | undefined;
}

export function ConfigProblemScreen({ configPath, error }: Props) {
  // The new state arrives as a state change; only a failure of the call itself is shown here.
  const reload = useAction();
  const shown: ErrorInfo = error ?? {
    code: 'config_invalid',
    message: 'The settings file could not be read.',
    location: { file: configPath },
  };
  return (
    <main className="screen screen-centered" data-testid="config-problem">
      <section className="card card-wide" aria-labelledby="config-title">
        <header className="hero hero-left">
          <BrandMark size={32} />
          <h1 id="config-title">Latchkey needs its settings fixed</h1>
        </header>
        <p>
          Latchkey keeps its settings in <code className="path">{configPath}</code>. Your accounts and sessions are
          safe in the meantime.
        </p>
        <ErrorView error={shown} checks={false} />
        <div className="actions">
          <button
            type="button"
            className="btn btn-primary"
            data-testid="config-check-again"
            disabled={reload.pending !== null}
            onClick={() => void reload.run('reload', () => window.latchkey.session.reload())}
          >
            {reload.pending ? 'Checking…' : 'I fixed it — check again'}
          </button>
        </div>
        {reload.error && <ErrorView error={reload.error} checks={false} />}
        <DiagnosticsLink />
      </section>
    </main>
  );
}
