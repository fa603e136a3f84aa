/**
 * Asking for the passphrase store's passphrase on the command line (storage: passphrase), through the same
 * input as passwords (password-input.ts): no echo on a terminal, one line of stdin per question otherwise, so
 * `printf 'pass\n' | LATCHKEY_STORAGE=passphrase latchkey token` works. A new store's passphrase is typed twice
 * and must match; the store itself refuses one that is too short.
 */
import { AuthError, type AuthErrorCode, type ErrorInfo } from '../../shared/errors';
import type { SessionState } from '../../shared/session';
import { MIN_PASSPHRASE_LENGTH, type PassphrasePurpose } from '../store/passphrase-key-store';
import type { PasswordInput } from './password-input';

export function passphrasePrompt(input: PasswordInput, stderr: (text: string) => void): (purpose: PassphrasePurpose) => Promise<string> {
  return async (purpose) => {
    if (purpose === 'unlock') return input.read("Passphrase of Latchkey's secret store: ");
    stderr(
      `Latchkey keeps secrets in a file sealed with a passphrase (storage: passphrase). Choose one of at least ${MIN_PASSPHRASE_LENGTH} characters: ` +
        'it is asked once per run, and without it the sessions kept there are lost.\n',
    );
    const first = await input.read('New passphrase: ');
    if ([...first].length < MIN_PASSPHRASE_LENGTH) {
      throw new AuthError('weak_password', `A passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters. Nothing was created.`);
    }
    const again = await input.read('The same passphrase again: ');
    if (again !== first) throw new AuthError('invalid_argument', 'The two passphrases differ. Nothing was created.');
    return first;
  };
}

/**
 * Why the passphrase store could not be opened while the sessions were read (a wrong passphrase, a damaged
 * file, Ctrl-C at the question, no line on stdin), or null. Every account's secrets are in it, so a command
 * stops with this reason rather than carrying on as if nobody were signed in (and suggesting a new sign-in).
 * Only the question can fail with invalid_argument during a restore.
 */
export function passphraseStoreFailure(secrets: { kind: 'keychain' | 'passphrase' }, state: SessionState): ErrorInfo | null {
  if (secrets.kind !== 'passphrase') return null;
  const error = state.lastSignInError;
  return error && STOPPING.has(error.code) ? error : null;
}

const STOPPING = new Set<AuthErrorCode>(['passphrase_wrong', 'passphrase_required', 'secret_store_damaged', 'cancelled', 'invalid_argument']);
