/**
 * A sign-in with a local account's username (or e-mail) and password.
 *
 * The file is read afresh (an account registered or reset by another process counts at once). A wrong
 * password — or a username that matches nothing, which costs the same time and gets the same words — is
 * refused as `invalid_credentials`; the count of wrong passwords is raised under config.yaml's lock, so
 * attempts from the app and the CLI at once are all counted, and reaching `access.max_login_attempts` locks
 * the account (`locked_out`, with the time it lifts). A right password signs in like any other account
 * (local-sessions.ts), resets the count, and upgrades the stored hash when it is bcrypt, an older scrypt cost
 * or text written by hand. A one-time password (`change_at_next_login`) asks for a new one first.
 *
 * Nothing here logs or returns the password, the identifier typed for an unknown account, or a hash.
 */
import { AuthError, isAuthError } from '../../../shared/errors';
import type { LocalSignInRequest } from '../../../shared/accounts';
import type { AccountSummary } from '../../../shared/session';
import type { AccountRecord } from '../../store/schema';
import { recordAccessRefusal } from '../access/access-policy';
import type { SessionCore } from '../session-core';
import { checkSecondFactor } from '../totp/totp-accounts';
import { findLocalAccount, requireLocalProvider } from './local-directory';
import { startLocalSession } from './local-sessions';
import { afterFailedAttempt, afterSuccess, describeWait, lockedUntil } from './lockout';
import { assertPasswordAcceptable } from './password-policy';
import { hashPassword, needsRehash, spendVerificationTime, verifyPassword } from './passwords';

const WRONG = 'The username (or e-mail) and password do not match an account.';

export async function signInLocal(core: SessionCore, request: LocalSignInRequest): Promise<AccountSummary> {
  core.setConfig(await core.options.store.load());
  const config = core.requireConfig();
  requireLocalProvider(config);
  const access = config.access;
  const key = findLocalAccount(config, request.identifier);
  const record = key ? config.credentials.usernames[key] : undefined;
  if (!key || !record?.password) {
    await spendVerificationTime(request.password, access.password_hash_cost);
    await core.options.events.record({ kind: 'failure', outcome: 'error', code: 'invalid_credentials', detail: 'local sign-in' });
    throw new AuthError('invalid_credentials', WRONG, { hint: lockoutHint(access.max_login_attempts, access.lockout_minutes) });
  }
  const now = core.now();
  const locked = lockedUntil(record, now);
  if (locked) throw await lockedOut(core, key, locked, now);

  if (!(await verifyPassword(record.password, request.password))) {
    const after = await core.options.store.update((draft) => {
      const current = draft.getAccount(key);
      if (current) draft.setAccount(key, afterFailedAttempt(current, access, core.now()));
    });
    core.setConfig(after);
    const nowLocked = lockedUntil(after.credentials.usernames[key] ?? {}, core.now());
    if (nowLocked) throw await lockedOut(core, key, nowLocked, core.now());
    await core.options.events.record({ kind: 'failure', accountKey: key, outcome: 'error', code: 'invalid_credentials', detail: 'local sign-in: wrong password' });
    throw new AuthError('invalid_credentials', WRONG, { hint: lockoutHint(access.max_login_attempts, access.lockout_minutes) });
  }

  const refusal = recordAccessRefusal(access, record, 'local');
  if (refusal) {
    await core.options.events.record({ kind: 'failure', accountKey: key, outcome: 'error', code: 'not_allowed', detail: 'local sign-in refused by access rules' });
    throw new AuthError('not_allowed', refusal, { hint: 'Ask whoever manages this Latchkey to add your address to access.allowed_emails or access.allowed_domains.' });
  }

  // Asked before the second factor, which a code spends: the next attempt brings the new password and the code.
  if (record.change_at_next_login && request.newPassword === undefined) {
    throw new AuthError('password_change_required', 'This password works only once: choose a new one to finish signing in.');
  }
  if (record.change_at_next_login && request.newPassword !== undefined) {
    assertPasswordAcceptable(access.password_policy, request.newPassword, { username: key, email: record.email });
  }
  try {
    await checkSecondFactor(core, key, record, request.totpCode);
  } catch (error) {
    // A wrong second factor counts like a wrong password: guessing codes runs into the same lock.
    if (isAuthError(error, 'invalid_credentials')) {
      const after = await core.options.store.update((draft) => {
        const current = draft.getAccount(key);
        if (current) draft.setAccount(key, afterFailedAttempt(current, access, core.now()));
      });
      core.setConfig(after);
      await core.options.events.record({ kind: 'failure', accountKey: key, outcome: 'error', code: 'invalid_credentials', detail: 'local sign-in: wrong second-factor code' });
      const nowLocked = lockedUntil(after.credentials.usernames[key] ?? {}, core.now());
      if (nowLocked) throw await lockedOut(core, key, nowLocked, core.now());
    }
    throw error;
  }

  let newHash: string | undefined;
  if (record.change_at_next_login && request.newPassword !== undefined) {
    newHash = await hashPassword(request.newPassword, access.password_hash_cost);
  } else if (needsRehash(record.password, access.password_hash_cost)) {
    newHash = await hashPassword(request.password, access.password_hash_cost);
  }
  const verifiedHash = record.password;
  const summary = await startLocalSession(core, key, (current) => {
    // An administrator may have reset the password since it was checked: then this sign-in does not count.
    if (current.password !== verifiedHash) throw new AuthError('invalid_credentials', WRONG);
    const next: AccountRecord = afterSuccess(current);
    if (newHash) next.password = newHash;
    delete next.change_at_next_login;
    return next;
  });
  if (newHash && !record.change_at_next_login) {
    await core.options.events.record({ kind: 'sign_in', accountKey: key, outcome: 'ok', detail: 'stored password hash upgraded to scrypt' });
  }
  return summary;
}

function lockoutHint(max: number, minutes: number): string | undefined {
  return max > 0 ? `After ${max} wrong passwords in a row an account is locked for ${minutes} minutes.` : undefined;
}

async function lockedOut(core: SessionCore, key: string, until: string, now: number): Promise<AuthError> {
  await core.options.events.record({ kind: 'failure', accountKey: key, outcome: 'error', code: 'locked_out', detail: `local sign-in refused: locked until ${until}` });
  return new AuthError('locked_out', `Too many wrong passwords: this account is locked for another ${describeWait(until, now)} (until ${until}).`, {
    retryAt: until,
    hint: 'Wait until then, or ask an administrator: latchkey users reset-password NAME',
  });
}
