/**
 * `latchkey users list|add|remove|roles|reset-password|unlock`: an administrator's commands over config.yaml
 * (through the store's locked, atomic, comment-keeping writes) and the keychain. There is no mail server to
 * send reset links: `add` without a password and `reset-password` print a one-time code to hand to the
 * person, who must choose their own password at the next sign-in. The forgotten username: `users list`.
 */
import { AuthError } from '../../shared/errors';
import type { UserSummary } from '../../shared/accounts';
import type { Latchkey } from '../app';
import type { AccountCommandIo } from './account-commands';
import { USERS_USAGE } from './account-usage';

export interface UsersOptions {
  json: boolean;
  email: string | undefined;
  firstName: string | undefined;
  lastName: string | undefined;
  roles: string[];
  add: string[];
  remove: string[];
  set: string | undefined;
  passwordStdin: boolean;
}

function describeUser(user: UserSummary): string {
  const roles = [...user.roles, ...user.providerRoles.filter((role) => !user.roles.includes(role)).map((role) => `${role} (provider)`)];
  const state = [
    user.signedIn ? 'signed in' : 'signed out',
    user.lockedUntil ? `locked until ${user.lockedUntil}` : undefined,
    user.failedLoginAttempts > 0 && !user.lockedUntil ? `${user.failedLoginAttempts} wrong password(s)` : undefined,
    user.mustChangePassword ? 'one-time password pending' : undefined,
    user.totp ? 'two-factor on' : undefined,
  ].filter(Boolean);
  return `${user.key}\t${user.name}${user.email ? ` <${user.email}>` : ''}\t${user.local ? 'local' : user.provider}\troles: ${roles.join(', ') || '-'}\t${state.join(', ')}`;
}

export async function users(latchkey: Latchkey, args: string[], options: UsersOptions, io: AccountCommandIo): Promise<number> {
  const [action, name, extra] = args;
  const needsName = action !== 'list' && action !== undefined;
  if (!action || !['list', 'add', 'remove', 'roles', 'reset-password', 'unlock'].includes(action) || (needsName && !name) || extra !== undefined || (action === 'list' && name)) {
    io.stderr(`latchkey: usage:\n${USERS_USAGE}`);
    return 2;
  }
  const admin = latchkey.users;
  const key = name as string;
  switch (action) {
    case 'list': {
      const list = await admin.list();
      if (options.json) io.stdout(`${JSON.stringify(list, null, 2)}\n`);
      else if (list.length === 0) io.stdout('No accounts yet.\n');
      else for (const user of list) io.stdout(`${describeUser(user)}\n`);
      return 0;
    }
    case 'add': {
      const password = options.passwordStdin ? await io.input.read('Password: ') : undefined;
      const added = await admin.add({
        username: key,
        ...(options.email !== undefined ? { email: options.email } : {}),
        ...(options.firstName !== undefined ? { firstName: options.firstName } : {}),
        ...(options.lastName !== undefined ? { lastName: options.lastName } : {}),
        ...(options.roles.length > 0 ? { roles: options.roles } : {}),
        ...(password !== undefined ? { password } : {}),
      });
      if (added.addedProvider) io.stderr(`Added the provider "${added.addedProvider}" (local: true) to ${latchkey.paths.configPath} for local accounts.\n`);
      if (added.oneTimeCode) {
        io.stderr(`Added "${added.key}". Hand this one-time password to them; they choose their own at the first sign-in:\n`);
        io.stdout(`${added.oneTimeCode}\n`);
      } else {
        io.stdout(`Added "${added.key}".\n`);
      }
      return 0;
    }
    case 'remove':
      await admin.remove(key);
      io.stdout(`Removed "${key}" and ended its session.\n`);
      return 0;
    case 'roles': {
      if (options.add.length === 0 && options.remove.length === 0 && options.set === undefined) {
        const user = (await admin.list()).find((candidate) => candidate.key === key);
        if (!user) throw new AuthError('unknown_account', `There is no account "${key}" in config.yaml.`);
        io.stdout(`${user.roles.join(', ') || '(no roles)'}\n`);
        return 0;
      }
      const set = options.set === undefined ? undefined : options.set.split(',').map((role) => role.trim()).filter(Boolean);
      const roles = await admin.editRoles(key, { add: options.add, remove: options.remove, ...(set ? { set } : {}) });
      io.stdout(`Roles of "${key}": ${roles.join(', ') || '(none)'}\n`);
      return 0;
    }
    case 'reset-password': {
      const code = await admin.resetPassword(key);
      io.stderr(`"${key}" now has this one-time password (its session ended); they choose their own at the next sign-in:\n`);
      io.stdout(`${code}\n`);
      return 0;
    }
    default:
      await admin.unlock(key);
      io.stdout(`Unlocked "${key}".\n`);
      return 0;
  }
}
