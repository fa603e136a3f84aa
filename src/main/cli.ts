/**
 * The `latchkey` command: the same engine as the desktop app, with Node adapters (the browser is opened with
 * $BROWSER or the platform's opener). stdout carries only the answer (for `token`: the token and nothing
 * else); everything for people goes to stderr. Exit codes: 0 success, 1 failure or signed out, 2 usage.
 */
import { parseArgs } from 'node:util';
import { toAuthError, type AuthError } from '../shared/errors';
import type { AccountSummary, ProviderSummary, SessionState } from '../shared/session';
import { safeForTerminal } from '../shared/untrusted-text';
import { createLatchkey, type Latchkey } from './app';
import { runAccountCommand } from './commands/account-commands';
import { ACCOUNT_USAGE, isAccountCommand } from './commands/account-usage';
import { DEFAULT_DEMO_PORT } from './embedded-provider-host';
import { createCommandBrowserOpener, defaultBrowserCommand } from './system-browser';

const USAGE = `Usage: latchkey <command> [options]

Commands:
  login [--provider NAME]          sign in in your browser (default provider: demo, or the only one)
  providers                        list the providers: what to register there, redirect URIs, what works
  status [--json]                  is anyone signed in? exit 0 yes, 1 no (refreshes when needed)
  token [--account KEY]            print a valid access token, refreshing if needed
  logout [--account KEY] [--forget]  sign out (default: the active account); --forget removes its record;
                                   opens the provider's sign-out page where it has one
  accounts [--json]                list the accounts in config.yaml
${ACCOUNT_USAGE.trimEnd()}
  idp [--port N]                   run the built-in demo identity provider in the foreground

Options:
  --config PATH                    config.yaml to use (default: LATCHKEY_CONFIG, then the app's data folder)
  -h, --help                       show this help
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

/**
 * Everything printed passes through here: names, e-mails and error texts come from providers, and a control
 * sequence in them must not reach the terminal (title changes, screen clearing, OSC 52 clipboard writes).
 */
function terminalSafe(io: CliIo): CliIo {
  return { ...io, stdout: (text) => io.stdout(safeForTerminal(text)), stderr: (text) => io.stderr(safeForTerminal(text)) };
}

class UsageError extends Error {}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        provider: { type: 'string' },
        account: { type: 'string' },
        port: { type: 'string' },
        json: { type: 'boolean', default: false },
        forget: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function describe(account: AccountSummary): string {
  return `${account.name}${account.email ? ` <${account.email}>` : ''} via ${account.providerLabel}`;
}

function reportError(io: CliIo, error: AuthError): void {
  io.stderr(`latchkey: ${error.message}\n`);
  if (error.hint) io.stderr(`  ${error.hint}\n`);
}

/** Runs one command; resolves with the exit code. */
export async function main(argv: string[], rawIo: CliIo = defaultIo): Promise<number> {
  const io = terminalSafe(rawIo);
  // Local accounts, registration, users and the Streamlit-Authenticator import parse their own options.
  if (isAccountCommand(argv)) return runAccountCommand(argv, io);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.stderr(`latchkey: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    (values.help ? io.stdout : io.stderr)(USAGE);
    return values.help ? 0 : 2;
  }
  if (positionals.length > 1) {
    io.stderr(`latchkey: unexpected argument "${positionals[1]}"\n\n${USAGE}`);
    return 2;
  }
  if (command === 'idp') return runIdp(values.config, values.port, io);
  if (!['login', 'status', 'token', 'logout', 'accounts', 'providers'].includes(command)) {
    io.stderr(`latchkey: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }

  let latchkey: Latchkey | null = null;
  const interrupt = () => latchkey?.engine.cancelSignIn();
  process.once('SIGINT', interrupt);
  try {
    latchkey = await createLatchkey({
      role: 'cli',
      configPath: values.config ?? io.env.LATCHKEY_CONFIG,
      openBrowser: createCommandBrowserOpener(defaultBrowserCommand(io.env)),
    });
    const state = await latchkey.restore();
    if (state.phase === 'config_invalid' && state.configError) {
      io.stderr(`latchkey: ${state.configError.message}\n`);
      if (state.configError.hint) io.stderr(`  ${state.configError.hint}\n`);
      return 1;
    }
    switch (command) {
      case 'login':
        return await login(latchkey, values.provider, io);
      case 'status':
        return await status(latchkey, state, values.json, io);
      case 'token':
        try {
          io.stdout(`${await latchkey.getAccessToken(values.account)}\n`);
          return 0;
        } catch (err) {
          reportError(io, toAuthError(err));
          signInAgainHint(latchkey.engine.getState(), values.account, io);
          return 1;
        }
      case 'providers':
        return providers(latchkey.engine.listProviders(), latchkey.paths.configPath, io);
      case 'logout':
        return await logout(latchkey, values.account, values.forget, io);
      default:
        return accounts(latchkey.engine.getState(), values.json, io);
    }
  } catch (err) {
    reportError(io, toAuthError(err));
    return 1;
  } finally {
    process.removeListener('SIGINT', interrupt);
    await latchkey?.close();
  }
}

async function login(latchkey: Latchkey, provider: string | undefined, io: CliIo): Promise<number> {
  const providers = latchkey.engine.listProviders();
  const chosen = provider ?? (providers.length === 1 ? providers[0]?.name : providers.find((p) => p.embedded)?.name);
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
}

async function status(latchkey: Latchkey, _restored: SessionState, json: boolean, io: CliIo): Promise<number> {
  let state = latchkey.engine.getState();
  const active = state.accounts.find((a) => a.key === state.activeAccountKey);
  if (active?.stale) {
    // Expired and not refreshed at restore (e.g. offline then): try once more, keep the session either way.
    await latchkey.getAccessToken(active.key).catch(() => undefined);
    state = latchkey.engine.getState();
  }
  const current = state.accounts.find((a) => a.key === state.activeAccountKey && a.signedIn);
  if (json) {
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
  io.stdout(`Signed in as ${describe(current)} (account ${current.key})\n`);
  if (current.accessTokenExpiresAt) io.stdout(`  access token valid until ${current.accessTokenExpiresAt}\n`);
  if (current.connectivity === 'offline') io.stdout('  offline: the provider could not be reached; the session is kept and retried\n');
  return 0;
}

async function logout(latchkey: Latchkey, account: string | undefined, forget: boolean, io: CliIo): Promise<number> {
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

function providers(list: ProviderSummary[], configPath: string, io: CliIo): number {
  if (list.length === 0) io.stdout(`No providers in ${configPath}.\n`);
  for (const provider of list) {
    io.stdout(`${provider.name}\t${provider.label}${provider.issuer ? `\t${provider.issuer}` : ''}\n`);
    for (const line of provider.details ?? []) io.stdout(`  ${line}\n`);
  }
  return 0;
}

/** After a refused refresh or a lost session: the command that fixes it. */
function signInAgainHint(state: SessionState, accountKey: string | undefined, io: CliIo): void {
  const key = accountKey ?? state.activeAccountKey ?? state.accounts.find((a) => a.signedOutReason)?.key;
  const account = state.accounts.find((a) => a.key === key);
  if (account && !account.signedIn) io.stderr(`  Sign in again: latchkey login --provider ${account.provider}\n`);
}

function accounts(state: SessionState, json: boolean, io: CliIo): number {
  if (json) {
    io.stdout(`${JSON.stringify(state.accounts, null, 2)}\n`);
    return 0;
  }
  if (state.accounts.length === 0) io.stdout('No accounts yet. Sign in with: latchkey login\n');
  for (const account of state.accounts) {
    const marker = account.key === state.activeAccountKey ? '*' : ' ';
    io.stdout(`${marker} ${account.key}\t${describe(account)}\t${account.signedIn ? 'signed in' : 'signed out'}\n`);
  }
  return 0;
}

async function runIdp(configPath: string | undefined, port: string | undefined, io: CliIo): Promise<number> {
  const { ConfigStore, defaultConfigPath } = await import('./store/config');
  const { dirname, join } = await import('node:path');
  const path = configPath ?? io.env.LATCHKEY_CONFIG ?? defaultConfigPath(io.env);
  const fromConfig = await new ConfigStore({ path }).load().then(
    (config) => Object.values(config.providers).find((p) => (p as { embedded?: boolean }).embedded) as { port?: number } | undefined,
    () => undefined,
  );
  const chosenPort = Number(port ?? io.env.LATCHKEY_IDP_PORT ?? fromConfig?.port ?? DEFAULT_DEMO_PORT);
  if (!Number.isInteger(chosenPort) || chosenPort < 0 || chosenPort > 65535) {
    io.stderr(`latchkey: --port must be a port number\n`);
    return 2;
  }
  const { importWithoutRuntimeNotice } = await import('./idp/load');
  const { runDemoProviderForeground } = await importWithoutRuntimeNotice(() => import('./idp/standalone'));
  await runDemoProviderForeground({ dataDir: join(dirname(path), 'demo-provider'), port: chosenPort });
  return 0;
}
