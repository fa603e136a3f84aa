/**
 * Creating one's own local account (`access.registration: true`): the username and e-mail must be free, the
 * e-mail admitted by the allow-lists (Streamlit-Authenticator's pre-authorized e-mails and domains), the
 * password fit for the policy; the account starts with `access.default_roles`. The record is created under
 * config.yaml's lock — two registrations at once, from the app and the CLI, both land, and the same username
 * twice lands once — and then signed in like any sign-in.
 */
import { AuthError } from '../../../shared/errors';
import type { RegistrationRequest } from '../../../shared/accounts';
import type { AccountSummary } from '../../../shared/session';
import { stripControlAndFormat } from '../../../shared/untrusted-text';
import type { AccountRecord } from '../../store/schema';
import { decideAccess } from '../access/access-policy';
import type { SessionCore } from '../session-core';
import { emailInUse, normaliseEmail, normaliseUsername, requireLocalProvider } from './local-directory';
import { startLocalSession } from './local-sessions';
import { assertPasswordAcceptable } from './password-policy';
import { hashPassword } from './passwords';

/** A name part as typed: one line, no control characters, bounded. */
export function cleanNamePart(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const cleaned = stripControlAndFormat(value).trim().slice(0, 100);
  return cleaned === '' ? undefined : cleaned;
}

export async function registerLocal(core: SessionCore, request: RegistrationRequest): Promise<AccountSummary> {
  core.setConfig(await core.options.store.load());
  const config = core.requireConfig();
  const provider = requireLocalProvider(config);
  const access = config.access;
  if (!access.registration) {
    throw new AuthError('registration_closed', 'Registration is closed here (access.registration is off).', {
      hint: 'Ask an administrator to add an account for you: latchkey users add NAME',
    });
  }
  const username = normaliseUsername(request.username);
  const email = normaliseEmail(request.email);
  const decision = decideAccess(access, { email }, 'local');
  if (!decision.allowed) {
    await core.options.events.record({ kind: 'failure', outcome: 'error', code: 'not_allowed', detail: 'registration refused by access rules' });
    throw new AuthError('not_allowed', decision.reason, { hint: 'Only addresses in access.allowed_emails or access.allowed_domains may register.' });
  }
  assertPasswordAcceptable(access.password_policy, request.password, { username, email });
  const hash = await hashPassword(request.password, access.password_hash_cost);
  const firstName = cleanNamePart(request.firstName);
  const lastName = cleanNamePart(request.lastName);
  const record: AccountRecord = {
    name: [firstName, lastName].filter(Boolean).join(' ') || username,
    email,
    password: hash,
    provider: provider.name,
    subject: username,
    roles: [...access.default_roles],
    failed_login_attempts: 0,
    logged_in: false,
  };
  if (firstName) record.first_name = firstName;
  if (lastName) record.last_name = lastName;
  core.setConfig(
    await core.options.store.update((draft) => {
      if (draft.getAccount(username)) throw new AuthError('account_exists', `The username "${username}" is taken.`);
      if (emailInUse(Object.fromEntries(draft.accounts()), email)) throw new AuthError('account_exists', 'That e-mail address already belongs to an account.');
      draft.setAccount(username, record);
    }),
  );
  await core.options.events.record({ kind: 'sign_in', accountKey: username, outcome: 'ok', detail: 'local account registered' });
  return startLocalSession(core, username, (current) => current);
}
