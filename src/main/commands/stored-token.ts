/**
 * `latchkey token` when the stored access token is still valid: read straight from config.yaml and the vault,
 * without composing the engine. A command a script may run on every request should start like a native tool,
 * and the engine needs the OpenID Connect client, the provider table and the config schema, which take most of
 * a CLI run to load.
 *
 * Nothing is relaxed where it matters: the data folder is checked as at every start, config.yaml goes through
 * the same YAML checks (size, UTF-8, nesting, repeated and reserved keys, tags, aliases) and the vault through
 * the same keychain, rollback and ownership checks. What this path skips is the schema check of the parts of
 * config.yaml it does not read (other providers, other accounts): those are reported by every other command,
 * and by `token` itself as soon as it needs the engine.
 *
 * It answers only the plain case: the account (--account, else active_account) is signed in, its provider is
 * not a local-accounts one, no `access:` policy applies, the token set is a bearer one and its access token is
 * fresh, and the session is within `session.expiry_days`. Anything else, including any doubt, answers null and
 * the command runs the engine, which refreshes, signs out or explains exactly as before.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { lastUseMs } from '../auth/last-use';
import { isAccessTokenFresh } from '../auth/token-freshness';
import type { AccountRecord } from '../store/schema';
import { decodeUtf8 } from '../store/config-guards';
import { MAX_ALIAS_COUNT, MAX_CONFIG_BYTES, readConfigSyntax } from '../store/config-yaml';
import { assertPrivateDataFolder } from '../store/data-folder';
import { SecretVault } from '../store/secrets';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface StoredTokenOptions {
  configPath: string;
  keychainService: string;
  /** --account; default: config.yaml's active_account. */
  accountKey?: string;
  now?: number;
}

/** The stored access token if it can be handed out as it is (see the module comment), else null. */
export async function storedValidToken(options: StoredTokenOptions): Promise<string | null> {
  const configPath = path.resolve(options.configPath);
  const text = await readConfigText(configPath);
  if (text === null) return null;
  // The same refusal of a folder others could change as at every start (it throws; the caller falls back).
  await assertPrivateDataFolder(configPath);
  const found = accountOf(text, options.accountKey);
  if (found === null) return null;
  const vault = new SecretVault({ service: options.keychainService, dir: path.join(path.dirname(configPath), 'secrets') });
  try {
    const tokens = await vault.get(found.key);
    if (!tokens || tokens.dpopKey !== undefined) return null;
    const now = options.now ?? Date.now();
    if (!isAccessTokenFresh(tokens, now)) return null;
    const lastUse = lastUseMs(found.record, tokens);
    if (found.expiryDays > 0 && lastUse !== undefined && now - lastUse > found.expiryDays * DAY_MS) return null;
    return tokens.accessToken;
  } finally {
    vault.release();
  }
}

/** config.yaml's text, if it is a plain file of a config's size in UTF-8; null otherwise (the engine reports). */
async function readConfigText(file: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return null;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_CONFIG_BYTES) return null;
    const decoded = decodeUtf8(await handle.readFile());
    return decoded.ok ? decoded.text : null;
  } finally {
    await handle.close();
  }
}

/** The account the token is for, its record and the expiry rule, when the file says all of it plainly. */
function accountOf(text: string, accountKey: string | undefined): { key: string; record: AccountRecord; expiryDays: number } | null {
  const syntax = readConfigSyntax(text);
  if (!syntax.ok || syntax.forbidden.length > 0) return null;
  let data: unknown;
  try {
    data = syntax.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    return null;
  }
  if (!isObject(data) || 'access' in data) return null;
  const expiryDays = isObject(data.session) ? data.session.expiry_days : undefined;
  if (typeof expiryDays !== 'number' || !Number.isFinite(expiryDays) || expiryDays < 0) return null;
  const key = accountKey ?? data.active_account;
  const usernames = isObject(data.credentials) ? data.credentials.usernames : undefined;
  if (typeof key !== 'string' || !isObject(usernames) || !Object.hasOwn(usernames, key)) return null;
  const record = usernames[key];
  if (!isObject(record) || record.logged_in !== true || typeof record.provider !== 'string' || typeof record.subject !== 'string') return null;
  for (const field of ['last_login', 'signed_in_at', 'last_refresh'] as const) {
    if (record[field] !== undefined && typeof record[field] !== 'string') return null;
  }
  const providers = data.providers;
  if (!isObject(providers) || !Object.hasOwn(providers, record.provider)) return null;
  const provider = providers[record.provider];
  if (!isObject(provider) || provider.local === true) return null;
  return { key, record: record as unknown as AccountRecord, expiryDays };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
