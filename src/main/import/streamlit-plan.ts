/**
 * What importing a Streamlit-Authenticator file into config.yaml means, worked out before anything is written
 * (so a dry run shows exactly what a real run does):
 *
 * - each `credentials.usernames` entry becomes a local account under the same username, with its names,
 *   e-mail, roles, failed attempts and password: a bcrypt hash is kept (Latchkey verifies it and replaces it
 *   with scrypt at the first sign-in), plain text is hashed now, none leaves an account that needs
 *   `latchkey users reset-password`; `logged_in` is not carried over (its cookie session cannot be);
 * - `pre-authorized.emails` become `access.allowed_emails` — with the imported accounts' own addresses, since
 *   in Latchkey the list decides who may sign in at all, not only who may register — and registration is on;
 * - `oauth2.google` / `oauth2.microsoft` become provider presets with their client ids (client secrets only
 *   with --with-client-secrets; Google's preset cannot work without one);
 * - `cookie.expiry_days` becomes `session.expiry_days`; the cookie's key and name, `redirect_uri` and
 *   `api_key` are reported as not needed and not copied.
 */
import { isPasswordHash } from '../auth/local-accounts/password-hash-format';
import { localProvider, USERNAME_PATTERN } from '../auth/local-accounts/local-directory';
import type { AccountRecord, LatchkeyConfig } from '../store/schema';
import { KNOWN_KEYS, type StreamlitConfig, type StreamlitUser } from './streamlit-format';

export interface ImportPlan {
  /** Lines for people: `+` taken over, `-` skipped, `=` not needed. */
  report: string[];
  /** Accounts to add, with plain-text passwords still to be hashed (`plainPassword`). */
  accounts: Array<{ key: string; record: AccountRecord; plainPassword?: string }>;
  /** The provider entry for local accounts, when config.yaml has none yet. */
  localProvider?: { name: string; entry: { label: string; local: true } };
  /** Settings outside the records: path and value. */
  settings: Array<{ path: string[]; value: unknown }>;
}

export interface PlanOptions {
  withClientSecrets: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function describeAccount(key: string, user: StreamlitUser, name: string): string {
  return `${key} (${name}${user.email ? ` <${user.email}>` : ''})`;
}

export function planStreamlitImport(source: StreamlitConfig, raw: Record<string, unknown>, target: LatchkeyConfig, options: PlanOptions): ImportPlan {
  const plan: ImportPlan = { report: [], accounts: [], settings: [] };
  const existing = localProvider(target);
  let providerName = existing?.name;
  if (!providerName) {
    providerName = Object.hasOwn(target.providers, 'local') ? 'local-accounts' : 'local';
    plan.localProvider = { name: providerName, entry: { label: 'Local accounts', local: true } };
  }
  const taken = new Set(Object.keys(target.credentials.usernames));
  const emails = new Set(Object.values(target.credentials.usernames).flatMap((record) => (record.email ? [record.email.toLowerCase()] : [])));
  const importedEmails: string[] = [];

  for (const [username, user] of Object.entries(source.credentials?.usernames ?? {})) {
    const key = username.trim().toLowerCase();
    if (!user) {
      plan.report.push(`- account ${username}: skipped (empty entry)`);
      continue;
    }
    if (!USERNAME_PATTERN.test(key)) {
      plan.report.push(`- account ${username}: skipped (a Latchkey username is lower-case letters, digits, . _ -)`);
      continue;
    }
    if (taken.has(key)) {
      plan.report.push(`- account ${key}: skipped (config.yaml already has an account "${key}"; it is left as it is)`);
      continue;
    }
    const email = user.email?.trim();
    if (email !== undefined && !EMAIL.test(email)) {
      plan.report.push(`- account ${key}: skipped (its email is not an e-mail address)`);
      continue;
    }
    if (email && emails.has(email.toLowerCase())) {
      plan.report.push(`- account ${key}: skipped (${email} already belongs to another account)`);
      continue;
    }
    const name = user.name?.trim() || [user.first_name, user.last_name].filter(Boolean).join(' ') || key;
    const record: AccountRecord = {
      name,
      provider: providerName,
      subject: key,
      roles: user.roles ? [...user.roles] : [...target.access.default_roles],
      failed_login_attempts: user.failed_login_attempts ?? 0,
      logged_in: false,
    };
    if (email) record.email = email;
    if (user.first_name) record.first_name = user.first_name;
    if (user.last_name) record.last_name = user.last_name;
    const notes: string[] = [];
    let plainPassword: string | undefined;
    if (user.password === undefined || user.password === '') {
      notes.push('no password: give it one with latchkey users reset-password');
    } else if (isPasswordHash(user.password)) {
      record.password = user.password;
      notes.push(user.password.startsWith('$2') ? 'bcrypt hash kept (replaced by scrypt at its first sign-in)' : 'hash kept');
    } else {
      plainPassword = user.password;
      notes.push('plain-text password hashed now');
    }
    notes.push(`roles: ${record.roles.join(', ') || 'none'}`);
    if ((user.failed_login_attempts ?? 0) > 0) notes.push(`${user.failed_login_attempts} failed attempts kept`);
    if (user.logged_in) notes.push('was logged in there: signs in anew here (its cookie session is not carried over)');
    if (user.password_hint) notes.push('password hint not copied');
    plan.accounts.push({ key, record, ...(plainPassword !== undefined ? { plainPassword } : {}) });
    plan.report.push(`+ account ${describeAccount(key, user, name)}: ${notes.join('; ')}`);
    taken.add(key);
    if (email) {
      emails.add(email.toLowerCase());
      importedEmails.push(email);
    }
  }
  if (plan.localProvider && plan.accounts.length > 0) {
    plan.report.push(`+ providers.${plan.localProvider.name}: the provider of local accounts (local: true)`);
  } else if (plan.localProvider) {
    delete plan.localProvider;
  }

  const preauthorized = [...(source['pre-authorized']?.emails ?? []), ...(source.preauthorized?.emails ?? [])].map((email) => email.trim()).filter((email) => EMAIL.test(email));
  if (preauthorized.length > 0) {
    const current = target.access.allowed_emails;
    const hadLists = current.length > 0 || target.access.allowed_domains.length > 0;
    const merged = [...current];
    for (const email of [...preauthorized, ...(hadLists ? [] : Object.values(target.credentials.usernames).flatMap((r) => (r.email ? [r.email] : []))), ...importedEmails]) {
      if (!merged.some((known) => known.toLowerCase() === email.toLowerCase())) merged.push(email);
    }
    plan.settings.push({ path: ['access', 'allowed_emails'], value: merged });
    plan.report.push(`+ access.allowed_emails: ${preauthorized.join(', ')} (pre-authorized), with the accounts' own addresses: in Latchkey this list decides who may sign in at all (third-party sign-ins too), not only who may register`);
    if (!target.access.registration) {
      plan.settings.push({ path: ['access', 'registration'], value: true });
      plan.report.push('+ access.registration: true (pre-authorized addresses may create their account)');
    }
  }

  const expiry = source.cookie?.expiry_days;
  if (expiry !== undefined) {
    plan.settings.push({ path: ['session', 'expiry_days'], value: expiry });
    plan.report.push(`+ session.expiry_days: ${expiry} (cookie.expiry_days: how long one stays signed in without using it)`);
  }
  if (source.cookie && (source.cookie.key !== undefined || source.cookie.name !== undefined)) {
    plan.report.push('= cookie.name, cookie.key: not needed (Latchkey keeps each session in the system keychain, not in a cookie); the key was not copied');
  }

  planOAuth(source, target, options, plan);

  if (Object.hasOwn(raw, 'api_key')) plan.report.push("= api_key: not copied (Streamlit-Authenticator's own cloud service)");
  for (const key of Object.keys(raw)) if (!KNOWN_KEYS.includes(key)) plan.report.push(`= ${key}: not a Streamlit-Authenticator setting Latchkey knows; left out`);
  if (plan.accounts.length === 0 && plan.settings.length === 0 && !plan.localProvider) plan.report.push('Nothing to take over.');
  return plan;
}

function planOAuth(source: StreamlitConfig, target: LatchkeyConfig, options: PlanOptions, plan: ImportPlan): void {
  const google = source.oauth2?.google;
  if (google?.client_id) {
    if (Object.hasOwn(target.providers, 'google')) {
      plan.report.push('- oauth2.google: skipped (config.yaml already has a provider named google)');
    } else if (!options.withClientSecrets || !google.client_secret) {
      plan.report.push(`- oauth2.google: not added: Google's preset needs the client secret; run again with --with-client-secrets to copy it, or add providers.google by hand (client_id ${google.client_id})`);
    } else {
      plan.settings.push({ path: ['providers', 'google'], value: { preset: 'google', client_id: google.client_id, client_secret: google.client_secret } });
      plan.report.push(`+ providers.google: preset google, client_id ${google.client_id}, client secret copied (--with-client-secrets)`);
    }
    if (google.redirect_uri) plan.report.push(`= oauth2.google.redirect_uri: not used (Latchkey listens on http://127.0.0.1/callback; Google needs a "Desktop app" client for it)`);
  }
  const microsoft = source.oauth2?.microsoft;
  if (microsoft?.client_id) {
    if (Object.hasOwn(target.providers, 'microsoft')) {
      plan.report.push('- oauth2.microsoft: skipped (config.yaml already has a provider named microsoft)');
    } else {
      const entry: Record<string, string> = { preset: 'microsoft', client_id: microsoft.client_id, tenant: microsoft.tenant_id ?? 'common' };
      const copySecret = options.withClientSecrets && microsoft.client_secret !== undefined;
      if (copySecret) entry.client_secret = microsoft.client_secret as string;
      plan.settings.push({ path: ['providers', 'microsoft'], value: entry });
      plan.report.push(
        `+ providers.microsoft: preset microsoft, client_id ${microsoft.client_id}, tenant ${entry.tenant}${copySecret ? ', client secret copied (--with-client-secrets)' : microsoft.client_secret ? ', client secret not copied (a desktop app is a public client; --with-client-secrets copies it)' : ''}`,
      );
    }
    if (microsoft.redirect_uri) plan.report.push('= oauth2.microsoft.redirect_uri: not used (register http://127.0.0.1/callback under "Mobile and desktop applications")');
  }
}
