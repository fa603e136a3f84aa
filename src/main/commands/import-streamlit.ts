/**
 * `latchkey import streamlit-authenticator FILE [--dry-run] [--with-client-secrets]`: reads the file, works
 * out the plan (import/streamlit-plan.ts), prints it, and — unless it is a dry run — writes it into
 * config.yaml in one locked, atomic, comment-keeping write (plain-text passwords hashed first). The source
 * file is never changed. Passwords and secrets are never printed.
 */
import { open } from 'node:fs/promises';
import { parse } from 'yaml';
import { AuthError } from '../../shared/errors';
import type { Latchkey } from '../app';
import { hashPassword } from '../auth/local-accounts/passwords';
import { planStreamlitImport } from '../import/streamlit-plan';
import { streamlitConfigSchema } from '../import/streamlit-format';
import type { AccountCommandIo } from './account-commands';

const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

async function readSource(file: string): Promise<Record<string, unknown>> {
  let text: string;
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new AuthError('invalid_argument', `Cannot read ${file} (${error.code ?? 'error'}).`);
  });
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_SOURCE_BYTES) throw new AuthError('invalid_argument', `${file} is not a Streamlit-Authenticator config file.`);
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new AuthError('invalid_argument', `${file} is not valid YAML: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AuthError('invalid_argument', `${file} is not a Streamlit-Authenticator config file (not a mapping).`);
  return raw as Record<string, unknown>;
}

export async function importStreamlitAuthenticator(latchkey: Latchkey, file: string, options: { dryRun: boolean; withClientSecrets: boolean }, io: AccountCommandIo): Promise<number> {
  const raw = await readSource(file);
  const source = streamlitConfigSchema.safeParse(raw);
  if (!source.success) {
    const issue = source.error.issues[0];
    throw new AuthError('invalid_argument', `${file} does not look like a Streamlit-Authenticator config: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unexpected shape'}.`);
  }
  const target = await latchkey.users.load();
  const plan = planStreamlitImport(source.data, raw, target, { withClientSecrets: options.withClientSecrets });
  io.stdout(`From ${file} into ${latchkey.paths.configPath}${options.dryRun ? ' (dry run: nothing is written)' : ''}:\n`);
  for (const line of plan.report) io.stdout(`  ${line}\n`);
  if (options.dryRun) return 0;
  if (plan.accounts.length === 0 && plan.settings.length === 0 && !plan.localProvider) return 0;

  const cost = target.access.password_hash_cost;
  for (const account of plan.accounts) {
    if (account.plainPassword !== undefined) account.record.password = await hashPassword(account.plainPassword, cost);
  }
  await latchkey.users.updateConfig((draft) => {
    if (plan.localProvider) draft.setSetting(['providers', plan.localProvider.name], plan.localProvider.entry);
    for (const setting of plan.settings) draft.setSetting(setting.path, setting.value);
    for (const { key, record } of plan.accounts) {
      // Checked again under the lock: another process may have added the same username meanwhile.
      if (draft.getAccount(key)) throw new AuthError('account_exists', `An account "${key}" appeared in config.yaml meanwhile; nothing was imported. Run the import again.`);
      draft.setAccount(key, record);
    }
  });
  io.stdout(`Imported ${plan.accounts.length} account(s). Sign in with: latchkey login --local\n`);
  return 0;
}
