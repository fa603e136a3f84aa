/**
 * The data folder: that it and its private sub-folders belong to this user and nobody else can change them,
 * with the same judgement and the same fixes as at every start (store/data-folder.ts). A folder that does not
 * exist yet is fine: Latchkey creates it privately on first start (doctor creates nothing).
 */
import { stat } from 'node:fs/promises';
import { isAuthError } from '../../shared/errors';
import { assertPrivateDataFolder } from '../store/data-folder';
import { errnoCode } from '../store/errno';
import type { Check, DiagnosticsContext } from './context';

export async function checkDataFolder(context: DiagnosticsContext): Promise<Check[]> {
  const base = { group: 'data_folder' as const, id: 'ownership', title: `Data folder ${context.dataDir}` };
  let mode: number;
  try {
    mode = (await stat(context.dataDir)).mode;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [{ ...base, status: 'ok', detail: 'does not exist yet: Latchkey creates it (private to you) on first start' }];
    return [{ ...base, status: 'problem', detail: `cannot be read (${errnoCode(error) ?? 'unknown error'})`, fix: 'Check the permissions of the folder and the folders above it.' }];
  }
  if (context.platform === 'win32') return [{ ...base, status: 'skipped', detail: 'ownership and modes are checked on macOS and Linux (Windows folders carry ACLs)' }];
  try {
    await assertPrivateDataFolder(context.configPath, { platform: context.platform });
  } catch (error) {
    if (isAuthError(error, 'data_folder_unsafe')) return [{ ...base, status: 'problem', detail: error.message, ...(error.hint ? { fix: error.hint } : {}) }];
    return [{ ...base, status: 'problem', detail: `could not be checked (${errnoCode(error) ?? (error instanceof Error ? error.name : 'unknown error')})` }];
  }
  return [{ ...base, status: 'ok', detail: `yours and private (mode ${(mode & 0o777).toString(8).padStart(4, '0')}), and so are config.yaml and the folders in it` }];
}
