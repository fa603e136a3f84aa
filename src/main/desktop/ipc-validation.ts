/**
 * Schemas for everything the renderer may send over IPC, and the words for what was wrong with it.
 *
 * The renderer is treated like any other untrusted client: every argument arrives as `unknown`, is checked
 * here, and a failure is described by channel and field only — the offending value is never echoed back,
 * so a huge or hostile payload cannot bounce into an error message, a log or the UI.
 */
import { z } from 'zod';

/** Provider names as config.yaml allows them (`providers.<name>`). */
export const PROVIDER_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Account keys: at most 200 characters of letters, digits and `. _ ~ : @ | + = / -`. That covers keys built
 * from a provider name and an OIDC subject (`demo:alice`, `google:1234`, `auth0|abc`) while keeping quotes,
 * spaces, angle brackets and control characters — anything that could be markup or a path trick — out.
 */
export const ACCOUNT_KEY_PATTERN = /^[A-Za-z0-9._~:@|+=/-]+$/;
export const ACCOUNT_KEY_MAX_LENGTH = 200;

/** Upper bound of `events:recent`: the renderer shows a handful; nobody needs the whole log over IPC. */
export const EVENT_LIMIT_MAX = 500;

export const providerNameSchema = z.string().max(64).regex(PROVIDER_NAME_PATTERN);

export const accountKeySchema = z.string().min(1).max(ACCOUNT_KEY_MAX_LENGTH).regex(ACCOUNT_KEY_PATTERN);

export const eventLimitSchema = z.number().int().min(1).max(EVENT_LIMIT_MAX);

/** The longest passphrase accepted over IPC, in characters: far beyond any typed one, small enough for scrypt. */
export const PASSPHRASE_MAX_LENGTH = 1024;

/** A passphrase for the passphrase store: text, not empty (the store itself judges its length on creation). */
export const passphraseSchema = z.string().min(1).max(PASSPHRASE_MAX_LENGTH);

/**
 * True for objects made by a literal, JSON.parse or structured clone. zod reads properties through the
 * prototype chain, so an object whose prototype carries `forget: true` would otherwise pass as options.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * `SignOutOptions`: a strict plain object. Unknown keys (including an own `__proto__` or `constructor`, as
 * JSON.parse produces them) are rejected rather than ignored, so a typo or an injection attempt is visible.
 */
/** A sign-in's options: only a login hint, an e-mail or user name of ordinary length without control characters. */
export const signInOptionsSchema = z
  .custom<Record<string, unknown>>(isPlainObject, { message: 'must be a plain object' })
  .pipe(
    z.strictObject({
      loginHint: z.string().min(1).max(320).regex(/^[^\p{Cc}\p{Cf}]+$/u, 'must not hold control characters').optional(),
    }),
  );

export const signOutOptionsSchema = z
  .custom<Record<string, unknown>>(isPlainObject, { message: 'must be a plain object' })
  .pipe(
    z.strictObject({
      accountKey: accountKeySchema.optional(),
      forget: z.boolean().optional(),
    }),
  );

/** At most this much of a field path or key name goes into a message. */
const MAX_NAME_CHARS = 40;

/** Shortens a name taken from input and strips anything that is not plain printable ASCII. */
function safeName(raw: string): string {
  const printable = raw.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > MAX_NAME_CHARS ? `${printable.slice(0, MAX_NAME_CHARS)}...` : printable;
}

/** Names the field an issue is about: `provider`, `options.accountKey`, ... */
function fieldName(path: readonly PropertyKey[], argNames: readonly string[]): string {
  const [first, ...rest] = path;
  const head = typeof first === 'number' ? (argNames[first] ?? `argument ${first + 1}`) : 'arguments';
  return [head, ...rest.map((segment) => safeName(String(segment)))].join('.');
}

/** Says what is wrong, in terms of the expectation, never the received value. */
function reason(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${issue.expected === 'int' ? 'an integer' : `of type ${issue.expected}`}`;
    case 'too_big':
      if (issue.origin === 'string') return `is too long (at most ${String(issue.maximum)} characters)`;
      return `must be at most ${String(issue.maximum)}`;
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      return `must be at least ${String(issue.minimum)}`;
    case 'invalid_format':
      return 'contains characters that are not allowed';
    case 'unrecognized_keys': {
      const shown = issue.keys.slice(0, 3).map((key) => `"${safeName(key)}"`).join(', ');
      const more = issue.keys.length > 3 ? ` and ${issue.keys.length - 3} more` : '';
      return `has unknown field${issue.keys.length === 1 ? '' : 's'} ${shown}${more}`;
    }
    case 'custom':
      // Our own refinement messages only: they are constant text.
      return issue.message;
    default:
      return 'is invalid';
  }
}

/**
 * Turns the first issue of a failed argument-list parse into one sentence naming the channel and the field.
 * Arity problems of the list itself (too many / too few arguments) are reported as such.
 */
export function describeArgumentIssue(
  channel: string,
  argNames: readonly string[],
  requiredCount: number,
  received: number,
  issue: z.core.$ZodIssue | undefined,
): string {
  if (issue === undefined) return `${channel}: invalid arguments`;
  if (issue.path.length === 0 && (issue.code === 'too_big' || issue.code === 'too_small')) {
    const total = argNames.length;
    const bound =
      requiredCount === total ? 'exactly' : requiredCount === 0 ? 'at most' : `at least ${requiredCount} and at most`;
    return `${channel}: expects ${bound} ${total} argument${total === 1 ? '' : 's'}, got ${received}`;
  }
  return `${channel}: ${fieldName(issue.path, argNames)} ${reason(issue)}`;
}
