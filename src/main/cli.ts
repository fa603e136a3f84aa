/**
 * The `latchkey` command: a thin dispatcher. It parses the command line, prints the help, and imports the
 * module of the command being run, only that one: `latchkey --help` loads nothing but this file, and
 * `latchkey token` with a valid token loads neither the OpenID Connect client, the demo provider nor the config
 * schema (commands/stored-token.ts). A new command is a module under commands/, its lines in USAGE, and one
 * entry in COMMANDS.
 *
 * stdout carries only the answer (for `token`: the token and nothing else); everything for people goes to
 * stderr. Exit codes: 0 success, 1 failure or signed out, 2 usage.
 */
import { parseArgs } from 'node:util';
import { safeForTerminal } from '../shared/untrusted-text';
import { ACCOUNT_USAGE, isAccountCommand } from './commands/account-usage';
import { API_USAGE } from './commands/api';
import type { CliIo, CliValues, CommandContext } from './commands/context';

export type { CliIo } from './commands/context';

const USAGE = `Usage: latchkey <command> [options]

Commands:
  login [--provider NAME]          sign in in your browser (default provider: demo, or the only one)
  login --no-browser               over SSH: print the link to open on any machine, then paste back
                                   the address the browser ends on
  login --device [--provider NAME] sign in on another device: enter the code shown here (or scan the
                                   QR code) on your phone or any computer
  providers                        list the providers: what to register there, redirect URIs, what works
  status [--account KEY] [--json]  is anyone signed in? exit 0 yes, 1 no (refreshes when needed)
  token [--account KEY]            print a valid access token, refreshing if needed
  logout [--account KEY] [--forget]  sign out (default: the active account); --forget removes its record;
                                   opens the provider's sign-out page where it has one
  accounts [--json]                list the accounts in config.yaml
${ACCOUNT_USAGE.trimEnd()}
${API_USAGE.trimEnd()}
  passphrase change                change the passphrase of the passphrase store (storage: passphrase); it
                                   also brings the store to the current key parameters
  doctor [--json]                  check this computer: keychain, data folder, config.yaml, redirect ports,
                                   each provider through the proxy in effect, the clock (exit 1 on a problem)
  idp [--port N]                   run the built-in demo identity provider in the foreground

Options:
  --config PATH                    config.yaml to use (default: LATCHKEY_CONFIG, then the app's data folder)
  --account KEY                    the account to act on (default: LATCHKEY_ACCOUNT, then the active account)
  -h, --help                       show this help

Environment:
  LATCHKEY_CONFIG, LATCHKEY_ACCOUNT  as --config and --account
  LATCHKEY_STORAGE=passphrase      keep secrets in a passphrase-sealed file where there is no keychain
                                   (or storage: passphrase in config.yaml)
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY  the proxy for requests to providers and APIs (never for this machine)
  BROWSER                          the browser command to open sign-in pages with
`;

/** Each command, loaded when it runs. The most positionals a command takes (the command included): 1. */
const COMMANDS: Record<string, { run: (context: CommandContext) => Promise<number>; positionals?: number }> = {
  login: {
    run: async (context) => (context.values.device === true ? (await import('./commands/login-device')).loginWithDevice(context) : (await import('./commands/login')).login(context)),
  },
  providers: { run: async (context) => (await import('./commands/session-commands')).providers(context) },
  status: { run: async (context) => (await import('./commands/status')).status(context) },
  token: { run: async (context) => (await import('./commands/token')).token(context) },
  logout: { run: async (context) => (await import('./commands/session-commands')).logout(context) },
  accounts: { run: async (context) => (await import('./commands/session-commands')).accounts(context) },
  api: {
    positionals: 3,
    run: async (context) => {
      const [{ withEngine }, { runApiCommand }, { accountFor }] = await Promise.all([import('./commands/engine'), import('./commands/api'), import('./commands/account-choice')]);
      const { values, positionals, io } = context;
      return withEngine(context, (latchkey, state) =>
        runApiCommand(latchkey, { api: positionals[1], path: positionals[2], method: values.method, fields: values.field ?? [], input: values.input, include: values.include === true, account: accountFor(context, state) }, io),
      );
    },
  },
  passphrase: { positionals: 2, run: async (context) => (await import('./commands/passphrase-change')).passphraseCommand(context) },
  doctor: { run: async (context) => (await import('./commands/doctor')).doctor(context) },
  idp: { run: async (context) => (await import('./commands/idp')).idp(context) },
};

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  isTerminal: process.stdout.isTTY === true,
};

/**
 * Everything printed passes through here: names, e-mails and error texts come from providers, and a control
 * sequence in them must not reach the terminal (title changes, screen clearing, OSC 52 clipboard writes).
 */
function terminalSafe(io: CliIo): CliIo {
  return { ...io, stdout: (text) => io.stdout(safeForTerminal(text)), stderr: (text) => io.stderr(safeForTerminal(text)) };
}

class UsageError extends Error {}

function parse(argv: string[]): { values: CliValues; positionals: string[] } {
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
        device: { type: 'boolean', default: false },
        'no-browser': { type: 'boolean', default: false },
        method: { type: 'string', short: 'X' },
        field: { type: 'string', short: 'f', multiple: true },
        input: { type: 'string' },
        include: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Runs one command; resolves with the exit code. */
export async function main(argv: string[], rawIo: CliIo = defaultIo): Promise<number> {
  const io = terminalSafe(rawIo);
  // Local accounts, registration, users and the Streamlit-Authenticator import parse their own options.
  if (isAccountCommand(argv)) return (await import('./commands/account-commands')).runAccountCommand(argv, io);
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
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (positionals.length > (entry?.positionals ?? 1)) {
    io.stderr(`latchkey: unexpected argument "${positionals[1]}"\n\n${USAGE}`);
    return 2;
  }
  if (!entry) {
    io.stderr(`latchkey: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  return entry.run({ values, positionals, io });
}
