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
