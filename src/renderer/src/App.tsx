/**
 * Picks the screen from the session main owns. Until main has answered, nothing but the background is drawn,
 * so a reload of a signed-in window never flashes the sign-in screen.
 *
 * The dashboard is its own bundle chunk. Its fetch starts with the page, alongside the question to main,
 * but nothing before sign-in waits for it: the sign-in, waiting and problem screens render from the entry
 * chunk alone. A signed-in window keeps drawing the bare background until the chunk is in (it usually is by
 * the time main has answered), so it goes from background straight to the painted dashboard. (Not
 * React.lazy: Suspense holds revealed content back for a few hundred milliseconds after a fallback, which
 * every reload would pay.)
 */
import { useCallback, useEffect, useState } from 'react';
import type { ErrorInfo } from '../../shared/errors';
import type { AccountSummary, SignInOptions, SignOutResult } from '../../shared/session';
import { ConfigProblemScreen } from './components/ConfigProblemScreen';
import { DeviceSignInScreen } from './components/DeviceSignInScreen';
import type { SignedOutAccount } from './components/EndSessionOffer';
import { ErrorView } from './components/ErrorView';
import { PassphraseScreen } from './components/PassphraseScreen';
import { SignInScreen } from './components/SignInScreen';
import { WaitingScreen } from './components/WaitingScreen';
import { useProviders } from './hooks/useProviders';
import { useSession } from './hooks/useSession';
import { toErrorInfo } from './lib/error-info';
import { activeAccount, providerLabel } from './lib/session-view';

type DashboardComponent = typeof import('./components/Dashboard')['Dashboard'];
let dashboardChunk: Promise<DashboardComponent> | null = null;
/** The dashboard once its chunk has arrived (read during render, so no extra render pass is needed). */
let loadedDashboard: DashboardComponent | null = null;
/** Fetches the dashboard chunk once per page load; a failed fetch may be tried again. */
function loadDashboard(): Promise<DashboardComponent> {
  dashboardChunk ??= import('./components/Dashboard').then(
    (chunk) => (loadedDashboard = chunk.Dashboard),
    (error: unknown) => {
      dashboardChunk = null;
      throw error;
    },
  );
  return dashboardChunk;
}
// Started with the page, never awaited by a screen that does not need it.
loadDashboard().catch(() => undefined);

export function App() {
  const session = useSession();
  const { providers, error: providersError } = useProviders(session.state ? `${session.state.phase}:${session.state.configPath}` : null);
  const [pendingProvider, setPendingProvider] = useState<string | null>(null);
  const [signInError, setSignInError] = useState<ErrorInfo | null>(null);
  const [signedOut, setSignedOut] = useState<SignedOutAccount | null>(null);
  const [lastProvider, setLastProvider] = useState<string | null>(null);
  const [errorDismissed, setErrorDismissed] = useState(false);

  const signIn = useCallback((provider: string, options?: SignInOptions) => {
    setPendingProvider(provider);
    setLastProvider(provider);
    setSignInError(null);
    setErrorDismissed(false);
    setSignedOut(null);
    // Resolves only when the whole browser sign-in is over; progress arrives meanwhile as state changes.
    window.latchkey.session.signIn(provider, options).then(
      () => setPendingProvider(null),
      (cause: unknown) => {
        setPendingProvider(null);
        setSignInError(toErrorInfo(cause));
      },
    );
  }, []);

  // Sign-in on another device: the code to enter arrives as state.deviceSignIn; this resolves at the end.
  const signInWithDevice = useCallback((provider: string) => {
    setPendingProvider(provider);
    setLastProvider(provider);
    setSignInError(null);
    setErrorDismissed(false);
    setSignedOut(null);
    window.latchkey.session.signInWithDevice(provider).then(
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

  const [dashboard, setDashboard] = useState<{ Component: DashboardComponent } | null>(null);
  const [dashboardError, setDashboardError] = useState<unknown>(null);
  const { state } = session;
  const known = state !== null;
  useEffect(() => {
    if (!known || dashboard !== null || loadedDashboard !== null) return;
    let live = true;
    loadDashboard().then(
      (Component) => live && setDashboard({ Component }),
      (error: unknown) => live && setDashboardError(error),
    );
    return () => {
      live = false;
    };
  }, [known, dashboard]);
  // A chunk that cannot be loaded is the app's error boundary's business (it offers a reload).
  if (dashboardError !== null) throw dashboardError;
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

  if (state.phase === 'passphrase_required') {
    return <PassphraseScreen setup={state.passphraseSetup ?? 'unlock'} />;
  }

  if (state.deviceSignIn) {
    return <DeviceSignInScreen progress={state.deviceSignIn} providerLabel={providerLabel(providers, state.deviceSignIn.provider)} />;
  }

  if (state.signIn) {
    return <WaitingScreen progress={state.signIn} providerLabel={providerLabel(providers, state.signIn.provider)} />;
  }

  const account = activeAccount(state);
  if (account) {
    const Dashboard = dashboard?.Component ?? loadedDashboard;
    if (Dashboard === null) return <div className="app-background" aria-busy="true" />;
    return (
      <Dashboard
        state={state}
        account={account}
        providers={providers}
        pendingProvider={pendingProvider}
        signInError={signInError}
        signedOut={signedOut}
        onSignIn={signIn}
        onSignInWithDevice={signInWithDevice}
        onSignedOut={onSignedOut}
        onDismissSignInError={() => setSignInError(null)}
        onDismissSignedOut={() => setSignedOut(null)}
      />
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
      onSignInWithDevice={signInWithDevice}
      onRetry={() => retryProvider && signIn(retryProvider)}
      onDismissError={() => setErrorDismissed(true)}
      onDismissSignedOut={() => setSignedOut(null)}
    />
  );
}
