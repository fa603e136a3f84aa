/**
 * config.yaml: that it parses and validates, or exactly where it does not (`<file>:<line>:<col>: <what>`, the
 * same message the app and every command give). The file is only read: a missing one is fine (the commented
 * default is written on first start, not by doctor). What the other checks need from it comes back too: the
 * valid config (providers), the `storage:` value as written (the store is reported even when the file is not
 * valid), and every client secret written in it, so the report can never show one.
 */
import { readFile, stat } from 'node:fs/promises';
import { parse } from 'yaml';
import { isAuthError } from '../../shared/errors';
import { checkConfig, configInvalid, decodeConfigText, MAX_CONFIG_BYTES } from '../store/config-parse';
import { errnoCode } from '../store/errno';
import type { LatchkeyConfig } from '../store/schema';
import type { Check, DiagnosticsContext } from './context';

export interface ConfigFindings {
  checks: Check[];
  /** The valid config; null when the file is missing or not valid. */
  config: LatchkeyConfig | null;
  /** Whether the file exists (a missing one means the default config). */
  exists: boolean;
  /** `storage:` as written, whatever the rest of the file is like. */
  storage: unknown;
  /** Every value of a key that holds a secret (client_secret...), for the redaction. */
  secrets: string[];
}

const SECRET_KEYS = /^(client_secret|secret|password|password_hash|token|api_key)$/i;

/** Secret-looking values anywhere in a parsed YAML value. */
function collectSecrets(value: unknown, into: string[], depth = 0): void {
  if (depth > 20 || value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEYS.test(key) && (typeof inner === 'string' || typeof inner === 'number')) into.push(String(inner));
    else collectSecrets(inner, into, depth + 1);
  }
}

/** For a file the YAML parser refuses: `client_secret: value` lines, read as text. */
function secretsFromText(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:client_secret|secret|password|password_hash|token|api_key)\s*:\s*["']?([^\s"'#]+)/gim)) {
    if (match[1]) found.push(match[1]);
  }
  return found;
}

function looseParse(text: string): unknown {
  try {
    return parse(text, { maxAliasCount: 100 }) as unknown;
  } catch {
    return undefined;
  }
}

export async function checkConfigFile(context: DiagnosticsContext): Promise<ConfigFindings> {
  const file = context.configPath;
  const base = { group: 'config' as const, id: 'valid', title: 'config.yaml is valid' };
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      return { checks: [{ ...base, status: 'ok', detail: `${file} does not exist yet: Latchkey writes the commented default on first start` }], config: null, exists: false, storage: undefined, secrets: [] };
    }
    return { checks: [{ ...base, status: 'problem', detail: `${file} cannot be read (${errnoCode(error) ?? 'unknown error'})`, fix: 'Check that the file is yours and readable.' }], config: null, exists: true, storage: undefined, secrets: [] };
  }
  if (size > MAX_CONFIG_BYTES) {
    return { checks: [{ ...base, status: 'problem', detail: `${file} is ${size} bytes; Latchkey reads at most ${MAX_CONFIG_BYTES}.`, fix: 'Remove what does not belong in it, or delete it to get a fresh default.' }], config: null, exists: true, storage: undefined, secrets: [] };
  }
  const bytes = await readFile(file);
  const secrets = secretsFromText(bytes.toString('utf8'));
  let text: string;
  try {
    text = decodeConfigText(bytes, file);
  } catch (error) {
    const problem = isAuthError(error) ? error : null;
    return { checks: [{ ...base, status: 'problem', detail: problem?.message ?? `${file} is not UTF-8 text`, ...(problem?.hint ? { fix: problem.hint } : {}) }], config: null, exists: true, storage: undefined, secrets };
  }
  const loose = looseParse(text);
  collectSecrets(loose, secrets);
  const storage = loose && typeof loose === 'object' ? (loose as Record<string, unknown>).storage : undefined;
  const result = checkConfig(text);
  if (!result.ok) {
    const error = configInvalid(file, result.problems, result.cause);
    return { checks: [{ ...base, status: 'problem', detail: error.message, ...(error.hint ? { fix: error.hint } : {}) }], config: null, exists: true, storage, secrets };
  }
  const config = result.parsed.config;
  for (const entry of Object.values(config.providers)) collectSecrets(entry, secrets);
  const providers = Object.keys(config.providers);
  return {
    checks: [{ ...base, status: 'ok', detail: `${file}: ${providers.length} provider${providers.length === 1 ? '' : 's'} (${providers.join(', ') || 'none'})` }],
    config,
    exists: true,
    storage,
    secrets,
  };
}
