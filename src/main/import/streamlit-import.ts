/**
 * Importing a Streamlit-Authenticator config.yaml, as the CLI (`latchkey import streamlit-authenticator`) and
 * the app's admin panel both do it: read the file (bounded, a YAML mapping of the expected shape), work out the
 * plan against config.yaml as it is now (streamlit-plan.ts), and apply it in one locked, atomic, comment-keeping
 * write with plain-text passwords hashed first. The source file is never changed; no password or secret is in
 * anything this returns.
 */
import { open } from 'node:fs/promises';
import { parse } from 'yaml';
import { AuthError } from '../../shared/errors';
import { hashPassword } from '../auth/local-accounts/passwords';
import type { UserAdmin } from '../auth/local-accounts/user-admin';
import { streamlitConfigSchema } from './streamlit-format';
import { planStreamlitImport, type ImportPlan, type PlanOptions } from './streamlit-plan';

const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

/** What the import needs of config.yaml: the administrator's view of it. */
export type ImportTarget = Pick<UserAdmin, 'load' | 'updateConfig'>;

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

/** The plan for `file` against config.yaml as it is now; throws `invalid_argument` for a file that is not one. */
export async function planFromFile(target: ImportTarget, file: string, options: PlanOptions): Promise<ImportPlan> {
  const raw = await readSource(file);
  const source = streamlitConfigSchema.safeParse(raw);
  if (!source.success) {
    const issue = source.error.issues[0];
    throw new AuthError('invalid_argument', `${file} does not look like a Streamlit-Authenticator config: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unexpected shape'}.`);
  }
  return planStreamlitImport(source.data, raw, await target.load(), options);
}

/** Whether the plan changes anything. */
export function planChangesSomething(plan: ImportPlan): boolean {
  return plan.accounts.length > 0 || plan.settings.length > 0 || plan.localProvider !== undefined;
}

/** Writes the plan into config.yaml (one locked write); resolves with the number of accounts added. */
export async function applyPlan(target: ImportTarget, plan: ImportPlan): Promise<number> {
  if (!planChangesSomething(plan)) return 0;
  const cost = (await target.load()).access.password_hash_cost;
  for (const account of plan.accounts) {
    if (account.plainPassword !== undefined) account.record.password = await hashPassword(account.plainPassword, cost);
  }
  await target.updateConfig((draft) => {
    if (plan.localProvider) draft.setSetting(['providers', plan.localProvider.name], plan.localProvider.entry);
    for (const setting of plan.settings) draft.setSetting(setting.path, setting.value);
    for (const { key, record } of plan.accounts) {
      // Checked again under the lock: another process may have added the same username meanwhile.
      if (draft.getAccount(key)) throw new AuthError('account_exists', `An account "${key}" appeared in config.yaml meanwhile; nothing was imported. Run the import again.`);
      draft.setAccount(key, record);
    }
  });
  return plan.accounts.length;
}
