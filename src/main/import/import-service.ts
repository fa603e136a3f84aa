/**
 * The app's Streamlit-Authenticator import (the admin panel), over the same plan and write as the CLI
 * (streamlit-import.ts). The file comes from the person through `chooseFile` (the desktop entry: the system's
 * open dialog), never from the renderer, so a compromised window cannot make main read a path of its choosing.
 * A preview is kept under a random id for ten minutes; applying works the plan out again against config.yaml
 * as it is then (another process may have changed it) and writes it under the file's lock. Both steps need
 * the admin role, checked here whoever asks. (TypeScript `private`, not `#` fields: this class is bundled into the
 * desktop entry, which the Electron security scan parses, and its parser does not know class private fields.)
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { ADMIN_ROLE } from '../../shared/accounts';
import { AuthError } from '../../shared/errors';
import type { ImportOptions, ImportOutcome, ImportPreview } from '../../shared/import-ipc';
import { applyPlan, planChangesSomething, planFromFile, type ImportTarget } from './streamlit-import';

/** How long a preview may wait for its "Import". */
export const PREVIEW_LIFETIME_MS = 10 * 60_000;

export interface ImportServiceOptions {
  target: ImportTarget;
  /** Asks the person for the file; null when they cancel. */
  chooseFile: () => Promise<string | null>;
  /** Whether the active account has the admin role (the engine's hasRole). */
  isAdmin: () => boolean;
  /** After an import: config.yaml changed, so the engine reads it again. */
  afterImport?: () => Promise<unknown>;
  now?: () => number;
}

interface Pending {
  id: string;
  file: string;
  withClientSecrets: boolean;
  expiresAt: number;
}

export class StreamlitImportService {
  private readonly options: ImportServiceOptions;
  private pending: Pending | null = null;

  constructor(options: ImportServiceOptions) {
    this.options = options;
  }

  async choose(options: ImportOptions = {}): Promise<ImportPreview | null> {
    this.requireAdmin();
    const file = await this.options.chooseFile();
    if (file === null) return null;
    const withClientSecrets = options.withClientSecrets === true;
    const plan = await planFromFile(this.options.target, file, { withClientSecrets });
    const id = randomUUID();
    this.pending = { id, file, withClientSecrets, expiresAt: this.now() + PREVIEW_LIFETIME_MS };
    return { id, fileName: basename(file), report: plan.report, accounts: plan.accounts.length, changes: planChangesSomething(plan), withClientSecrets };
  }

  async apply(previewId: string): Promise<ImportOutcome> {
    this.requireAdmin();
    const pending = this.pending;
    if (!pending || pending.id !== previewId || pending.expiresAt < this.now()) {
      throw new AuthError('invalid_argument', 'That import preview is no longer current.', { hint: 'Choose the file again.' });
    }
    this.pending = null;
    const plan = await planFromFile(this.options.target, pending.file, { withClientSecrets: pending.withClientSecrets });
    const imported = await applyPlan(this.options.target, plan);
    await this.options.afterImport?.();
    return { imported, report: plan.report };
  }

  private requireAdmin(): void {
    if (!this.options.isAdmin()) {
      throw new AuthError('forbidden', `Importing accounts needs the "${ADMIN_ROLE}" role.`, { hint: `An administrator adds it with: latchkey users roles NAME --add ${ADMIN_ROLE}` });
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
