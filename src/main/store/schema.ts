/**
 * The schema of config.yaml (zod 4): what a person may write there, with the defaults Latchkey fills in.
 *
 * Objects are strict: an unknown key is an error rather than silently ignored, so a typo such as
 * `expiry_day:` or `client-id:` is reported instead of quietly doing nothing. Every field is non-secret;
 * secrets live in the system keychain (see secrets.ts).
 */
import { z } from 'zod';
import { isLoopbackHostname, isSecureOrLoopback, LOOPBACK_HOSTNAMES } from '../auth/loopback-hosts';
import { PRESET_FIELDS, PRESET_NAMES, PROVIDER_PRESETS, presetsWithField } from '../auth/provider-presets';
import { accessSchema, accountAccessFields, defaultAccess, isHashedPassword, localProviderSchema } from './access-schema';
import { SECRET_STORAGE_KINDS } from './secret-storage';

export const DEFAULT_EMBEDDED_PORT = 4600;
/** How a client proves itself at the token endpoint (RFC 8414 names). */
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
/** Endpoints written out for a provider without discovery. */
const STATIC_ENDPOINT_FIELDS = ['authorization_endpoint', 'token_endpoint', 'revocation_endpoint', 'userinfo_endpoint', 'end_session_endpoint', 'device_authorization_endpoint'] as const;

export const DEFAULT_EXPIRY_DAYS = 30;
/** session.warn_days: the dashboard's "your session ends soon" banner shows from this many days before. */
export const DEFAULT_WARN_DAYS = 3;
/** A hundred years: beyond that, date arithmetic on expiry times stops being meaningful. */
const MAX_EXPIRY_DAYS = 36_500;

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
  'dpop_jkt',
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

/**
 * A URL Latchkey talks to: https, or plain http on a loopback host only (a provider on this machine), never
 * with a user name, password or fragment. `what` names the kind of URL in messages.
 */
function providerUrl(example: string, options: { query?: boolean } = {}) {
  return z.string({ error: `must be a URL such as ${example}` }).superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be a URL such as ${example}` });
      return;
    }
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password' });
    } else if (url.hash !== '' || (!options.query && url.search !== '')) {
      ctx.addIssue({ code: 'custom', message: options.query ? 'must not have a fragment' : 'must not have a query or a fragment' });
    } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: 'must be an https URL' });
    } else if (!isSecureOrLoopback(url)) {
      ctx.addIssue({ code: 'custom', message: `must use https (plain http is accepted only for ${LOOPBACK_HOSTNAMES.join(', ')})` });
    }
  });
}

const issuer = providerUrl('https://login.example.com');
const endpoint = providerUrl('https://login.example.com/oauth/token', { query: true });

/**
 * A loopback redirect URI registered at a provider that compares redirect URIs exactly: the port (if given)
 * and path are where Latchkey listens. Without a port, the port is chosen freely and only the path is fixed.
 */
const loopbackRedirectUri = z.string({ error: 'must be a URL such as http://127.0.0.1:53682/callback' }).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a URL such as http://127.0.0.1:53682/callback' });
    return;
  }
  if (url.protocol !== 'http:' || !isLoopbackHostname(url.hostname)) {
    ctx.addIssue({ code: 'custom', message: `must be a loopback http URL (host ${LOOPBACK_HOSTNAMES.join(', ')}), such as http://127.0.0.1:53682/callback` });
  } else if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    ctx.addIssue({ code: 'custom', message: 'must be only scheme, host, port and path (no user, query or fragment)' });
  } else if (url.pathname === '/' || url.pathname.length > 200) {
    ctx.addIssue({ code: 'custom', message: 'needs a path, such as /callback' });
  }
});

/** DPoP (RFC 9449): `auto` binds tokens to a key where the provider supports it, `required` refuses a provider that does not. */
export const DPOP_MODES = ['auto', 'required', 'off'] as const;
const dpopMode = z.enum(DPOP_MODES, { error: `must be one of ${DPOP_MODES.join(', ')}` });

const scopeName = z.string({ error: 'must be text' }).regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope name without spaces or quotes');
const requiredText = z.string({ error: 'must be text' }).trim().min(1, 'must not be empty');
/** A JSON field path (`id`, `user.email`) or a template (`https://cdn.example/{id}/{avatar}.png`). */
const claimPath = z.string({ error: 'must be a field name such as id or user.email' }).min(1, 'must not be empty').max(300, 'is too long');

/** The built-in demo provider, run inside Latchkey. */
export const embeddedProviderSchema = z.strictObject({
  label: label.optional(),
  embedded: z.literal(true),
  local: z.literal(false).optional(),
  port: z.number({ error: (issue) => (typeof issue.input === 'number' ? 'is too large' : 'must be a port number') }).int('must be a whole number').min(0).max(65535).default(DEFAULT_EMBEDDED_PORT),
  access_token_ttl_seconds: z.number({ error: 'must be a number of seconds' }).int('must be a whole number').min(1).max(31_536_000).optional(),
  redirect_uri: z.union([loopbackRedirectUri, z.array(loopbackRedirectUri).min(1, 'must list at least one URI')]).optional(),
  dpop: dpopMode.optional(),
});

const presetList = PRESET_NAMES.join(' | ');

/**
 * Any other provider: OpenID Connect by discovery (`issuer`), a preset (`preset: google | microsoft | github`),
 * or plain OAuth 2.0 (explicit endpoints + a `claims` mapping). Which fields apply to which kind comes from the
 * preset table (src/main/auth/provider-presets.ts); every field given here wins over the preset's.
 */
export const remoteProviderSchema = z
  .strictObject({
    label: label.optional(),
    embedded: z.literal(false).optional(),
    local: z.literal(false).optional(),
    preset: z.enum(PRESET_NAMES, { error: `must be one of ${presetList}` }).optional(),
    issuer: issuer.optional(),
    client_id: requiredText,
    /** Not confidential for a desktop app (RFC 8252 §8.5), but Google and GitHub issue one and insist on it. */
    client_secret: z.string({ error: 'must be text' }).min(1, 'must not be empty').optional(),
    scopes: z.array(scopeName).min(1, 'must list at least one scope').optional(),
    authorization_params: z
      .record(
        z.string().refine((key) => !RESERVED_AUTHORIZATION_PARAMS.has(key), 'is set by Latchkey itself and cannot be configured'),
        z.string({ error: 'must be text' }),
      )
      .optional(),
    tenant: z.string({ error: 'must be text' }).regex(/^[A-Za-z0-9.-]+$/, 'must be a tenant id, a domain, common, organizations or consumers').optional(),
    authority: issuer.optional(),
    host: issuer.optional(),
    authorization_endpoint: endpoint.optional(),
    token_endpoint: endpoint.optional(),
    revocation_endpoint: endpoint.optional(),
    userinfo_endpoint: endpoint.optional(),
    end_session_endpoint: endpoint.optional(),
    /** RFC 8628: sign-in on another device (`latchkey login --device`). */
    device_authorization_endpoint: endpoint.optional(),
    claims: z
      .strictObject({ subject: claimPath, name: claimPath.optional(), email: claimPath.optional(), picture: claimPath.optional() })
      .optional(),
    redirect_uri: z.union([loopbackRedirectUri, z.array(loopbackRedirectUri).min(1, 'must list at least one URI').max(20, 'lists at most 20 URIs')]).optional(),
    post_logout_redirect_uri: loopbackRedirectUri.optional(),
    token_endpoint_auth_method: z.enum(TOKEN_ENDPOINT_AUTH_METHODS, { error: `must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}` }).optional(),
    pkce: z.boolean({ error: 'must be true or false' }).optional(),
    dpop: dpopMode.optional(),
  })
  .superRefine((provider, ctx) => {
    const preset = provider.preset;
    if (preset !== undefined && provider.dpop === 'required' && !PROVIDER_PRESETS[preset].dpop) {
      ctx.addIssue({ code: 'custom', path: ['dpop'], message: `cannot be required: ${PROVIDER_PRESETS[preset].label} does not support DPoP (use auto or off)` });
    }
    for (const field of PRESET_FIELDS) {
      if (provider[field] === undefined) continue;
      const owners = presetsWithField(field);
      if (preset === undefined || !owners.includes(preset)) {
        ctx.addIssue({ code: 'custom', path: [field], message: `only applies with preset: ${owners.join(' | ')}` });
      }
    }
    const endpoints = STATIC_ENDPOINT_FIELDS.filter((field) => provider[field] !== undefined);
    const discovered = provider.issuer !== undefined || preset === 'google' || preset === 'microsoft';
    if (preset !== undefined && provider.issuer !== undefined && preset !== 'google') {
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: preset === 'microsoft' ? 'use authority (and tenant) with preset: microsoft' : 'use host with preset: github' });
    } else if (discovered && endpoints.length > 0) {
      ctx.addIssue({ code: 'custom', path: [endpoints[0] as string], message: 'comes from the provider\'s discovery document; leave it out (or drop issuer/preset for a plain OAuth 2.0 provider)' });
    } else if (preset === undefined && provider.issuer === undefined) {
      if (provider.authorization_endpoint === undefined || provider.token_endpoint === undefined) {
        ctx.addIssue({ code: 'custom', path: ['issuer'], message: `is required (or use preset: ${presetList}, or give authorization_endpoint, token_endpoint, userinfo_endpoint and claims for a plain OAuth 2.0 provider)` });
      } else if (provider.userinfo_endpoint === undefined) {
        ctx.addIssue({ code: 'custom', path: ['userinfo_endpoint'], message: 'is required for a plain OAuth 2.0 provider: it tells who signed in' });
      } else if (provider.claims === undefined) {
        ctx.addIssue({ code: 'custom', path: ['claims'], message: 'is required for a plain OAuth 2.0 provider: which fields of the userinfo answer give subject (and name, email, picture)' });
      }
    }
    if (provider.claims !== undefined && (discovered || preset === 'github')) {
      ctx.addIssue({ code: 'custom', path: ['claims'], message: 'applies only to a plain OAuth 2.0 provider (explicit endpoints, no issuer or preset)' });
    }
    if (preset !== undefined && PROVIDER_PRESETS[preset].clientSecret === 'required' && provider.client_secret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['client_secret'], message: `is required: ${PROVIDER_PRESETS[preset].label} issues one to desktop apps (it is not a secret in a desktop app, RFC 8252 §8.5)` });
    }
    if (provider.token_endpoint_auth_method !== undefined && provider.token_endpoint_auth_method !== 'none' && provider.client_secret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['token_endpoint_auth_method'], message: `${provider.token_endpoint_auth_method} needs a client_secret` });
    }
  });

/** A provider you sign in with in the browser: `embedded: true` selects the demo provider, anything else is remote. */
const browserProviderSchema = z.discriminatedUnion('embedded', [embeddedProviderSchema, remoteProviderSchema], {
  error: 'embedded must be true (the built-in demo provider) or absent (a provider with issuer, preset or endpoints, and client_id)',
});

/** A provider entry: `local: true` holds local accounts (username + password), anything else is a browser provider. */
export const providerSchema = z.discriminatedUnion('local', [localProviderSchema, browserProviderSchema], {
  error: 'local must be true (local accounts with a username and password) or absent',
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
  /** Absent for a local account that has never signed in. */
  last_login: isoTime.optional(),
  signed_out_reason: optionalText,
  signed_in_at: isoTime.optional(),
  last_refresh: isoTime.optional(),
  ...accountAccessFields,
});

const providerName = z.string().regex(PROVIDER_NAME, 'provider names use lowercase letters, digits, - and _');

/** Bounds of an API answer: the defaults, and the most a person may allow. */
export const DEFAULT_API_TIMEOUT_SECONDS = 20;
export const DEFAULT_API_MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_API_TIMEOUT_SECONDS = 300;
const MAX_API_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * An API the session may be used for: requests go to `base_url` and below only, with the token of the
 * provider's account. For the built-in demo provider base_url may be left out (its demo API, on its own port).
 */
export const apiSchema = z.strictObject({
  label: label.optional(),
  provider: providerName,
  base_url: providerUrl('https://api.example.com').optional(),
  timeout_seconds: z.number({ error: 'must be a number of seconds' }).int('must be a whole number').min(1).max(MAX_API_TIMEOUT_SECONDS).optional(),
  max_response_bytes: z.number({ error: 'must be a number of bytes' }).int('must be a whole number').min(1024).max(MAX_API_RESPONSE_BYTES).optional(),
});
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
          /** How many days before a session ends the dashboard offers to sign in again (0: never). */
          warn_days: z
            .number({ error: 'must be a number of days' })
            .min(0, 'must be 0 or more (0 = no warning)')
            .max(MAX_EXPIRY_DAYS, `must be at most ${MAX_EXPIRY_DAYS}`)
            .default(DEFAULT_WARN_DAYS),
        })
        .default(() => ({ expiry_days: DEFAULT_EXPIRY_DAYS, warn_days: DEFAULT_WARN_DAYS })),
    ),
    providers: nullAsAbsent(z.record(providerName, providerSchema).default(defaultProviders)),
    apis: nullAsAbsent(z.record(providerName, apiSchema).default(() => ({}))),
    credentials: nullAsAbsent(
      z
        .strictObject({ usernames: nullAsAbsent(z.record(accountKeySchema, accountRecordSchema).default(() => ({}))) })
        .default(() => ({ usernames: {} })),
    ),
    active_account: nullAsAbsent(accountKeySchema.optional()),
    /** Absent: the OS keychain. LATCHKEY_STORAGE overrides it (store/secret-storage.ts). */
    storage: nullAsAbsent(z.enum(SECRET_STORAGE_KINDS, { error: `must be one of ${SECRET_STORAGE_KINDS.join(', ')}` }).optional()),
    access: nullAsAbsent(accessSchema.default(defaultAccess)),
  })
  .superRefine((config, ctx) => {
    const known = Object.keys(config.providers);
    const localProviders = known.filter((name) => config.providers[name]?.local === true);
    if (localProviders.length > 1) {
      ctx.addIssue({ code: 'custom', path: ['providers', localProviders[1] as string, 'local'], message: `only one provider may hold local accounts (${listForMessage(localProviders)} both do)` });
    }
    for (const [key, record] of Object.entries(config.credentials.usernames)) {
      if (!Object.hasOwn(config.providers, record.provider)) {
        ctx.addIssue({
          code: 'custom',
          path: ['credentials', 'usernames', key, 'provider'],
          message: `no provider named ${quoteValue(record.provider)} in providers (configured: ${listForMessage(known)})`,
        });
      } else if (record.password !== undefined && config.providers[record.provider]?.local !== true) {
        ctx.addIssue({ code: 'custom', path: ['credentials', 'usernames', key, 'password'], message: `applies only to local accounts (provider ${quoteValue(record.provider)} signs in in the browser)` });
      }
    }
    for (const [name, api] of Object.entries(config.apis)) {
      const provider = Object.hasOwn(config.providers, api.provider) ? config.providers[api.provider] : undefined;
      if (!provider) {
        ctx.addIssue({ code: 'custom', path: ['apis', name, 'provider'], message: `no provider named ${quoteValue(api.provider)} in providers (configured: ${listForMessage(known)})` });
      } else if (api.base_url === undefined && provider.embedded !== true) {
        ctx.addIssue({ code: 'custom', path: ['apis', name, 'base_url'], message: 'is required (only the built-in demo provider has a default: its demo API)' });
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
/** The provider entry of local accounts (`local: true`). */
export type { LocalProviderConfig, AccessConfig, PasswordPolicy } from './access-schema';
export { isHashedPassword };
/** The built-in demo provider's settings. */
export type EmbeddedProviderConfig = z.output<typeof embeddedProviderSchema>;
/** Any provider but the built-in one, as written (the preset's defaults are filled in by provider resolution). */
export type RemoteProviderConfig = z.output<typeof remoteProviderSchema>;
/** One API under apis: after validation. */
export type ApiConfig = z.output<typeof apiSchema>;
/** One account under credentials.usernames after validation. */
export type AccountRecord = z.output<typeof accountRecordSchema>;
/** What callers hand in to store an account: defaults (roles) may be left out. */
export type AccountRecordInput = Omit<AccountRecord, 'roles'> & { roles?: string[] };
