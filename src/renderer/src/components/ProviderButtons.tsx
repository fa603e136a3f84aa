/** One "Continue with X" button per configured provider. */
import type { ProviderSummary } from '../../../shared/session';
import { ProviderMark } from './ProviderMark';

interface Props {
  providers: ProviderSummary[] | null;
  /** The provider whose sign-in is being started, to show progress and block double clicks. */
  pendingProvider: string | null;
  onChoose(provider: string): void;
}

export function ProviderButtons({ providers, pendingProvider, onChoose }: Props) {
  if (providers === null) return <div className="provider-list provider-list-loading" aria-busy="true" />;
  if (providers.length === 0) {
    return <p className="muted">No sign-in providers are configured. Add one to config.yaml.</p>;
  }
  return (
    <div className="provider-list">
      {providers.map((provider) => (
        <button
          key={provider.name}
          type="button"
          className="btn btn-provider"
          data-testid={`provider-${provider.name}`}
          disabled={pendingProvider !== null}
          aria-busy={pendingProvider === provider.name}
          onClick={() => onChoose(provider.name)}
        >
          <ProviderMark mark={provider.mark} label={provider.label} />
          <span>Continue with {provider.label}</span>
          {provider.warning && (
            <span className="provider-warning" title={provider.warning} data-testid={`provider-warning-${provider.name}`}>
              PKCE off
            </span>
          )}
        </button>
      ))}
    </div>
  );
}
