/** How the `latchkey` commands word things: errors with their hint, accounts, the way back after a lost session. */
import type { AuthError } from '../../shared/errors';
import type { AccountSummary, SessionState } from '../../shared/session';
import type { CliIo } from './context';

export function describeAccount(account: AccountSummary): string {
  return `${account.name}${account.email ? ` <${account.email}>` : ''} via ${account.providerLabel}`;
}

export function reportError(io: CliIo, error: AuthError): void {
  io.stderr(`latchkey: ${error.message}\n`);
  if (error.hint) io.stderr(`  ${error.hint}\n`);
}

/** After a refused refresh or a lost session: the command that fixes it. */
export function signInAgainHint(state: SessionState, accountKey: string | undefined, io: CliIo): void {
  const key = accountKey ?? state.activeAccountKey ?? state.accounts.find((a) => a.signedOutReason)?.key;
  const account = state.accounts.find((a) => a.key === key);
  if (account && !account.signedIn) io.stderr(`  Sign in again: latchkey login --provider ${account.provider}\n`);
}
