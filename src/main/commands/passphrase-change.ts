/**
 * `latchkey passphrase change`: gives the passphrase store (storage: passphrase) a new passphrase. The current
 * one is asked first and checked at once (a mistyped one stops here, before the new one is typed twice), then
 * the new one twice, through the same input as every passphrase (password-input.ts: no echo on a terminal, one
 * line of stdin per question otherwise). The store re-seals its file under the new passphrase with a new salt
 * and the current scrypt parameters (passphrase-key-store.ts), so this is also how an older store gets them.
 *
 * It needs neither the engine nor the demo provider: only which store is chosen (secret-storage.ts, from
 * LATCHKEY_STORAGE or config.yaml's `storage:`), the data folder's usual safety check, and the store's file.
 * With the OS keychain chosen, or no store made yet, it says so and changes nothing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AuthError, toAuthError } from '../../shared/errors';
import { assertPrivateDataFolder } from '../store/data-folder';
import { MIN_PASSPHRASE_LENGTH, PassphraseKeyStore } from '../store/passphrase-key-store';
import { defaultConfigPath } from '../store/paths';
import { storageOfInvalidConfig } from '../store/secret-store';
import { passphraseStoreFile, resolveSecretStorage } from '../store/secret-storage';
import type { CommandContext } from './context';
import { reportError } from './output';
import { passwordInput } from './password-input';

export async function passphraseCommand(context: CommandContext): Promise<number> {
  const { values, positionals, io } = context;
  if (positionals[1] !== 'change') {
    io.stderr(`latchkey: ${positionals[1] === undefined ? 'passphrase needs a subcommand' : `unknown passphrase subcommand "${positionals[1]}"`}: latchkey passphrase change\n`);
    return 2;
  }
  let store: PassphraseKeyStore | null = null;
  try {
    const configPath = path.resolve(values.config ?? defaultConfigPath(io.env));
    // The store the engine would use: LATCHKEY_STORAGE, else config.yaml's storage: (read from the YAML alone,
    // as the app does, so a mistake elsewhere in the file does not hide it), else the OS keychain.
    const storage = resolveSecretStorage(await storageOfInvalidConfig(configPath), io.env);
    if (storage !== 'passphrase') {
      throw new AuthError('invalid_argument', 'Latchkey keeps secrets in the OS keychain here, not in the passphrase store: there is no passphrase to change.', {
        hint: 'The passphrase store is used only with storage: passphrase in config.yaml (or LATCHKEY_STORAGE=passphrase).',
      });
    }
    const file = passphraseStoreFile(path.dirname(configPath));
    if (!existsSync(file)) {
      throw new AuthError('invalid_argument', `There is no passphrase store at ${file} yet: there is no passphrase to change.`, {
        hint: 'It is made, with the passphrase chosen then, the first time a sign-in keeps secrets in it (latchkey login).',
      });
    }
    await assertPrivateDataFolder(configPath);
    store = new PassphraseKeyStore({ file });
    const input = passwordInput();
    const current = await input.read("Current passphrase of Latchkey's secret store: ");
    // Checked now, so a mistyped one is said before the new one is typed twice (the change checks it again).
    await store.checkPassphrase(current);
    const next = await input.read(`New passphrase (at least ${MIN_PASSPHRASE_LENGTH} characters): `);
    if ([...next].length < MIN_PASSPHRASE_LENGTH) {
      throw new AuthError('weak_password', `A passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters. Nothing was changed.`);
    }
    const again = await input.read('The same new passphrase again: ');
    if (again !== next) throw new AuthError('invalid_argument', 'The two new passphrases differ. Nothing was changed.');
    await store.changePassphrase(current, next);
    io.stdout(`Passphrase changed: ${file} is now sealed with the new passphrase.\n`);
    return 0;
  } catch (error) {
    reportError(io, toAuthError(error));
    return 1;
  } finally {
    store?.release();
  }
}
