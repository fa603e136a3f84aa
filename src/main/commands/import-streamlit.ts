/**
 * `latchkey import streamlit-authenticator FILE [--dry-run] [--with-client-secrets]`: prints the plan
 * (import/streamlit-import.ts) and — unless it is a dry run — writes it into config.yaml. The source file is
 * never changed. Passwords and secrets are never printed.
 */
import type { Latchkey } from '../app';
import { applyPlan, planChangesSomething, planFromFile } from '../import/streamlit-import';
import type { AccountCommandIo } from './account-commands';

export async function importStreamlitAuthenticator(latchkey: Latchkey, file: string, options: { dryRun: boolean; withClientSecrets: boolean }, io: AccountCommandIo): Promise<number> {
  const plan = await planFromFile(latchkey.users, file, { withClientSecrets: options.withClientSecrets });
  io.stdout(`From ${file} into ${latchkey.paths.configPath}${options.dryRun ? ' (dry run: nothing is written)' : ''}:\n`);
  for (const line of plan.report) io.stdout(`  ${line}\n`);
  if (options.dryRun || !planChangesSomething(plan)) return 0;
  const imported = await applyPlan(latchkey.users, plan);
  io.stdout(`Imported ${imported} account(s). Sign in with: latchkey login --local\n`);
  return 0;
}
