/**
 * `latchkey token` when the stored access token is still valid: read straight from config.yaml and the vault,
 * without composing the engine. A command a script may run on every request should start like a native tool,
 * and the engine needs the OpenID Connect client, the provider table and the config schema, which take most of
 * a CLI run to load.
 *
 * Nothing is relaxed where it matters: the data folder is checked as at every start, config.yaml goes through
 * the same YAML checks (size, UTF-8, nesting, repeated and reserved keys, tags, aliases; config-account.ts,
 * remembered per version of the file by config-lookup.ts) and the vault through the same keychain, rollback
 * and ownership checks. What this path skips is the schema check of the parts of config.yaml it does not read
 * (other providers, other accounts): those are reported by every other command, and by `token` itself as soon
 * as it needs the engine.
 *
 * It answers only the plain case: secrets are in the OS keychain (not the passphrase store: storage:,
 * LATCHKEY_STORAGE), the account (--account, else active_account) is signed in, its provider is
 * not a local-accounts one, no `access:` allow-list applies (roles and the rest do not matter to a session's
 * token; the default config.yaml sets access.roles_claim), its access token is fresh, and the session is within
 * `session.expiry_days`. Anything else, including any doubt, answers null and the command runs the engine,
 * which refreshes, signs out or explains exactly as before. It writes nothing but config-lookup.ts's answer.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { lastUseMs } from '../auth/last-use';
import { isDpopBound } from '../auth/token-binding';
import { isAccessTokenFresh } from '../auth/token-freshness';
import { MAX_CONFIG_BYTES } from '../store/config-limits';
import { assertPrivateDataFolder } from '../store/data-folder';
import { resolveSecretStorage } from '../store/secret-storage';
import { SecretVault } from '../store/secrets';
import { lookUpAccount } from './config-lookup';

const DAY_MS = 24 * 60 * 60 * 1000;
/** As config-guards.ts decodes: `fatal` refuses bytes that are not UTF-8; a leading BOM is dropped. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface StoredTokenOptions {
  configPath: string;
  keychainService: string;
  /** LATCHKEY_STORAGE is read from here (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** --account; default: config.yaml's active_account. */
  accountKey?: string;
  now?: number;
}

/** A token read without the engine; `dpopBound`: usable only with proofs signed by the account's kept key. */
export interface StoredToken {
  accessToken: string;
  dpopBound: boolean;
}

/** The stored access token if it can be handed out as it is (see the module comment), else null. */
export async function storedValidToken(options: StoredTokenOptions): Promise<StoredToken | null> {
  // Only the OS keychain's secrets are read here; the passphrase store's need the engine, which asks for it.
  // config.yaml's storage: is looked at by config-account.ts (a file that chooses passphrase answers null).
  if (resolveSecretStorage(undefined, options.env ?? process.env) !== 'keychain') return null;
  const configPath = path.resolve(options.configPath);
  const text = await readConfigText(configPath);
  if (text === null) return null;
  // The same refusal of a folder others could change as at every start (it throws; the caller falls back).
  await assertPrivateDataFolder(configPath);
  const found = await lookUpAccount(path.dirname(configPath), text, options.accountKey);
  if (found === null) return null;
  const vault = new SecretVault({ service: options.keychainService, dir: path.join(path.dirname(configPath), 'secrets') });
  try {
    const tokens = await vault.get(found.key);
    if (!tokens) return null;
    const now = options.now ?? Date.now();
    if (!isAccessTokenFresh(tokens, now)) return null;
    const lastUse = lastUseMs(found.record, tokens);
    if (found.expiryDays > 0 && lastUse !== undefined && now - lastUse > found.expiryDays * DAY_MS) return null;
    return { accessToken: tokens.accessToken, dpopBound: isDpopBound(tokens) };
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
    // Invalid UTF-8 is refused, not replaced (the engine then says where).
    try {
      return utf8.decode(await handle.readFile());
    } catch {
      return null;
    }
  } finally {
    await handle.close();
  }
}
