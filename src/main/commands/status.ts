/**
 * `latchkey status`: is anyone signed in (exit 0) or not (exit 1), with the active account, when its access
 * token expires and whether the provider could be reached; `--json` for scripts. An expired token is refreshed
 * once first, so the answer reflects what `latchkey token` would do.
 */
import type { CommandContext } from './context';
import { withEngine } from './engine';
import { describeAccount } from './output';

export function status(context: CommandContext): Promise<number> {
  return withEngine(
    context,
    async (latchkey) => {
      const { io } = context;
      let state = latchkey.engine.getState();
      const active = state.accounts.find((a) => a.key === state.activeAccountKey);
      if (active?.stale) {
        // Expired and not refreshed at restore (e.g. offline then): try once more, keep the session either way.
        await latchkey.getAccessToken(active.key).catch(() => undefined);
        state = latchkey.engine.getState();
      }
      const current = state.accounts.find((a) => a.key === state.activeAccountKey && a.signedIn);
      if (context.values.json) {
        const secretStore = { kind: latchkey.secrets.kind, location: latchkey.secrets.location };
        io.stdout(`${JSON.stringify({ signedIn: Boolean(current), activeAccountKey: state.activeAccountKey, accounts: state.accounts, secretStore }, null, 2)}\n`);
        return current ? 0 : 1;
      }
      if (!current) {
        io.stdout('Not signed in.\n');
        // On stderr, like everything for people that a script comparing stdout need not see.
        io.stderr(`  secrets: ${latchkey.secrets.label}\n`);
        const last = state.accounts.find((a) => a.signedOutReason);
        if (last?.signedOutReason) {
          io.stderr(`  ${last.key}: ${last.signedOutReason}\n`);
          io.stderr(`  Sign in again: latchkey login --provider ${last.provider}\n`);
        }
        return 1;
      }
      io.stdout(`Signed in as ${describeAccount(current)} (account ${current.key})\n`);
      if (current.accessTokenExpiresAt) io.stdout(`  access token valid until ${current.accessTokenExpiresAt}\n`);
      if (current.connectivity === 'offline') io.stdout('  offline: the provider could not be reached; the session is kept and retried\n');
      io.stderr(`  secrets: ${latchkey.secrets.label}\n`);
      return 0;
    },
    { allAccounts: true },
  );
}
