/**
 * Which account a command acts on, decided in one place for every command that takes `--account` (token, api,
 * logout, status): `--account KEY` first, then the LATCHKEY_ACCOUNT environment variable (one account per shell
 * or script: `export LATCHKEY_ACCOUNT=...`), then config.yaml's active account. An account named by either that
 * config.yaml does not know is an error naming the known ones — never a silent fallback to another account.
 *
 * Light on purpose: `latchkey token`'s fast path (stored-token.ts) asks it before anything else is loaded.
 */
import { AuthError } from '../../shared/errors';
import type { SessionState } from '../../shared/session';
import type { CommandContext, CliValues } from './context';

/** Where the choice came from. */
export type AccountSource = 'option' | 'env' | 'active';

export interface AccountChoice {
  /** The named account; undefined: config.yaml's active account. */
  key: string | undefined;
  source: AccountSource;
}

/** The environment variable that picks the account for one process. */
export const ACCOUNT_ENV = 'LATCHKEY_ACCOUNT';

/** `--account` wins over LATCHKEY_ACCOUNT, which wins over the active account. */
export function chooseAccount(values: Pick<CliValues, 'account'>, env: Readonly<Record<string, string | undefined>>): AccountChoice {
  if (values.account !== undefined && values.account !== '') return { key: values.account, source: 'option' };
  const fromEnv = env[ACCOUNT_ENV]?.trim();
  if (fromEnv) return { key: fromEnv, source: 'env' };
  return { key: undefined, source: 'active' };
}

/**
 * The coded error for a named account config.yaml does not have (null when it has it, or none was named): says
 * who named it and lists the accounts there are.
 */
export function unknownChosenAccount(choice: AccountChoice, knownKeys: readonly string[]): AuthError | null {
  if (choice.key === undefined || knownKeys.includes(choice.key)) return null;
  const namedBy = choice.source === 'env' ? ACCOUNT_ENV : '--account';
  const known = knownKeys.length === 0 ? 'There are no accounts in config.yaml yet (latchkey login).' : `The accounts are: ${knownKeys.join(', ')}.`;
  return new AuthError('unknown_account', `${namedBy} names "${choice.key}", which is not an account in config.yaml.`, {
    hint: choice.source === 'env' ? `${known} Set ${ACCOUNT_ENV} to one of them, or unset it to use the active account.` : known,
  });
}

/** How `status` says why it shows this account. */
export function choiceReason(choice: AccountChoice): string {
  switch (choice.source) {
    case 'option':
      return '(--account)';
    case 'env':
      return `(chosen by ${ACCOUNT_ENV})`;
    case 'active':
      return '(the active account)';
  }
}

/**
 * The account a command run on the engine acts on: the named one (checked against config.yaml's accounts;
 * throws the coded error otherwise) or undefined for the active account.
 */
export function accountFor(context: Pick<CommandContext, 'values' | 'io'>, state: Pick<SessionState, 'accounts'>): string | undefined {
  const choice = chooseAccount(context.values, context.io.env);
  const unknown = unknownChosenAccount(choice, state.accounts.map((account) => account.key));
  if (unknown) throw unknown;
  return choice.key;
}
