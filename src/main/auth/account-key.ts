import { createHash } from 'node:crypto';

/**
 * The key of an account under `credentials.usernames` in config.yaml: stable per provider + subject, readable
 * when the subject is simple, and always a safe YAML key / IPC argument.
 */
export function accountKeyFor(provider: string, subject: string): string {
  if (/^[A-Za-z0-9._-]{1,64}$/.test(subject)) return `${provider}-${subject}`;
  return `${provider}-${createHash('sha256').update(subject).digest('hex').slice(0, 20)}`;
}
