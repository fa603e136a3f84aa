/**
 * The vault on the secret store that secret-storage.ts chose: the OS keychain, or the passphrase store with
 * its token files in a folder of their own. Built by the composition (app.ts); says what `latchkey status`
 * shows about where secrets are.
 */
import { readFile } from 'node:fs/promises';
import { readConfigSyntax } from './config-yaml';
import { Keychain } from './keychain';
import { PassphraseKeyStore, type PassphrasePurpose } from './passphrase-key-store';
import { passphraseStoreFile, SECRET_STORAGE_KINDS, tokenFolder, type SecretStorageKind } from './secret-storage';
import { SecretVault, type VaultProblem } from './secrets';

/** Where secrets are, as `latchkey status` shows it. Nothing secret. */
export interface SecretStoreInfo {
  kind: SecretStorageKind;
  /** The keychain's service name, or the passphrase store's file. */
  location: string;
  /** One line for people, e.g. `OS keychain (Secret Service, service "Latchkey")`. */
  label: string;
}

export interface SecretStoreOptions {
  kind: SecretStorageKind;
  dataDir: string;
  /** The OS keychain's service name. */
  keychainService: string;
  /** For the passphrase store: asks the person (the CLI); without it the store waits for unlock() (the app). */
  askPassphrase?: (purpose: PassphrasePurpose) => Promise<string>;
  onProblem?: (problem: VaultProblem) => void;
}

/** The vault on the chosen store, what to say about it, and for the passphrase store, the store itself (its lock). */
export interface SecretStore {
  vault: SecretVault;
  info: SecretStoreInfo;
  passphrase: PassphraseKeyStore | null;
}

const NAMES: Record<SecretStorageKind, string> = { keychain: 'the OS keychain', passphrase: 'the passphrase store' };

export function openSecretStore(options: SecretStoreOptions): SecretStore {
  const { kind, dataDir } = options;
  const other: SecretStorageKind = kind === 'keychain' ? 'passphrase' : 'keychain';
  const passphrase =
    kind === 'passphrase' ? new PassphraseKeyStore({ file: passphraseStoreFile(dataDir), ...(options.askPassphrase ? { ask: options.askPassphrase } : {}) }) : null;
  const vault = new SecretVault({
    keys: passphrase ?? new Keychain(options.keychainService),
    dir: tokenFolder(dataDir, kind),
    otherStore: { dir: tokenFolder(dataDir, other), name: NAMES[other], ownName: NAMES[kind], setting: `storage: ${other} (or LATCHKEY_STORAGE=${other})` },
    ...(options.onProblem ? { onProblem: options.onProblem } : {}),
  });
  const info: SecretStoreInfo = passphrase
    ? { kind, location: passphrase.file, label: `passphrase-sealed file ${passphrase.file}` }
    : { kind, location: options.keychainService, label: `OS keychain (${keychainName()}, service "${options.keychainService}")` };
  return { vault, info, passphrase };
}

/**
 * config.yaml's `storage:` when the file as a whole did not load (the app then shows where it is invalid, and
 * may read it again once fixed): the store must not change under the person's feet when they fix, say, a
 * provider entry. Read from the YAML alone; anything unclear is the default.
 */
export async function storageOfInvalidConfig(configPath: string): Promise<SecretStorageKind | undefined> {
  try {
    const syntax = readConfigSyntax(await readFile(configPath, 'utf8'));
    if (!syntax.ok) return undefined;
    const value: unknown = syntax.doc.get('storage');
    return (SECRET_STORAGE_KINDS as readonly unknown[]).includes(value) ? (value as SecretStorageKind) : undefined;
  } catch {
    return undefined;
  }
}

function keychainName(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'macOS Keychain';
  if (platform === 'win32') return 'Windows Credential Manager';
  return 'Secret Service';
}
