/**
 * `latchkey login --local [--user NAME]`: a local account's sign-in from the command line — the same engine
 * call as the app's form, so the same lockout, allow-lists and hash upgrade. The password is read without
 * echo (password-input.ts); a one-time password asks for a new one at once. The session is then restored by
 * every later command and by the app, exactly like a third-party one.
 */
import { isAuthError } from '../../shared/errors';
import type { Latchkey } from '../app';
import type { AccountCommandIo } from './account-commands';

export async function localLogin(latchkey: Latchkey, user: string | undefined, io: AccountCommandIo): Promise<number> {
  const info = latchkey.engine.localAccountsInfo();
  if (!info) {
    io.stderr(`latchkey: there are no local accounts in ${latchkey.paths.configPath} (no provider with local: true).\n  Add one with: latchkey users add NAME\n`);
    return 1;
  }
  const identifier = user ?? (await io.input.read('Username or e-mail: '));
  const password = await io.input.read(`Password for ${identifier}: `);
  let totpCode: string | undefined;
  for (;;) {
    try {
      const account = await latchkey.engine.signInLocal({ identifier, password, ...(totpCode ? { totpCode } : {}) });
      io.stdout(`Signed in as ${account.name}${account.email ? ` <${account.email}>` : ''} via ${account.providerLabel}\n`);
      return 0;
    } catch (error) {
      if (isAuthError(error, 'totp_required') && totpCode === undefined) {
        totpCode = await io.input.read('Code from your authenticator app (or a recovery code): ');
        continue;
      }
      if (!isAuthError(error, 'password_change_required')) throw error;
      break;
    }
  }
  io.stderr(`${'This password works only once: choose your own.'}\n  Rules: ${info.passwordRules.join('; ')}\n`);
  const newPassword = await io.input.read('New password: ');
  const repeated = await io.input.read('New password again: ');
  if (newPassword !== repeated) {
    io.stderr('latchkey: the two new passwords differ; nothing changed.\n');
    return 1;
  }
  const account = await latchkey.engine.signInLocal({ identifier, password, newPassword, ...(totpCode ? { totpCode } : {}) });
  io.stdout(`Signed in as ${account.name}${account.email ? ` <${account.email}>` : ''} via ${account.providerLabel} (new password set)\n`);
  return 0;
}
