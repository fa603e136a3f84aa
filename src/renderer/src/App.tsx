/**
 * Picks the screen from the session main owns. Until main has answered, nothing but the background is drawn,
 * so a reload of a signed-in window never flashes the sign-in screen.
 *
 * The dashboard is its own bundle chunk, loaded when it is shown (or, signed out, once the sign-in screen
 * is up): the sign-in screen never waits for dashboard code. Its fallback is the bare background, like the
 * wait for main's answer, so a signed-in start goes from background straight to the painted dashboard.
 */
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { ErrorInfo } from '../../shared/errors';
import type { AccountSummary, SignOutResult } from '../../shared/session';
import { ConfigProblemScreen } from './components/ConfigProblemScreen';
import type { SignedOutAccount } from './components/EndSessionOffer';
import { ErrorView } from './components/ErrorView';
import { SignInScreen } from './components/SignInScreen';
import { WaitingScreen } from './components/WaitingScreen';
import { useProviders } from './hooks/useProviders';
import { useSession } from './hooks/useSession';
import { toErrorInfo } from './lib/error-info';
import { activeAccount, providerLabel } from './lib/session-view';

const loadDashboard = () => import('./components/Dashboard');
const Dashboard = lazy(async () => ({ default: (await loadDashboard()).Dashboard }));

export function App() {
  const session = useSession();
  const { providers, error: providersError } = useProviders(session.state ? `${session.state.phase}:${session.state.configPath}` : null);
  const [pendingProvider, setPendingProvider] = useState<string | null>(null);
  const [signInError, setSignInError] = useState<ErrorInfo | null>(null);
  const [signedOut, setSignedOut] = useState<SignedOutAccount | null>(null);
  const [lastProvider, setLastProvider] = useState<string | null>(null);
  const [errorDismissed, setErrorDismissed] = useState(false);

  const signIn = useCallback((provider: string) => {
    setPendingProvider(provider);
    setLastProvider(provider);
    setSignInError(null);
    setErrorDismissed(false);
    setSignedOut(null);
    // Resolves only when the whole browser sign-in is over; progress arrives meanwhile as state changes.
    window.latchkey.session.signIn(provider).then(
      () => setPendingProvider(null),
      (cause: unknown) => {
        setPendingProvider(null);
        setSignInError(toErrorInfo(cause));
      },
    );
  }, []);

  const onSignedOut = useCallback((result: SignOutResult, account: AccountSummary) => {
    // Worth a notice when there is a provider sign-out page to offer, or something the person should know
    // (the provider did not revoke, or has no sign-out page).
    const notes = [result.revocationDetail, result.endSessionNote].filter((note): note is string => Boolean(note));
    if (result.endSessionAvailable || notes.length > 0) {
      setSignedOut({ accountKey: result.accountKey, providerLabel: account.providerLabel, endSessionAvailable: result.endSessionAvailable, notes });
    }
  }, []);

  const { state } = session;
  const known = state !== null;
  useEffect(() => {
    // Once the first screen is up, fetch the dashboard in the background: signing in then shows it at once.
    if (known) void loadDashboard().catch(() => undefined);
  }, [known]);
  if (session.error && !state) {
    return (
      <main className="screen screen-centered" data-testid="load-problem">
        <section className="card card-narrow">
          <ErrorView error={session.error} onRetry={session.reload} />
        </section>
      </main>
    );
  }
  if (!state) return <div className="app-background" aria-busy="true" />;

  if (state.phase === 'config_invalid') {
    return <ConfigProblemScreen configPath={state.configPath} error={state.configError} />;
  }

  if (state.signIn) {
    return <WaitingScreen progress={state.signIn} providerLabel={providerLabel(providers, state.signIn.provider)} />;
  }

  const account = activeAccount(state);
  if (account) {
    return (
      <Suspense fallback={<div className="app-background" aria-busy="true" />}>
        <Dashboard
          state={state}
          account={account}
          providers={providers}
          pendingProvider={pendingProvider}
          signInError={signInError}
          signedOut={signedOut}
          onSignIn={signIn}
          onSignedOut={onSignedOut}
          onDismissSignInError={() => setSignInError(null)}
          onDismissSignedOut={() => setSignedOut(null)}
        />
      </Suspense>
    );
  }

  // The engine's record of the last failed attempt outlives a reload; this window's own is a fallback.
  const shownError = errorDismissed ? null : (state.lastSignInError ?? signInError);
  const retryProvider = lastProvider ?? state.accounts[0]?.provider ?? providers?.[0]?.name ?? null;
  return (
    <SignInScreen
      providers={providers}
      providersError={providersError}
      pendingProvider={pendingProvider}
      error={shownError}
      signedOut={signedOut}
      onSignIn={signIn}
      onRetry={() => retryProvider && signIn(retryProvider)}
      onDismissError={() => setErrorDismissed(true)}
      onDismissSignedOut={() => setSignedOut(null)}
    />
  );
}
