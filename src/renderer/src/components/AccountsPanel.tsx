/**
 * Every account Latchkey knows: switch between signed-in ones, sign back in to others, add another. A local
 * account signs back in with its password right here; any other through its provider in the browser.
 */
import { useState } from 'react';
import type { LocalAccountsInfo } from '../../../shared/accounts';
import type { AccountSummary, ProviderSummary } from '../../../shared/session';
import { Avatar } from './Avatar';
import { LocalSignIn } from './LocalSignIn';
import { ProviderButtons } from './ProviderButtons';

interface Props {
  accounts: AccountSummary[];
  activeKey: string | null;
  providers: ProviderSummary[] | null;
  busy: boolean;
  pendingProvider: string | null;
  /** Local accounts' settings (null: this Latchkey has none). */
  localInfo?: LocalAccountsInfo | null;
  onSwitch(accountKey: string): void;
  onSignIn(provider: string): void;
  /** Adds an account by signing in on another device (RFC 8628); without it no such link is shown. */
  onSignInWithDevice?(provider: string): void;
}

function AccountRow({ account, active, busy, localInfo, onSwitch, onSignIn }: {
  account: AccountSummary;
  active: boolean;
  busy: boolean;
  localInfo: LocalAccountsInfo | null;
  onSwitch(accountKey: string): void;
  onSignIn(provider: string): void;
}) {
  const [askingPassword, setAskingPassword] = useState(false);
  // A local account has no browser sign-in: its provider entry is the password form.
  const local = account.local === true && localInfo !== null;
  let status = 'Signed out';
  if (active) status = 'Current';
  else if (account.signedIn) status = 'Signed in';
  return (
    <li className={`account${active ? ' account-active' : ''}`} data-testid={`account-${account.key}`} aria-current={active ? 'true' : undefined}>
      <Avatar name={account.name} picture={account.picture} size="small" />
      <div className="account-text">
        <span className="account-name">{account.name}</span>
        <span className="muted small" title={`${account.email ?? account.subject} · ${account.providerLabel}`}>
          {account.email ?? account.subject} · {account.providerLabel}
        </span>
      </div>
      {active ? (
        <span className="badge badge-ok">{status}</span>
      ) : account.signedIn ? (
        <button type="button" className="btn btn-secondary btn-small" disabled={busy} onClick={() => onSwitch(account.key)} data-testid={`switch-${account.key}`}>
          Switch
        </button>
      ) : (
        <button
          type="button"
          className="btn btn-secondary btn-small"
          disabled={busy}
          aria-expanded={local ? askingPassword : undefined}
          onClick={() => (local ? setAskingPassword((open) => !open) : onSignIn(account.provider))}
          data-testid={`sign-in-again-${account.key}`}
        >
          {local && askingPassword ? 'Never mind' : 'Sign in'}
        </button>
      )}
      {local && askingPassword && !account.signedIn && localInfo && (
        <div className="account-local-sign-in" data-testid={`local-sign-in-${account.key}`}>
          <LocalSignIn info={localInfo} identifier={account.subject} />
        </div>
      )}
    </li>
  );
}

export function AccountsPanel({ accounts, activeKey, providers, busy, pendingProvider, localInfo = null, onSwitch, onSignIn, onSignInWithDevice }: Props) {
  const [choosing, setChoosing] = useState(false);
  return (
    <section className="card" aria-labelledby="accounts-title">
      <header className="card-header">
        <h2 id="accounts-title">Accounts</h2>
      </header>
      <ul className="accounts" data-testid="accounts">
        {accounts.map((account) => (
          <AccountRow key={account.key} account={account} active={account.key === activeKey} busy={busy} localInfo={localInfo} onSwitch={onSwitch} onSignIn={onSignIn} />
        ))}
      </ul>
      {choosing ? (
        <div className="add-account" data-testid="add-account-choice">
          <p className="small muted">Choose where the other account lives:</p>
          <ProviderButtons providers={providers} pendingProvider={pendingProvider} onChoose={onSignIn} {...(onSignInWithDevice ? { onChooseDevice: onSignInWithDevice } : {})} />
          <button type="button" className="btn btn-link" onClick={() => setChoosing(false)}>
            Never mind
          </button>
        </div>
      ) : (
        <div className="actions">
          <button type="button" className="btn btn-secondary" data-testid="add-account" disabled={busy} onClick={() => setChoosing(true)}>
            Add another account
          </button>
        </div>
      )}
    </section>
  );
}
