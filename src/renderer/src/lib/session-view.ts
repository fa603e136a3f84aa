/** Questions the screens ask of a SessionState. Kept in one place so App and Dashboard agree on them. */
import type { AccountSummary, ProviderSummary, SessionState } from '../../../shared/session';

/** The account the dashboard shows: the active one, if it still has a session. */
export function activeAccount(state: SessionState): AccountSummary | null {
  const account = state.accounts.find((a) => a.key === state.activeAccountKey);
  return account?.signedIn ? account : null;
}

/** The label of a provider by name, falling back to the name when providers are not loaded yet. */
export function providerLabel(providers: ProviderSummary[] | null, name: string): string {
  return providers?.find((p) => p.name === name)?.label ?? name;
}

/**
 * Why the account's session ends, in words: Latchkey's own `session.expiry_days` (a session not used for that
 * long), or else the provider's limit on how long a sign-in lasts. The banner and the session panel both say it.
 */
export function sessionEndReason(account: Pick<AccountSummary, 'sessionEndsBecause' | 'providerLabel'>): { unused: boolean; words: string } {
  return account.sessionEndsBecause === 'expiry_days'
    ? { unused: true, words: 'Latchkey ends sessions that are not used for a while (session.expiry_days).' }
    : { unused: false, words: `${account.providerLabel} limits how long a sign-in lasts.` };
}
