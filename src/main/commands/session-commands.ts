/**
 * The commands about sessions as people see them: `login`, `status`, `logout`, `accounts`, `providers`. Each
 * runs on a restored engine (engine.ts). stdout carries the answer; everything for people goes to stderr.
 */
import { toAuthError } from '../../shared/errors';
import type { Latchkey } from '../app';
import type { CliIo, CommandContext } from './context';
import { withEngine } from './engine';
import { describeAccount } from './output';

export function login(context: CommandContext): Promise<number> {
  return withEngine(context, async (latchkey) => {
    const { io } = context;
    const providers = latchkey.engine.listProviders();
    const chosen = context.values.provider ?? (providers.length === 1 ? providers[0]?.name : providers.find((p) => p.embedded)?.name);
    if (!chosen) {
      io.stderr(`latchkey: choose a provider with --provider: ${providers.map((p) => p.name).join(', ')}\n`);
      return 2;
    }
    let announced = false;
    let hinted = false;
    const unsubscribe = latchkey.engine.onStateChange((state) => {
      if (state.signIn && !announced) {
        announced = true;
        io.stderr(`Opening your browser to sign in with ${providers.find((p) => p.name === chosen)?.label ?? chosen}...\n`);
        io.stderr(`If it does not open, visit:\n  ${state.signIn.authorizationUrl}\n`);
      }
      if (state.signIn?.waitingHint && !hinted) {
        hinted = true;
        io.stderr(`${state.signIn.waitingHint}\n`);
      }
    });
    try {
      const account = await latchkey.engine.signIn(chosen);
      io.stdout(`Signed in as ${account.name}${account.email ? ` <${account.email}>` : ''} via ${account.providerLabel}\n`);
      return 0;
    } finally {
      unsubscribe();
    }
  });
}

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
        io.stdout(`${JSON.stringify({ signedIn: Boolean(current), activeAccountKey: state.activeAccountKey, accounts: state.accounts }, null, 2)}\n`);
        return current ? 0 : 1;
      }
      if (!current) {
        io.stdout('Not signed in.\n');
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
      return 0;
    },
    { allAccounts: true },
  );
}

export function logout(context: CommandContext): Promise<number> {
  return withEngine(context, (latchkey) => signOut(latchkey, context.values.account, context.values.forget, context.io));
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
