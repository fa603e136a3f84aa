/**
 * The parts of config.yaml about who may sign in and about local accounts: the `access:` section, the
 * `local: true` provider entry, and the fields an account record gains for a local account. Kept apart from
 * schema.ts so the rules of access read in one place; schema.ts composes them into the file's schema.
 */
import { z } from 'zod';
import { isPasswordHash } from '../auth/local-accounts/password-hash-format';

export const DEFAULT_MAX_LOGIN_ATTEMPTS = 5;
export const DEFAULT_LOCKOUT_MINUTES = 15;
export const DEFAULT_MIN_PASSWORD_LENGTH = 8;
/** scrypt's N as a power of two: 2^17 with r=8, p=1 is OWASP's recommendation for scrypt (about 128 MiB). */
export const DEFAULT_PASSWORD_HASH_COST = 17;
export const MIN_PASSWORD_HASH_COST = 14;
export const MAX_PASSWORD_HASH_COST = 20;

/** YAML writes an empty value (`allowed_emails:`) as null; treat it as absent so the default applies. */
function nullAsAbsent<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema);
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i;

const emailAddress = z.email({ error: 'must be an e-mail address such as ada@example.com' }).max(254, 'is too long');
const domainName = z
  .string({ error: 'must be a domain such as example.com' })
  .transform((value) => value.replace(/^@/, ''))
  .pipe(z.string().regex(DOMAIN, 'must be a domain such as example.com (without @ or *)'));
/** A role as written in a record: any short text without line breaks. */
export const roleName = z
  .string({ error: 'must be text' })
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'is at most 100 characters')
  .regex(/^[^\r\n\t]+$/, 'must be on one line');
/** `groups`, `realm_access.roles`, or a namespaced claim name such as `https://example.com/roles`. */
const claimName = z
  .string({ error: 'must be a claim name such as groups' })
  .min(1, 'must not be empty')
  .max(200, 'is too long')
  .regex(/^[A-Za-z0-9_:./#-]+$/, 'must be a claim name such as groups or realm_access.roles');

const count = (what: string, max: number) =>
  z.number({ error: `must be a number of ${what}` }).int('must be a whole number').min(0, 'must be 0 or more').max(max, `must be at most ${max}`);

export const passwordPolicySchema = z.strictObject({
  min_length: z.number({ error: 'must be a number of characters' }).int('must be a whole number').min(4, 'must be at least 4').max(1024).default(DEFAULT_MIN_PASSWORD_LENGTH),
  max_length: z.number({ error: 'must be a number of characters' }).int('must be a whole number').min(8, 'must be at least 8').max(1024).default(256),
  require_lowercase: z.boolean({ error: 'must be true or false' }).default(false),
  require_uppercase: z.boolean({ error: 'must be true or false' }).default(false),
  require_digit: z.boolean({ error: 'must be true or false' }).default(false),
  require_symbol: z.boolean({ error: 'must be true or false' }).default(false),
});

/**
 * `access:` — who may sign in (both kinds of account), the roles new accounts get, and the rules of local
 * accounts. Absent, everyone who can sign in at a configured provider may, and registration is off.
 */
export const accessSchema = z
  .strictObject({
    /** Exact addresses that may sign in (Streamlit-Authenticator's `pre-authorized`). */
    allowed_emails: nullAsAbsent(z.array(emailAddress, { error: 'must be a list of e-mail addresses' }).default(() => [])),
    /** Domains whose addresses may sign in (`example.com` allows `ada@example.com`, not `ada@sub.example.com`). */
    allowed_domains: nullAsAbsent(z.array(domainName, { error: 'must be a list of domains' }).default(() => [])),
    /** A third-party address counts for the lists only when the provider says it verified it. */
    require_verified_email: z.boolean({ error: 'must be true or false' }).default(true),
    /** Roles a new account starts with (the person edits them in the record afterwards). */
    default_roles: nullAsAbsent(z.array(roleName, { error: 'must be a list of roles' }).default(() => [])),
    /** The provider claim whose values become `provider_roles` of the account at each sign-in and refresh. */
    roles_claim: nullAsAbsent(claimName.optional()),
    /** Whether people may create their own local account. */
    registration: z.boolean({ error: 'must be true or false' }).default(false),
    /** Wrong passwords in a row before a local account is locked for lockout_minutes (0: never locked). */
    max_login_attempts: count('attempts', 1000).default(DEFAULT_MAX_LOGIN_ATTEMPTS),
    lockout_minutes: z
      .number({ error: 'must be a number of minutes' })
      .min(0.1, 'must be more than 0')
      .max(525_600, 'must be at most a year (525600)')
      .default(DEFAULT_LOCKOUT_MINUTES),
    password_policy: nullAsAbsent(passwordPolicySchema.default(() => passwordPolicySchema.parse({}))),
    /** scrypt cost of new hashes, as log2(N). Hashes made with less are upgraded at the next sign-in. */
    password_hash_cost: z
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(MIN_PASSWORD_HASH_COST, `must be at least ${MIN_PASSWORD_HASH_COST}`)
      .max(MAX_PASSWORD_HASH_COST, `must be at most ${MAX_PASSWORD_HASH_COST}`)
      .default(DEFAULT_PASSWORD_HASH_COST),
  })
  .superRefine((access, ctx) => {
    if (access.password_policy.max_length < access.password_policy.min_length) {
      ctx.addIssue({ code: 'custom', path: ['password_policy', 'max_length'], message: 'must not be less than min_length' });
    }
  });

/** The section's value when config.yaml has none. */
export function defaultAccess(): AccessConfig {
  return accessSchema.parse({});
}

/** The provider of local accounts: `providers.<name>: { local: true }`. */
export const localProviderSchema = z.strictObject({
  label: z.string({ error: 'must be text' }).trim().min(1, 'must not be empty').optional(),
  local: z.literal(true),
  /** Never the demo provider; present in the type so code may ask any entry `embedded`. */
  embedded: z.literal(false).optional(),
});

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-11-26T18:00:00Z' });

/**
 * Fields an account record may have beyond its profile. `password` is the one secret-looking key a record
 * may hold, and only for a local account: it is a hash (scrypt, or bcrypt from Streamlit-Authenticator),
 * which is what makes keeping it in a readable file acceptable — as Streamlit-Authenticator's users do. Text
 * that is not a hash is a password written by hand: accepted when the file is read, and replaced by its hash
 * at once (local-accounts/plaintext-passwords.ts). Everything else secret stays in the keychain.
 */
export const accountAccessFields = {
  password: nullAsAbsent(z.string({ error: 'must be text (a password hash)' }).min(1, 'must not be empty').max(1024, 'is too long').optional()),
  failed_login_attempts: nullAsAbsent(count('attempts', 1_000_000).optional()),
  locked_until: nullAsAbsent(isoTime.optional()),
  change_at_next_login: nullAsAbsent(z.boolean({ error: 'must be true or false' }).optional()),
  /** Written by Latchkey from `access.roles_claim`; the person's own list is `roles`. */
  provider_roles: nullAsAbsent(z.array(z.string({ error: 'must be text' }), { error: 'must be a list' }).optional()),
  /** A TOTP second factor is on; its secret is in the keychain, never here. */
  totp: nullAsAbsent(z.boolean({ error: 'must be true or false' }).optional()),
};

/** Whether a record's `password` value is a hash (rather than a password written by hand). */
export function isHashedPassword(value: string | undefined): boolean {
  return value !== undefined && isPasswordHash(value);
}

export type AccessConfig = z.output<typeof accessSchema>;
export type PasswordPolicy = z.output<typeof passwordPolicySchema>;
export type LocalProviderConfig = z.output<typeof localProviderSchema>;
