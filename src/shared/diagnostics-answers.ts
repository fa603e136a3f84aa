/**
 * Answer schema of the diagnostics channel, for the development builds' check of every IPC answer
 * (ipc-answers.ts). Loose objects like the rest: a new optional field needs no change here.
 */
import { z } from 'zod';
import { DIAGNOSTIC_GROUPS, DIAGNOSTIC_STATUSES, type DiagnosticsReport } from './diagnostics';
import type { DiagnosticsChannel } from './diagnostics-ipc';
import type { IpcValue } from './ipc';

export function diagnosticsAnswerSchemas(): { [C in DiagnosticsChannel]: z.ZodType<IpcValue<C>> } {
  const check = z.looseObject({
    group: z.enum(DIAGNOSTIC_GROUPS),
    id: z.string(),
    title: z.string(),
    status: z.enum(DIAGNOSTIC_STATUSES),
    detail: z.string(),
    fix: z.string().optional(),
  });
  const report: z.ZodType<DiagnosticsReport> = z.looseObject({
    version: z.literal(1),
    createdAt: z.string(),
    platform: z.string(),
    configPath: z.string(),
    checks: z.array(check),
    summary: z.looseObject({ ok: z.number(), problem: z.number(), warning: z.number(), skipped: z.number() }),
  });
  return { 'diagnostics:run': report };
}
