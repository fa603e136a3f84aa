/** The signed-out screen: what Latchkey is, one button per provider, and how the last attempt ended. */
import type { ErrorInfo } from '../../../shared/errors';
import type { ProviderSummary } from '../../../shared/session';
import { BrandMark } from './BrandMark';
import { EndSessionOffer, type SignedOutAccount } from './EndSessionOffer';
import { useLocalAccounts } from '../hooks/useLocalAccounts';
import { ErrorView } from './ErrorView';
import { LocalSignIn } from './LocalSignIn';
import { ProviderButtons } from './ProviderButtons';

interface Props {
  providers: ProviderSummary[] | null;
  providersError: ErrorInfo | null;
  pendingProvider: string | null;
  error: ErrorInfo | null;
  signedOut: SignedOutAccount | null;
  onSignIn(provider: string): void;
  /** Sign in on another device (RFC 8628), for providers that offer it. */
  onSignInWithDevice?(provider: string): void;
  onRetry(): void;
  onDismissError(): void;
  onDismissSignedOut(): void;
}

export function SignInScreen(props: Props) {
  // Local accounts (username and password) have their form here; the providers keep their buttons.
  const local = useLocalAccounts();
  const onlyLocal = local !== null && props.providers !== null && props.providers.length === 0;
  return (
    <main className="screen screen-centered" data-testid="sign-in">
      <section className="card card-narrow" aria-labelledby="sign-in-title">
        <header className="hero">
          <BrandMark size={44} />
          <h1 id="sign-in-title">Latchkey</h1>
          <p className="pitch">Sign in once with the account you already have, and stay signed in.</p>
        </header>
        {props.signedOut && <EndSessionOffer account={props.signedOut} onDone={props.onDismissSignedOut} />}
        {props.error && <ErrorView error={props.error} onRetry={props.onRetry} onDismiss={props.onDismissError} />}
        {local && <LocalSignIn info={local} />}
        {local && !onlyLocal && <p className="divider">or</p>}
        {onlyLocal ? null : props.providersError ? (
          <ErrorView error={props.providersError} />
        ) : (
          <ProviderButtons
            providers={props.providers}
            pendingProvider={props.pendingProvider}
            onChoose={props.onSignIn}
            {...(props.onSignInWithDevice ? { onChooseDevice: props.onSignInWithDevice } : {})}
          />
        )}
        {!onlyLocal && <p className="muted small center">Your browser opens to sign you in; come back here when it's done.</p>}
      </section>
    </main>
  );
}
