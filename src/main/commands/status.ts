/**
 * `latchkey status`: is anyone signed in (exit 0) or not (exit 1), with the account the other commands would use
 * (--account, LATCHKEY_ACCOUNT, or the active account: account-choice.ts) and why that one, when its access
 * token expires, when the session itself ends unless the person signs in again (session-end.ts), and whether the
 * provider could be reached; `--json` for scripts. An expired token is refreshed once first, so the answer
 * reflects what `latchkey token` would do.
 */
import type { CommandContext } from './context';
import { withEngine } from './engine';
import { describeAccount } from './output';
import { accountFor, chooseAccount, choiceReason } from './account-choice';

export function status(context: CommandContext): Promise<number> {
  return withEngine(
    context,
    async (latchkey) => {
      const { io } = context;
      let state = latchkey.engine.getState();
      const choice = chooseAccount(context.values, io.env);
      // An account named by --account or LATCHKEY_ACCOUNT that config.yaml lacks ends the command here.
      const chosenKey = accountFor(context, state) ?? state.activeAccountKey;
      const active = state.accounts.find((a) => a.key === chosenKey);
      if (active?.stale) {
        // Expired and not refreshed at restore (e.g. offline then): try once more, keep the session either way.
        await latchkey.getAccessToken(active.key).catch(() => undefined);
        state = latchkey.engine.getState();
      }
      const current = state.accounts.find((a) => a.key === chosenKey && a.signedIn);
      if (context.values.json) {
        const chosen = { accountKey: chosenKey, chosenBy: choice.source === 'option' ? '--account' : choice.source === 'env' ? 'LATCHKEY_ACCOUNT' : 'active_account' };
        const secretStore = { kind: latchkey.secrets.kind, location: latchkey.secrets.location };
        io.stdout(`${JSON.stringify({ signedIn: Boolean(current), activeAccountKey: state.activeAccountKey, ...chosen, accounts: state.accounts, secretStore }, null, 2)}\n`);
        return current ? 0 : 1;
      }
      if (!current) {
        io.stdout('Not signed in.\n');
        // On stderr, like everything for people that a script comparing stdout need not see.
        io.stderr(`  secrets: ${latchkey.secrets.label}\n`);
        const last = choice.key !== undefined ? state.accounts.find((a) => a.key === choice.key) : state.accounts.find((a) => a.signedOutReason);
        if (last?.signedOutReason) {
          io.stderr(`  ${last.key}: ${last.signedOutReason}\n`);
          io.stderr(`  Sign in again: latchkey login --provider ${last.provider}\n`);
        }
        return 1;
      }
      io.stdout(`Signed in as ${describeAccount(current)} (account ${current.key}) ${choiceReason(choice)}\n`);
      if (current.accessTokenExpiresAt) io.stdout(`  access token valid until ${current.accessTokenExpiresAt}\n`);
      if (current.sessionEndsAt) io.stdout(`  ${sessionEndLine(current.sessionEndsAt, current.sessionEndsBecause)}\n`);
      if (current.connectivity === 'offline') io.stdout('  offline: the provider could not be reached; the session is kept and retried\n');
      io.stderr(`  secrets: ${latchkey.secrets.label}\n`);
      return 0;
    },
    { allAccounts: true },
  );
}

/** When the session ends unless the person signs in again (or, for session.expiry_days, uses it before). */
function sessionEndLine(at: string, because: 'refresh_token' | 'expiry_days' | undefined): string {
  return because === 'expiry_days'
    ? `session ends on ${at} if not used before then (session.expiry_days)`
    : `session ends on ${at} (refresh token expires): sign in again before then (latchkey login)`;
}
