/**
 * The signed-in screen. Every button here asks main to do the work; the screen then follows the state main
 * announces, so what is shown is always what is on disk.
 */
import type { ErrorInfo } from '../../../shared/errors';
import type { AccountSummary, ProviderSummary, SessionState, SignInOptions, SignOutResult } from '../../../shared/session';
import { useAction } from '../hooks/useAction';
import { useApis } from '../hooks/useApis';
import { useLocalAccounts } from '../hooks/useLocalAccounts';
import { ADMIN_ROLE } from '../../../shared/accounts';
import { AccountSettings } from './AccountSettings';
import { AccountsPanel } from './AccountsPanel';
import { AdminPanel } from './AdminPanel';
import { ApiPanel } from './ApiPanel';
import { BrandMark } from './BrandMark';
import { EndSessionOffer, type SignedOutAccount } from './EndSessionOffer';
import { ErrorBoundary } from './ErrorBoundary';
import { ErrorView } from './ErrorView';
import { EventsPanel } from './EventsPanel';
import { ProfileCard } from './ProfileCard';
import { RoleGate } from './RoleGate';
import { SessionEndBanner } from './SessionEndBanner';
import { SessionPanel } from './SessionPanel';

interface Props {
  state: SessionState;
  account: AccountSummary;
  providers: ProviderSummary[] | null;
  pendingProvider: string | null;
  /** How the last sign-in started from this screen ("Add another account") failed, if it did. */
  signInError: ErrorInfo | null;
  signedOut: SignedOutAccount | null;
  /** `options.loginHint`: renewing a known account (the session-end banner). */
  /** "Add another account" on another device (RFC 8628). */
  onSignInWithDevice?(provider: string): void;
  onSignIn(provider: string, options?: SignInOptions): void;
  onSignedOut(result: SignOutResult, account: AccountSummary): void;
  onDismissSignInError(): void;
  onDismissSignedOut(): void;
}

export function Dashboard(props: Props) {
  const { state, account } = props;
  const actions = useAction();
  // Refreshing talks to the provider and may be slow when it is unreachable: it must not hold up sign-out.
  const refresh = useAction();
  // Panels fed by an API of the shown account's provider (config.yaml `apis:`); asked again when the config is.
  // For signing a local account in the Accounts panel back in with its password.
  const localInfo = useLocalAccounts();
  const apis = useApis(`${state.phase}:${state.configPath}`).filter((api) => api.dashboard !== undefined && api.provider === account.provider);

  const signOut = async (forget: boolean): Promise<void> => {
    const result = await actions.run(forget ? 'forget' : 'sign-out', () =>
      window.latchkey.session.signOut({ accountKey: account.key, forget }),
    );
    if (result) props.onSignedOut(result, account);
  };

  return (
    <div className="screen" data-testid="dashboard">
      <header className="topbar">
        <div className="brand">
          <BrandMark size={26} />
          <span className="brand-name">Latchkey</span>
        </div>
        <button
          type="button"
          className="btn btn-secondary"
          data-testid="sign-out"
          disabled={actions.pending !== null}
          onClick={() => void signOut(false)}
        >
          {actions.pending === 'sign-out' ? 'Signing out…' : 'Sign out'}
        </button>
      </header>

      <main className="dashboard">
        <SessionEndBanner account={account} busy={props.pendingProvider !== null} onSignIn={props.onSignIn} />
        {props.signedOut && <EndSessionOffer account={props.signedOut} onDone={props.onDismissSignedOut} />}
        {props.signInError && (
          <ErrorView error={props.signInError} onDismiss={props.onDismissSignInError} />
        )}
        {actions.error && <ErrorView error={actions.error} onDismiss={actions.clearError} />}
        {refresh.error && <ErrorView error={refresh.error} onDismiss={refresh.clearError} />}

        <div className="grid">
          <div className="grid-wide">
            <ErrorBoundary scope="panel" label="Profile">
              <ProfileCard account={account}>
                <div className="actions">
                  <button
                    type="button"
                    className="btn btn-link btn-danger"
                    data-testid="sign-out-forget"
                    disabled={actions.pending !== null}
                    onClick={() => void signOut(true)}
                  >
                    Sign out and forget this account
                  </button>
                </div>
              </ProfileCard>
            </ErrorBoundary>
          </div>
          {apis.map((api) => (
            <div className="grid-wide" key={api.name}>
              <ErrorBoundary scope="panel" label={api.label}>
                <ApiPanel api={api} account={account} />
              </ErrorBoundary>
            </div>
          ))}
          <ErrorBoundary scope="panel" label="Session">
            <SessionPanel
              account={account}
              refreshing={refresh.pending !== null}
              onRefresh={() => void refresh.run('refresh', () => window.latchkey.session.refresh(account.key))}
            />
          </ErrorBoundary>
          <ErrorBoundary scope="panel" label="Accounts">
            <AccountsPanel
              accounts={state.accounts}
              activeKey={state.activeAccountKey}
              providers={props.providers}
              busy={actions.pending !== null || props.pendingProvider !== null}
              pendingProvider={props.pendingProvider}
              localInfo={localInfo}
              onSwitch={(key) => void actions.run('switch', () => window.latchkey.session.switchAccount(key))}
              onSignIn={props.onSignIn}
              {...(props.onSignInWithDevice ? { onSignInWithDevice: props.onSignInWithDevice } : {})}
            />
          </ErrorBoundary>
          {account.local && (
            <div className="grid-wide">
              <ErrorBoundary scope="panel" label="Your account">
                <AccountSettings key={account.key} account={account} />
              </ErrorBoundary>
            </div>
          )}
          {/* Limited to a role: shown only when the main process says the active account has it. */}
          <RoleGate role={ADMIN_ROLE} state={state}>
            <div className="grid-wide">
              <ErrorBoundary scope="panel" label="Administration">
                <AdminPanel state={state} />
              </ErrorBoundary>
            </div>
          </RoleGate>
          <div className="grid-wide">
            <ErrorBoundary scope="panel" label="Recent activity">
              <EventsPanel state={state} />
            </ErrorBoundary>
          </div>
        </div>
      </main>
    </div>
  );
}
