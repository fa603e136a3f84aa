/**
 * The command line of local accounts and access: `login --local`, `register`, `totp enable|disable`, `users …`
 * and `import streamlit-authenticator`. It parses its own options (strict: a typo is a usage error) and runs on
 * the same engine the other commands use; cli.ts only hands over the commands that are these.
 */
import { parseArgs } from 'node:util';
import { toAuthError } from '../../shared/errors';
import type { Latchkey } from '../app';
import { createCommandBrowserOpener, defaultBrowserCommand } from '../system-browser';
import { chooseAccount } from './account-choice';
import { localLogin } from './local-login';
import { passphrasePrompt, passphraseStoreFailure } from './passphrase-prompt';
import { passwordInput, type PasswordInput } from './password-input';
import { register } from './register';
import { totp } from './totp';
import { ACCOUNT_USAGE } from './account-usage';
import { users } from './users';

export interface AccountCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  input: PasswordInput;
}

const OPTIONS = {
  config: { type: 'string' },
  local: { type: 'boolean', default: false },
  user: { type: 'string' },
  email: { type: 'string' },
  'first-name': { type: 'string' },
  'last-name': { type: 'string' },
  role: { type: 'string', multiple: true },
  add: { type: 'string', multiple: true },
  remove: { type: 'string', multiple: true },
  set: { type: 'string' },
  'password-stdin': { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  'with-client-secrets': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/** Runs one of these commands; resolves with the exit code (0 success, 1 failure, 2 usage). */
export async function runAccountCommand(argv: string[], io: Omit<AccountCommandIo, 'input'> & { input?: PasswordInput }): Promise<number> {
  const full: AccountCommandIo = { ...io, input: io.input ?? passwordInput() };
  let parsed;
  try {
    // The value of --config may be any path: parse first, then look at the positionals.
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (error) {
    io.stderr(`latchkey: ${(error as Error).message}\n\nUsage:\n${ACCOUNT_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if ((command === 'login' || command === 'register') && rest.length > 0) {
    io.stderr(`latchkey: unexpected argument "${rest[0]}"\n\nUsage:\n${ACCOUNT_USAGE}`);
    return 2;
  }
  if (command === 'totp' && (rest.length !== 1 || (rest[0] !== 'enable' && rest[0] !== 'disable'))) {
    io.stderr(`latchkey: usage: latchkey totp enable|disable [--user NAME]\n`);
    return 2;
  }
  if (command === 'import' && (rest[0] !== 'streamlit-authenticator' || rest.length !== 2)) {
    io.stderr(`latchkey: usage: latchkey import streamlit-authenticator FILE [--dry-run] [--with-client-secrets]\n`);
    return 2;
  }
  let latchkey: Latchkey | null = null;
  try {
    // Loaded here, not at the top: cli.ts imports this module for its usage lines, and `latchkey --help` must
    // not load the engine.
    const { createLatchkey } = await import('../app');
    latchkey = await createLatchkey({
      role: 'cli',
      configPath: values.config ?? io.env.LATCHKEY_CONFIG,
      openBrowser: createCommandBrowserOpener(defaultBrowserCommand(io.env)),
      // storage: passphrase: asked through the same input as passwords, once, when secrets are first needed.
      askPassphrase: passphrasePrompt(full.input, io.stderr),
    });
    if (command === 'import') {
      // The import reads and writes config.yaml itself; the file may not even be valid for the engine yet.
      const { importStreamlitAuthenticator } = await import('./import-streamlit');
      return await importStreamlitAuthenticator(latchkey, rest[1] as string, { dryRun: values['dry-run'], withClientSecrets: values['with-client-secrets'] }, full);
    }
    const state = await latchkey.restore();
    for (const notice of latchkey.notices()) io.stderr(`${notice}\n`);
    if (state.phase === 'config_invalid' && state.configError) {
      io.stderr(`latchkey: ${state.configError.message}\n`);
      if (state.configError.hint) io.stderr(`  ${state.configError.hint}\n`);
      return 1;
    }
    const locked = passphraseStoreFailure(latchkey.secrets, state);
    if (locked) {
      io.stderr(`latchkey: ${locked.message}\n`);
      if (locked.hint) io.stderr(`  ${locked.hint}\n`);
      return 1;
    }
    switch (command) {
      case 'login':
        return await localLogin(latchkey, values.user, full);
      case 'totp':
        // Acts on "the active account" like token or status: --user, else LATCHKEY_ACCOUNT, else the active one.
        return await totp(latchkey, rest[0], chooseAccount({ account: values.user }, io.env).key, full);
      case 'register':
        return await register(latchkey, { user: values.user, email: values.email, firstName: values['first-name'], lastName: values['last-name'] }, full);
      default:
        return await users(
          latchkey,
          rest,
          {
            json: values.json,
            email: values.email,
            firstName: values['first-name'],
            lastName: values['last-name'],
            roles: values.role ?? [],
            add: values.add ?? [],
            remove: values.remove ?? [],
            set: values.set,
            passwordStdin: values['password-stdin'],
          },
          full,
        );
    }
  } catch (err) {
    const error = toAuthError(err);
    io.stderr(`latchkey: ${error.message}\n`);
    if (error.hint) io.stderr(`  ${error.hint}\n`);
    if (error.retryAt) io.stderr(`  Try again after ${error.retryAt}.\n`);
    return 1;
  } finally {
    await latchkey?.close();
  }
}
