/**
 * The IPC channels of "Import from Streamlit-Authenticator" in the admin panel: part of the one contract
 * (ipc.ts extends it). The renderer never names a file: main asks the person with the system's open dialog,
 * answers a preview (the same lines `latchkey import --dry-run` prints) under a one-time id, and imports only
 * that file when the same id comes back. No answer holds a password, a hash or a client secret.
 */

export interface ImportPreview {
  /** Names this preview for `admin:import-apply` (one at a time; a new choice replaces it). */
  id: string;
  /** The chosen file's name, without its folder. */
  fileName: string;
  /** `+` taken over, `-` skipped, `=` not needed. */
  report: string[];
  /** Accounts that would be added. */
  accounts: number;
  /** Whether importing would change config.yaml at all. */
  changes: boolean;
  withClientSecrets: boolean;
}

export interface ImportOutcome {
  imported: number;
  /** The plan as it was applied (worked out again against config.yaml as it was then). */
  report: string[];
}

export interface ImportOptions {
  /** Copy oauth2 client secrets into config.yaml too (off unless asked, as in the CLI). */
  withClientSecrets?: boolean;
}

export interface ImportIpcContract {
  /** Opens the system's file dialog; null when the person cancels it. Needs the admin role. */
  'admin:import-choose': { args: [options?: ImportOptions]; result: ImportPreview | null };
  /** Imports the previewed file. Needs the admin role. */
  'admin:import-apply': { args: [previewId: string]; result: ImportOutcome };
}

export type ImportChannel = keyof ImportIpcContract;

export const IMPORT_CHANNELS = ['admin:import-choose', 'admin:import-apply'] as const satisfies readonly ImportChannel[];

/** `window.latchkey.importer`. */
export interface ImportApi {
  choose(options?: ImportOptions): Promise<ImportPreview | null>;
  apply(previewId: string): Promise<ImportOutcome>;
}
