/**
 * Answer schemas of the import channels, for the development builds' check of every IPC answer
 * (ipc-answers.ts). Loose objects like the rest: a new optional field needs no change here.
 */
import { z } from 'zod';
import type { ImportChannel, ImportOutcome, ImportPreview } from './import-ipc';
import type { IpcValue } from './ipc';

export function importAnswerSchemas(): { [C in ImportChannel]: z.ZodType<IpcValue<C>> } {
  const preview: z.ZodType<ImportPreview> = z.looseObject({
    id: z.string(),
    fileName: z.string(),
    report: z.array(z.string()),
    accounts: z.number().int().nonnegative(),
    changes: z.boolean(),
    withClientSecrets: z.boolean(),
  });
  const outcome: z.ZodType<ImportOutcome> = z.looseObject({ imported: z.number().int().nonnegative(), report: z.array(z.string()) });
  return { 'admin:import-choose': preview.nullable(), 'admin:import-apply': outcome };
}
