/**
 * What a signed-in person changes about their own local account: the password (the current one is asked
 * again) and their details (names and e-mail). Each change is written to config.yaml at once, under its
 * lock, before the window hears of it. A third-party account's details come from its provider and are
 * refreshed from there, so they are not edited here.
 */
import { AuthError } from '../../../shared/errors';
import type { DetailsUpdate, PasswordChangeRequest } from '../../../shared/accounts';
import type { AccountSummary } from '../../../shared/session';
import type { AccountRecord } from '../../store/schema';
import { decideAccess } from '../access/access-policy';
import type { SessionCore } from '../session-core';
import { emailInUse, normaliseEmail } from './local-directory';
import { assertPasswordAcceptable } from './password-policy';
import { hashPassword, verifyPassword } from './passwords';
import { cleanNamePart } from './registration';

/** The signed-in local account meant (default: the active one), with its record. */
function signedInLocal(core: SessionCore, accountKey: string | undefined): { key: string; record: AccountRecord } {
  const key = core.resolveSignedIn(accountKey);
  const record = core.requireRecord(key);
  if (!core.isLocalProvider(record.provider)) {
    throw new AuthError('invalid_argument', `Account "${key}" signs in with ${record.provider}: its password and details are managed there.`);
  }
  return { key, record };
}

export async function changePassword(core: SessionCore, request: PasswordChangeRequest): Promise<void> {
  const { key, record } = signedInLocal(core, request.accountKey);
  const access = core.requireConfig().access;
  if (!record.password || !(await verifyPassword(record.password, request.currentPassword))) {
    await core.options.events.record({ kind: 'failure', accountKey: key, outcome: 'error', code: 'invalid_credentials', detail: 'password change: current password wrong' });
    throw new AuthError('invalid_credentials', 'The current password is not right.');
  }
  assertPasswordAcceptable(access.password_policy, request.newPassword, { username: key, email: record.email });
  const hash = await hashPassword(request.newPassword, access.password_hash_cost);
  const checked = record.password;
  core.setConfig(
    await core.options.store.update((draft) => {
      const current = draft.getAccount(key);
      if (!current) throw new AuthError('unknown_account', `There is no account "${key}" in config.yaml.`);
      if (current.password !== checked) throw new AuthError('invalid_credentials', 'The password was changed meanwhile; try again.');
      const next: AccountRecord = { ...current, password: hash };
      delete next.change_at_next_login;
      draft.setAccount(key, next);
    }),
  );
  await core.options.events.record({ kind: 'sign_in', accountKey: key, outcome: 'ok', detail: 'password changed' });
  core.emit();
}

export async function updateDetails(core: SessionCore, update: DetailsUpdate): Promise<AccountSummary> {
  const { key } = signedInLocal(core, update.accountKey);
  const access = core.requireConfig().access;
  const email = update.email === undefined ? undefined : normaliseEmail(update.email);
  if (email !== undefined) {
    const decision = decideAccess(access, { email }, 'local');
    if (!decision.allowed) throw new AuthError('not_allowed', decision.reason, { hint: 'Choose an address the access rules in config.yaml admit.' });
  }
  const firstName = cleanNamePart(update.firstName);
  const lastName = cleanNamePart(update.lastName);
  const name = cleanNamePart(update.name);
  core.setConfig(
    await core.options.store.update((draft) => {
      const current = draft.getAccount(key);
      if (!current) throw new AuthError('unknown_account', `There is no account "${key}" in config.yaml.`);
      if (email !== undefined && emailInUse(Object.fromEntries(draft.accounts()), email, key)) {
        throw new AuthError('account_exists', 'That e-mail address already belongs to another account.');
      }
      const next: AccountRecord = { ...current };
      if (email !== undefined) next.email = email;
      if (update.firstName !== undefined) {
        if (firstName) next.first_name = firstName;
        else delete next.first_name;
      }
      if (update.lastName !== undefined) {
        if (lastName) next.last_name = lastName;
        else delete next.last_name;
      }
      if (name) next.name = name;
      else if (update.firstName !== undefined || update.lastName !== undefined) {
        next.name = [next.first_name, next.last_name].filter(Boolean).join(' ') || current.name;
      }
      draft.setAccount(key, next);
    }),
  );
  await core.options.events.record({ kind: 'sign_in', accountKey: key, outcome: 'ok', detail: 'account details updated' });
  core.emit();
  return core.summary(key);
}
