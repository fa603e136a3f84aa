/**
 * The usage text of the local-account commands and how to recognise them, apart from their code: cli.ts reads
 * this at start-up for every command, and must not load the engine to do so.
 */

export const USERS_USAGE = `  users list [--json]              every account: roles, signed in, locked, one-time password pending
  users add NAME [--email E] [--first-name F] [--last-name L] [--role R]... [--password-stdin]
                                   add a local account; prints a one-time password unless --password-stdin
  users remove NAME                remove an account (any kind) and end its session
  users roles NAME [--add R]... [--remove R]... [--set R1,R2]
                                   change an account's own roles (any kind of account)
  users reset-password NAME        give a local account a one-time password (it must choose its own next)
  users unlock NAME                lift a lock after too many wrong passwords
`;

export const ACCOUNT_USAGE = `  login --local [--user NAME]      sign in with a local account (password read without echo, or from stdin)
  register --user NAME --email E [--first-name F] [--last-name L]
                                   create your own local account (when access.registration is on)
  totp enable|disable [--user NAME]
                                   turn a local account's two-factor sign-in on (QR code in the terminal) or off
                                   (default: LATCHKEY_ACCOUNT, then the active account)
${USERS_USAGE}  import streamlit-authenticator FILE [--dry-run] [--with-client-secrets]
                                   take over a Streamlit-Authenticator config.yaml (--dry-run: only show)
`;

/** Whether `argv` is one of these commands (`login` only with `--local`). */
export function isAccountCommand(argv: string[]): boolean {
  const command = argv.find((arg) => !arg.startsWith('-'));
  if (command === 'login') return argv.includes('--local');
  return command === 'register' || command === 'users' || command === 'import' || command === 'totp';
}
