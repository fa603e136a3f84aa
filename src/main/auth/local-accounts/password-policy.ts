/**
 * `access.password_policy`: what a new password must be, checked at registration, at a password change and
 * when an administrator sets one. Length is what makes a password strong (NIST SP 800-63B), so the default
 * asks for length only; character classes can be required where an organisation insists on them. A password
 * equal to the username or e-mail is refused whatever the policy says.
 */
import { AuthError } from '../../../shared/errors';
import type { PasswordPolicy } from '../../store/access-schema';

/** The rules in plain words, one a line (the registration form and `latchkey users` show them). */
export function describePasswordPolicy(policy: PasswordPolicy): string[] {
  const rules = [`At least ${policy.min_length} characters (at most ${policy.max_length})`];
  if (policy.require_lowercase) rules.push('A lower-case letter');
  if (policy.require_uppercase) rules.push('An upper-case letter');
  if (policy.require_digit) rules.push('A digit');
  if (policy.require_symbol) rules.push('A symbol (not a letter or digit)');
  rules.push('Not your username or e-mail address');
  return rules;
}

/** What `password` lacks under `policy` (empty when it is acceptable). Counts characters, not UTF-16 units. */
export function passwordProblems(policy: PasswordPolicy, password: string, identity: { username?: string | undefined; email?: string | undefined } = {}): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < policy.min_length) problems.push(`it must have at least ${policy.min_length} characters`);
  if (length > policy.max_length) problems.push(`it must have at most ${policy.max_length} characters`);
  if (policy.require_lowercase && !/\p{Ll}/u.test(password)) problems.push('it needs a lower-case letter');
  if (policy.require_uppercase && !/\p{Lu}/u.test(password)) problems.push('it needs an upper-case letter');
  if (policy.require_digit && !/\p{Nd}/u.test(password)) problems.push('it needs a digit');
  if (policy.require_symbol && !/[^\p{L}\p{Nd}]/u.test(password)) problems.push('it needs a symbol');
  const lowered = password.toLowerCase();
  if ([identity.username, identity.email].some((value) => value !== undefined && value !== '' && value.toLowerCase() === lowered)) {
    problems.push('it must not be your username or e-mail address');
  }
  return problems;
}

/** Throws `weak_password` naming what is missing (never the password). */
export function assertPasswordAcceptable(policy: PasswordPolicy, password: string, identity: { username?: string | undefined; email?: string | undefined } = {}): void {
  const problems = passwordProblems(policy, password, identity);
  if (problems.length > 0) {
    throw new AuthError('weak_password', `The new password is not accepted: ${problems.join('; ')}.`, {
      hint: `Password rules: ${describePasswordPolicy(policy).join('; ')}.`,
    });
  }
}
