/**
 * The commands about sessions as people see them: `logout`, `accounts`, `providers` (`login` and `status` have
 * their own modules). Each runs on a restored engine (engine.ts). stdout carries the answer; everything for
 * people goes to stderr.
 */
import { toAuthError } from '../../shared/errors';
import type { Latchkey } from '../app';
import type { CliIo, CommandContext } from './context';
import { withEngine } from './engine';
import { describeAccount } from './output';
import { accountFor } from './account-choice';

export function logout(context: CommandContext): Promise<number> {
  // --account, else LATCHKEY_ACCOUNT, else the active account (account-choice.ts).
  return withEngine(context, (latchkey, state) => signOut(latchkey, accountFor(context, state), context.values.forget, context.io));
}

async function signOut(latchkey: Latchkey, account: string | undefined, forget: boolean, io: CliIo): Promise<number> {
  const result = await latchkey.engine.signOut({ ...(account ? { accountKey: account } : {}), forget });
  io.stdout(`Signed out of ${result.accountKey}${forget ? ' and forgot the account' : ''}.${result.revoked ? ' The provider revoked its tokens.' : ''}\n`);
  if (!result.revoked && result.revocationDetail) io.stderr(`Not revoked at the provider: ${result.revocationDetail}\n`);
  if (result.endSessionAvailable) {
    // The sign-out page's URL carries the ID token (id_token_hint), so it is opened, never printed.
    try {
      await latchkey.engine.openEndSession(result.accountKey);
      io.stderr('Opened the provider\'s sign-out page in your browser, to end your session there too.\n');
    } catch (err) {
      io.stderr(`Could not open the provider's sign-out page (${toAuthError(err).message}); you may still be signed in there in your browser.\n`);
    }
  } else if (result.endSessionNote) {
    io.stderr(`${result.endSessionNote}\n`);
  }
  return 0;
}

export function accounts(context: CommandContext): Promise<number> {
  return withEngine(
    context,
    async (latchkey) => {
      const { io } = context;
      const state = latchkey.engine.getState();
      if (context.values.json) {
        io.stdout(`${JSON.stringify(state.accounts, null, 2)}\n`);
        return 0;
      }
      if (state.accounts.length === 0) io.stdout('No accounts yet. Sign in with: latchkey login\n');
      for (const account of state.accounts) {
        const marker = account.key === state.activeAccountKey ? '*' : ' ';
        io.stdout(`${marker} ${account.key}\t${describeAccount(account)}\t${account.signedIn ? 'signed in' : 'signed out'}\n`);
      }
      return 0;
    },
    { allAccounts: true },
  );
}

export function providers(context: CommandContext): Promise<number> {
  return withEngine(context, async (latchkey) => {
    const { io } = context;
    const list = latchkey.engine.listProviders();
    if (list.length === 0) io.stdout(`No providers in ${latchkey.paths.configPath}.\n`);
    for (const provider of list) {
      io.stdout(`${provider.name}\t${provider.label}${provider.issuer ? `\t${provider.issuer}` : ''}\n`);
      for (const line of provider.details ?? []) io.stdout(`  ${line}\n`);
    }
    return 0;
  });
}
