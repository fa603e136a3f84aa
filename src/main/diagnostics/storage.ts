/**
 * Secret storage: which store holds the secrets (the OS keychain unless the person chose the passphrase store
 * with `storage: passphrase` in config.yaml or LATCHKEY_STORAGE=passphrase) and, for the keychain, whether it
 * can be used right now: a throwaway entry is written, read back and deleted (SecretVault.check()), because a
 * read alone succeeds on a locked Secret Service collection. The passphrase store is never opened here: doctor
 * asks for no passphrase.
 */
import { join } from 'node:path';
import { isAuthError } from '../../shared/errors';
import { resolveSecretStorage, SECRET_STORAGE_KINDS } from '../store/secret-storage';
import { SecretVault } from '../store/secrets';
import type { Check, DiagnosticsContext } from './context';

/** How the platform's keychain is called, for people. */
export function keychainBackendName(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'macOS Keychain';
    case 'win32':
      return 'Windows Credential Manager';
    default:
      return 'Secret Service';
  }
}

const STORES = SECRET_STORAGE_KINDS;

/** The store chosen, by the engine's own rule (store/secret-storage.ts), and what chose it; a name that is no store as written. */
function chosenStore(configured: unknown, env: NodeJS.ProcessEnv): { store: string; source: string } {
  const fromEnv = env.LATCHKEY_STORAGE?.trim();
  const written = fromEnv || (typeof configured === 'string' ? configured : '');
  const source = fromEnv ? 'LATCHKEY_STORAGE' : written !== '' ? 'storage: in config.yaml' : 'the default';
  if (written !== '' && !(STORES as readonly string[]).includes(written)) return { store: written, source };
  return { store: resolveSecretStorage(configured === 'keychain' || configured === 'passphrase' ? configured : undefined, env), source };
}

/** `configuredStorage`: config.yaml's `storage:` value as written (the file may not be valid). */
export async function checkStorage(context: DiagnosticsContext, configuredStorage: unknown): Promise<Check[]> {
  const { store, source } = chosenStore(configuredStorage, context.env);
  const backend = keychainBackendName(context.platform);
  if (!(STORES as readonly string[]).includes(store)) {
    return [
      {
        group: 'storage',
        id: 'store',
        title: 'Secret store',
        status: 'problem',
        detail: `${source} names "${store.slice(0, 40)}", which is not a secret store.`,
        fix: `Use keychain (the default) or passphrase in ${source}.`,
      },
    ];
  }
  if (store === 'passphrase') {
    return [
      { group: 'storage', id: 'store', title: 'Secret store', status: 'ok', detail: `the passphrase store (chosen by ${source}); the OS keychain is not used` },
      {
        group: 'storage',
        id: 'keychain',
        title: `Keychain (${backend})`,
        status: 'skipped',
        detail: 'not used with the passphrase store; doctor does not ask for the passphrase',
      },
    ];
  }
  const checks: Check[] = [{ group: 'storage', id: 'store', title: 'Secret store', status: 'ok', detail: `the OS keychain: ${backend}${context.platform === 'linux' ? ' (gnome-keyring, KWallet)' : ''} (${source})` }];
  const vault = new SecretVault({ service: context.keychainService, dir: join(context.dataDir, 'secrets'), keychainTimeoutMs: Math.max(context.timeoutMs, 10_000) });
  try {
    await vault.check();
    checks.push({
      group: 'storage',
      id: 'keychain',
      title: `Keychain (${backend})`,
      status: 'ok',
      detail: `reachable and unlocked: a test entry under "${context.keychainService}" was written, read back and deleted`,
    });
  } catch (error) {
    checks.push({
      group: 'storage',
      id: 'keychain',
      title: `Keychain (${backend})`,
      status: 'problem',
      detail: isAuthError(error) ? error.message : `The keychain could not be used (${error instanceof Error ? error.name : 'unknown error'}).`,
      fix:
        (isAuthError(error) && error.hint) ||
        'Unlock the keychain, or choose the passphrase store (storage: passphrase in config.yaml, or LATCHKEY_STORAGE=passphrase).',
    });
  } finally {
    vault.release();
  }
  return checks;
}
