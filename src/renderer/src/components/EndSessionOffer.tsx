/**
 * After signing out of Latchkey the person may still be signed in at the provider (their browser holds
 * that session). When the provider has an end-session page, offer to open it; Latchkey can only open the
 * URL its own sign-out produced.
 */
import { useState } from 'react';
import type { ErrorInfo } from '../../../shared/errors';
import { toErrorInfo } from '../lib/error-info';
import { ErrorView } from './ErrorView';

export interface SignedOutAccount {
  accountKey: string;
  providerLabel: string;
  /** The provider has a sign-out page the main process can open (its URL never reaches this window). */
  endSessionAvailable: boolean;
  /** What the person should know: the provider did not revoke, or has no sign-out page. */
  notes: string[];
}

interface Props {
  account: SignedOutAccount;
  onDone(): void;
}

export function EndSessionOffer({ account, onDone }: Props) {
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [opening, setOpening] = useState(false);

  const open = async (): Promise<void> => {
    setOpening(true);
    try {
      await window.latchkey.session.openEndSession(account.accountKey);
      onDone();
    } catch (cause) {
      setError(toErrorInfo(cause));
    } finally {
      setOpening(false);
    }
  };

  return (
    <div className="notice notice-info" role="status" data-testid="end-session-offer">
      <p>
        You're signed out of Latchkey.
        {account.endSessionAvailable ? ` Your browser may still be signed in at ${account.providerLabel}.` : ''}
      </p>
      {account.notes.map((note) => (
        <p key={note} className="small" data-testid="sign-out-note">
          {note}
        </p>
      ))}
      <div className="actions">
        {account.endSessionAvailable && (
          <button type="button" className="btn btn-secondary" disabled={opening} onClick={() => void open()} data-testid="end-session">
            Also sign out at {account.providerLabel}
          </button>
        )}
        <button type="button" className="btn btn-link" onClick={onDone}>
          {account.endSessionAvailable ? 'No thanks' : 'OK'}
        </button>
      </div>
      {error && <ErrorView error={error} onDismiss={() => setError(null)} />}
    </div>
  );
}
