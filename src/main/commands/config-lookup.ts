/**
 * What `latchkey token` needs from config.yaml (config-account.ts), remembered next to it in
 * `token-lookup.json`, keyed by the SHA-256 of the file's bytes. Reading config.yaml means loading the YAML
 * library and running it over the file, about a third of a `token` run; an unchanged file has the same answer,
 * so it is taken from here after one hash. Any change (a byte of config.yaml, the --account asked for, the
 * rules of config-account.ts: LOOKUP_FORMAT) means a fresh read, whose answer replaces the old one.
 *
 * The file holds no secret (an account key and its times, as config.yaml does). It is trusted no more than
 * config.yaml: it lives in the same private data folder, is read only as a plain file of this user (never
 * through a symlink), and only ever repeats what a read of those exact bytes answered.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomic-write';
import { readTokenFile } from '../store/token-file';
import type { AccountLookup } from './config-account';

/** Bump when what config-account.ts accepts or answers changes: older answers are then read again. */
const LOOKUP_FORMAT = 3;
export const LOOKUP_FILE = 'token-lookup.json';

interface Remembered {
  format: number;
  /** SHA-256 (hex) of config.yaml's text. */
  config: string;
  /** The --account asked for; '' for config.yaml's active_account. */
  asked: string;
  answer: AccountLookup;
}

/** The account `token` is for, from the remembered answer when config.yaml is unchanged, else from the file. */
export async function lookUpAccount(dataDir: string, configText: string, accountKey: string | undefined): Promise<AccountLookup | null> {
  const file = path.join(dataDir, LOOKUP_FILE);
  const config = createHash('sha256').update(configText, 'utf8').digest('hex');
  const asked = accountKey ?? '';
  const remembered = await readRemembered(file);
  if (remembered && remembered.format === LOOKUP_FORMAT && remembered.config === config && remembered.asked === asked) return remembered.answer;
  const { accountOf } = await import('./config-account');
  const answer = accountOf(configText, accountKey);
  if (answer !== null) {
    const entry: Remembered = { format: LOOKUP_FORMAT, config, asked, answer };
    // Best effort: without it the next `token` reads config.yaml again.
    await writeFileAtomic(file, JSON.stringify(entry), 0o600).catch(() => undefined);
  }
  return answer;
}

async function readRemembered(file: string): Promise<Remembered | null> {
  try {
    const read = await readTokenFile(file);
    if (read === null) return null;
    const value = JSON.parse(read.bytes.toString('utf8')) as Partial<Remembered> | null;
    return isRemembered(value) ? value : null;
  } catch {
    return null;
  }
}

function isRemembered(value: Partial<Remembered> | null): value is Remembered {
  const answer = value?.answer;
  return (
    typeof value?.format === 'number' &&
    typeof value.config === 'string' &&
    typeof value.asked === 'string' &&
    typeof answer === 'object' &&
    answer !== null &&
    typeof answer.key === 'string' &&
    typeof answer.expiryDays === 'number' &&
    typeof answer.record === 'object' &&
    answer.record !== null &&
    answer.record.logged_in === true &&
    typeof answer.record.provider === 'string'
  );
}
