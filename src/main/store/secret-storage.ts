/**
 * Which secret store holds this data folder's secrets, decided in this one place for the app and every CLI
 * command: LATCHKEY_STORAGE when set (`keychain` or `passphrase`), else config.yaml's `storage:`, else the
 * OS keychain. Nothing here ever picks the passphrase store by itself: a keychain that is missing or locked
 * stays `keychain_unavailable` (whose hint names this opt-in), never a silent switch.
 *
 * Each store has its own folder of token files, so switching stores moves, deletes and overwrites nothing: an
 * account whose secrets are in the other store is reported (`secrets_in_other_store`) and kept as it is, and
 * switching back finds it again (secrets.ts, OtherSecretStore). Light on purpose: config.yaml's schema and
 * `latchkey token`'s fast path import it.
 */
import path from 'node:path';
import { AuthError } from '../../shared/errors';

/** Where secrets are kept: the OS keychain (the default), or a passphrase-sealed file chosen by the person. */
export const SECRET_STORAGE_KINDS = ['keychain', 'passphrase'] as const;
export type SecretStorageKind = (typeof SECRET_STORAGE_KINDS)[number];

/** The passphrase store's file in the secrets folder, and the folder beside it for the token files sealed under it. */
export const PASSPHRASE_STORE_FILE = 'passphrase-store.json';
export const PASSPHRASE_TOKEN_FOLDER = 'passphrase-store';

/** The store chosen: the environment wins over config.yaml; the default is the OS keychain. */
export function resolveSecretStorage(configured: SecretStorageKind | undefined, env: NodeJS.ProcessEnv): SecretStorageKind {
  const fromEnv = env.LATCHKEY_STORAGE?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    if ((SECRET_STORAGE_KINDS as readonly string[]).includes(fromEnv)) return fromEnv as SecretStorageKind;
    throw new AuthError('invalid_argument', `LATCHKEY_STORAGE must be one of ${SECRET_STORAGE_KINDS.join(', ')}.`, {
      hint: "Unset it to use config.yaml's storage: setting (default: the OS keychain).",
    });
  }
  return configured ?? 'keychain';
}

/** The folder of each store's token files in a data folder. */
export function tokenFolder(dataDir: string, kind: SecretStorageKind): string {
  return kind === 'keychain' ? path.join(dataDir, 'secrets') : path.join(dataDir, 'secrets', PASSPHRASE_TOKEN_FOLDER);
}

/** The passphrase store's file in a data folder. */
export function passphraseStoreFile(dataDir: string): string {
  return path.join(dataDir, 'secrets', PASSPHRASE_STORE_FILE);
}
