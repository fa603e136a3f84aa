/**
 * `latchkey register --user NAME --email ADDRESS [--first-name F] [--last-name L]`: creating one's own local
 * account, where `access.registration` allows it — the same engine call as the app's form (allow-lists,
 * password policy, default roles, one locked write), then signed in.
 */
import { AuthError } from '../../shared/errors';
import type { Latchkey } from '../app';
import type { AccountCommandIo } from './account-commands';

export interface RegisterOptions {
  user: string | undefined;
  email: string | undefined;
  firstName: string | undefined;
  lastName: string | undefined;
}

export async function register(latchkey: Latchkey, options: RegisterOptions, io: AccountCommandIo): Promise<number> {
  if (!options.user || !options.email) throw new AuthError('invalid_argument', 'register needs --user NAME and --email ADDRESS.');
  const info = latchkey.engine.localAccountsInfo();
  if (info) io.stderr(`Password rules: ${info.passwordRules.join('; ')}\n`);
  const password = await io.input.read('Password: ');
  const repeated = await io.input.read('Password again: ');
  if (password !== repeated) {
    io.stderr('latchkey: the two passwords differ; nothing was created.\n');
    return 1;
  }
  const account = await latchkey.engine.register({
    username: options.user,
    email: options.email,
    password,
    ...(options.firstName !== undefined ? { firstName: options.firstName } : {}),
    ...(options.lastName !== undefined ? { lastName: options.lastName } : {}),
  });
  io.stdout(`Registered and signed in as ${account.name} <${account.email ?? options.email}> (account ${account.key})\n`);
  return 0;
}
