/**
 * Streamlit-Authenticator's config.yaml, as its documentation and its own example file describe it (v0.3/0.4):
 *
 *   cookie: { expiry_days, key, name }
 *   credentials:
 *     usernames:
 *       jsmith: { email, first_name, last_name, name (older), password (bcrypt, or plain text it hashes),
 *                 roles, failed_login_attempts, logged_in, password_hint }
 *   oauth2: { google: { client_id, client_secret, redirect_uri },
 *             microsoft: { client_id, client_secret, redirect_uri, tenant_id } }
 *   pre-authorized: { emails: [...] }      (older versions: preauthorized)
 *   api_key: ...                            (its cloud service's key)
 *
 * Read loosely (nulls where the template leaves blanks, unknown keys tolerated and reported): the point is
 * to take over what is there, and to say what is not taken.
 */
import { z } from 'zod';

const text = z.preprocess((value) => (value === null ? undefined : typeof value === 'number' ? String(value) : value), z.string().optional());

const user = z.looseObject({
  email: text,
  name: text,
  first_name: text,
  last_name: text,
  password: text,
  password_hint: text,
  roles: z.preprocess((value) => (value === null ? undefined : typeof value === 'string' ? [value] : value), z.array(z.string()).optional()),
  failed_login_attempts: z.preprocess((value) => (value === null ? undefined : value), z.number().int().min(0).optional()),
  logged_in: z.preprocess((value) => (value === null ? undefined : value), z.boolean().optional()),
});

const oauthClient = z.looseObject({ client_id: text, client_secret: text, redirect_uri: text, tenant_id: text });

export const streamlitConfigSchema = z.looseObject({
  cookie: z.looseObject({ expiry_days: z.preprocess((value) => (value === null ? undefined : value), z.number().min(0).optional()), key: text, name: text }).nullish(),
  credentials: z.looseObject({ usernames: z.record(z.string(), user.nullable()).nullish() }).nullish(),
  oauth2: z.looseObject({ google: oauthClient.nullish(), microsoft: oauthClient.nullish() }).nullish(),
  'pre-authorized': z.looseObject({ emails: z.array(z.string()).nullish() }).nullish(),
  preauthorized: z.looseObject({ emails: z.array(z.string()).nullish() }).nullish(),
  api_key: text,
});

export type StreamlitConfig = z.output<typeof streamlitConfigSchema>;
export type StreamlitUser = z.output<typeof user>;

/** Top-level keys of the format; anything else in the file is reported as not taken over. */
export const KNOWN_KEYS = ['cookie', 'credentials', 'oauth2', 'pre-authorized', 'preauthorized', 'api_key'];
