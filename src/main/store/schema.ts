/**
 * The schema of config.yaml (zod 4): what a person may write there, with the defaults Latchkey fills in.
 *
 * Objects are strict: an unknown key is an error rather than silently ignored, so a typo such as
 * `expiry_day:` or `client-id:` is reported instead of quietly doing nothing. Every field is non-secret;
 * secrets live in the system keychain (see secrets.ts).
 */
import { z } from 'zod';

export const DEFAULT_EXPIRY_DAYS = 30;
export const DEFAULT_EMBEDDED_PORT = 4600;
export const DEFAULT_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'offline_access'];
/** A hundred years: beyond that, date arithmetic on expiry times stops being meaningful. */
const MAX_EXPIRY_DAYS = 36_500;

/** Issuers the presets stand for, so that a Google or Microsoft provider needs only its client_id. */
export const PROVIDER_PRESETS = {
  google: () => 'https://accounts.google.com',
  microsoft: (tenant?: string) => `https://login.microsoftonline.com/${tenant ?? 'consumers'}/v2.0`,
} as const;
export type ProviderPreset = keyof typeof PROVIDER_PRESETS;

/** Hosts for which a plain-http issuer is accepted: a provider on this machine (RFC 8252 §8.3 spirit). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Authorization request parameters that the sign-in flow sets itself; letting config.yaml override them
 * would switch off PKCE, state or nonce protection.
 */
const RESERVED_AUTHORIZATION_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'request',
  'request_uri',
]);

const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** Account keys are written by Latchkey; a leading letter or digit also keeps `__proto__` and friends out. */
const ACCOUNT_KEY = /^[A-Za-z0-9][A-Za-z0-9._@:+-]*$/;

/** Names that look like a secret. Such keys are refused in account records: secrets go to the keychain. */
const SECRET_KEY_PATTERN = /token|passw(?:or)?d|secret|api[_-]?key|private[_-]?key/i;

/** Whether a key name looks like it would hold a secret (`refresh_token`, `password`, `client_secret`, ...). */
export function isSecretLikeKey(key: string): boolean {
  return SECRET_KEY_PATTERN.test(key);
}

/** How much of a value from the file a message quotes: enough to recognise it, never a wall of text. */
export const MAX_QUOTED_CHARS = 80;

/**
 * `value` cut to `max` characters (whole code points, so no emoji is split) with an ellipsis when cut.
 * Messages quote values from the file; a 5,000-character value must not become a 5,000-character message.
 */
export function clipText(value: string, max = MAX_QUOTED_CHARS): string {
  if (value.length <= max) return value;
  // A code point is at most two UTF-16 units: this prefix holds the first max + 1 code points if there are that many.
  const points = Array.from(value.slice(0, 2 * max + 2));
  return points.length <= max ? value : `${points.slice(0, max).join('')}…`;
}

/** A value from the file, quoted and clipped for a message. */
export function quoteValue(value: string): string {
  return `"${clipText(value)}"`;
}

/** YAML writes an empty value (`usernames:`) as null; treat it as absent so the default applies. */
function nullAsAbsent<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema);
}

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-11-26T18:00:00Z' });
const label = z.string({ error: 'must be text' }).trim().min(1, 'must not be empty');
const optionalText = nullAsAbsent(z.string({ error: 'must be text' }).optional());

const issuer = z.string({ error: 'must be a URL such as https://login.example.com' }).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a URL such as https://login.example.com' });
    return;
  }
  if (url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password' });
  } else if (url.search !== '' || url.hash !== '') {
    ctx.addIssue({ code: 'custom', message: 'must not have a query or a fragment (OpenID Connect issuers never do)' });
  } else if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    ctx.addIssue({ code: 'custom', message: 'must use https (plain http is accepted only for 127.0.0.1, localhost and [::1])' });
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    ctx.addIssue({ code: 'custom', message: 'must be an https URL' });
  }
});

/** The built-in demo identity provider, run inside Latchkey. */
export const embeddedProviderSchema = z.strictObject({
  label,
  embedded: z.literal(true),
  port: z.number({ error: (issue) => (typeof issue.input === 'number' ? 'is too large' : 'must be a port number') }).int('must be a whole number').min(0).max(65535).default(DEFAULT_EMBEDDED_PORT),
  access_token_ttl_seconds: z.number({ error: 'must be a number of seconds' }).int('must be a whole number').min(1).max(31_536_000).optional(),
});

/** Any OpenID Connect provider, given by its issuer (discovery) or by a preset. */
export const oidcProviderSchema = z
  .strictObject({
    label,
    embedded: z.literal(false).optional(),
    issuer: issuer.optional(),
    client_id: z.string({ error: 'must be text' }).trim().min(1, 'must not be empty'),
    /** Not confidential for a desktop app (RFC 8252 §8.5), but some providers insist on one. */
    client_secret: z.string({ error: 'must be text' }).min(1, 'must not be empty').optional(),
    scopes: z
      .array(z.string({ error: 'must be text' }).regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope name without spaces or quotes'))
      .min(1, 'must list at least one scope')
      .default(() => [...DEFAULT_SCOPES]),
    authorization_params: z
      .record(
        z.string().refine((key) => !RESERVED_AUTHORIZATION_PARAMS.has(key), 'is set by Latchkey itself and cannot be configured'),
        z.string({ error: 'must be text' }),
      )
      .optional(),
    preset: z.enum(['google', 'microsoft'], { error: 'must be google or microsoft' }).optional(),
    tenant: z.string({ error: 'must be text' }).regex(/^[A-Za-z0-9.-]+$/, 'must be a tenant id or domain').optional(),
  })
  .superRefine((provider, ctx) => {
    if (provider.preset !== undefined && provider.issuer !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'give either issuer or preset, not both' });
    } else if (provider.preset === undefined && provider.issuer === undefined) {
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'is required (or use preset: google | microsoft)' });
    }
    if (provider.tenant !== undefined && provider.preset !== 'microsoft') {
      ctx.addIssue({ code: 'custom', path: ['tenant'], message: 'only applies with preset: microsoft' });
    }
  })
  .transform((provider) => ({
    ...provider,
    embedded: false as const,
    issuer: provider.issuer ?? presetIssuer(provider.preset ?? 'google', provider.tenant),
  }));

function presetIssuer(preset: ProviderPreset, tenant: string | undefined): string {
  return preset === 'microsoft' ? PROVIDER_PRESETS.microsoft(tenant) : PROVIDER_PRESETS.google();
}

/** A provider entry: `embedded: true` selects the demo provider, anything else is OpenID Connect. */
export const providerSchema = z.discriminatedUnion('embedded', [embeddedProviderSchema, oidcProviderSchema], {
  error: 'embedded must be true (the built-in demo provider) or absent (an OpenID Connect provider with issuer and client_id)',
});

/** One account that has signed in: a profile and its session bookkeeping. Never a token. */
export const accountRecordSchema = z.strictObject({
  name: z.string({ error: 'must be text' }),
  email: optionalText,
  first_name: optionalText,
  last_name: optionalText,
  picture: optionalText,
  provider: z.string({ error: 'must be text' }).min(1, 'must not be empty'),
  subject: z.string({ error: 'must be text (quote it if it looks like a number)' }).min(1, 'must not be empty'),
  roles: nullAsAbsent(z.array(z.string({ error: 'must be text' }), { error: 'must be a list' }).default(() => [])),
  logged_in: z.boolean({ error: 'must be true or false' }),
  last_login: isoTime,
  signed_out_reason: optionalText,
  signed_in_at: isoTime.optional(),
  last_refresh: isoTime.optional(),
});

const providerName = z.string().regex(PROVIDER_NAME, 'provider names use lowercase letters, digits, - and _');
/** The key of an account under credentials.usernames. */
export const accountKeySchema = z
  .string()
  .max(200, 'account keys are at most 200 characters')
  .regex(ACCOUNT_KEY, 'account keys start with a letter or digit and use letters, digits and . _ @ : + -');

/** The whole file. */
export const configSchema = z
  .strictObject({
    session: nullAsAbsent(
      z
        .strictObject({
          expiry_days: z
            .number({ error: (issue) => (typeof issue.input === 'number' ? 'is too large' : 'must be a number of days') })
            .min(0, 'must be 0 or more (0 = forget the session when Latchkey quits)')
            .max(MAX_EXPIRY_DAYS, `must be at most ${MAX_EXPIRY_DAYS}`)
            .default(DEFAULT_EXPIRY_DAYS),
        })
        .default(() => ({ expiry_days: DEFAULT_EXPIRY_DAYS })),
    ),
    providers: nullAsAbsent(z.record(providerName, providerSchema).default(defaultProviders)),
    credentials: nullAsAbsent(
      z
        .strictObject({ usernames: nullAsAbsent(z.record(accountKeySchema, accountRecordSchema).default(() => ({}))) })
        .default(() => ({ usernames: {} })),
    ),
    active_account: nullAsAbsent(accountKeySchema.optional()),
  })
  .superRefine((config, ctx) => {
    const known = Object.keys(config.providers);
    for (const [key, record] of Object.entries(config.credentials.usernames)) {
      if (!Object.hasOwn(config.providers, record.provider)) {
        ctx.addIssue({
          code: 'custom',
          path: ['credentials', 'usernames', key, 'provider'],
          message: `no provider named ${quoteValue(record.provider)} in providers (configured: ${listForMessage(known)})`,
        });
      }
    }
    if (config.active_account !== undefined && !Object.hasOwn(config.credentials.usernames, config.active_account)) {
      ctx.addIssue({ code: 'custom', path: ['active_account'], message: `no account ${quoteValue(config.active_account)} under credentials.usernames` });
    }
  });

/** Names for a message: the first few, each clipped, and how many more there are. */
function listForMessage(names: string[], shown = 5): string {
  if (names.length === 0) return 'none';
  const listed = names.slice(0, shown).map((name) => clipText(name, 40));
  return names.length > shown ? `${listed.join(', ')} and ${names.length - shown} more` : listed.join(', ');
}

/** The providers a new config.yaml starts with: just the built-in demo provider. */
export function defaultProviders(): Record<string, ProviderConfig> {
  return { demo: { label: 'Demo', embedded: true, port: DEFAULT_EMBEDDED_PORT } };
}

/** config.yaml after validation, with every default filled in. */
export type LatchkeyConfig = z.output<typeof configSchema>;
/** One provider after validation; `embedded` tells the two kinds apart, an OIDC provider always has `issuer`. */
export type ProviderConfig = z.output<typeof providerSchema>;
/** The built-in demo provider's settings. */
export type EmbeddedProviderConfig = z.output<typeof embeddedProviderSchema>;
/** An OpenID Connect provider's settings (preset already turned into issuer). */
export type OidcProviderConfig = z.output<typeof oidcProviderSchema>;
/** One account under credentials.usernames after validation. */
export type AccountRecord = z.output<typeof accountRecordSchema>;
/** What callers hand in to store an account: defaults (roles) may be left out. */
export type AccountRecordInput = Omit<AccountRecord, 'roles'> & { roles?: string[] };
