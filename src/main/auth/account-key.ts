import { createHash } from 'node:crypto';

/**
 * The key of an account under `credentials.usernames` in config.yaml: stable per provider + subject, readable
 * when the subject is simple, and always a safe YAML key / IPC argument.
 *
 * The separator is `:`, which provider names cannot contain, so two providers can never produce the same key
 * (with `-`, provider `corp` + subject `x-alice` and provider `corp-x` + subject `alice` collided). Records
 * written with the older `provider-subject` keys are still found: an account is looked up by its record's
 * provider and subject first (findAccountKey), and only a new account gets a new key.
 */
export const ACCOUNT_KEY_SEPARATOR = ':';

export function accountKeyFor(provider: string, subject: string): string {
  const part = /^[A-Za-z0-9._-]{1,64}$/.test(subject) ? subject : createHash('sha256').update(subject).digest('hex').slice(0, 20);
  return `${provider}${ACCOUNT_KEY_SEPARATOR}${part}`;
}

/** The key of the existing record for this provider and subject, whatever key format it was written with. */
export function findAccountKey(records: Record<string, { provider: string; subject: string }>, provider: string, subject: string): string | undefined {
  return Object.keys(records).find((key) => records[key]?.provider === provider && records[key]?.subject === subject);
}
