/**
 * One "Continue with X" button per configured provider, and below them a "Sign in on another device" link per
 * provider that may offer it (RFC 8628: the code is entered on a phone or another computer).
 */
import type { ProviderSummary } from '../../../shared/session';
import { ProviderMark } from './ProviderMark';

interface Props {
  providers: ProviderSummary[] | null;
  /** The provider whose sign-in is being started, to show progress and block double clicks. */
  pendingProvider: string | null;
  onChoose(provider: string): void;
  /** Sign in on another device with this provider; without it no such link is shown. */
  onChooseDevice?(provider: string): void;
}

export function ProviderButtons({ providers, pendingProvider, onChoose, onChooseDevice }: Props) {
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
      {onChooseDevice &&
        providers
          .filter((provider) => provider.deviceFlow !== false)
          .map((provider) => (
            <button
              key={`device-${provider.name}`}
              type="button"
              className="btn btn-link device-link"
              data-testid={`device-${provider.name}`}
              disabled={pendingProvider !== null}
              onClick={() => onChooseDevice(provider.name)}
            >
              Sign in on another device{providers.length > 1 ? ` with ${provider.label}` : ''}
            </button>
          ))}
    </div>
  );
}
