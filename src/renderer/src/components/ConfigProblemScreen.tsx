/**
 * config.yaml cannot be used: the whole app waits for it to be fixed (nothing is written to it meanwhile,
 * so a broken file is never overwritten with a half-understood one).
 */
import type { ErrorInfo } from '../../../shared/errors';
import { BrandMark } from './BrandMark';
import { ErrorView } from './ErrorView';

interface Props {
  configPath: string;
  error: ErrorInfo | undefined;
}

export function ConfigProblemScreen({ configPath, error }: Props) {
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
        <ErrorView error={shown} />
      </section>
    </main>
  );
}
