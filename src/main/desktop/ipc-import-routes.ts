/**
 * The routes of the import channels (src/shared/import-ipc.ts), part of the router's one table
 * (ipc-router.ts). The import is not the engine's: the desktop entry gives the router an import service
 * (import/import-service.ts, with the system's open dialog), which checks the admin role itself.
 */
import { z } from 'zod';
import { AuthError } from '../../shared/errors';
import type { ImportChannel } from '../../shared/import-ipc';
import type { RouteDefinition, RouteServices } from './ipc-router';
import { isPlainObject } from './ipc-validation';

const importOptionsSchema = z
  .custom<Record<string, unknown>>(isPlainObject, { message: 'must be a plain object' })
  .pipe(z.strictObject({ withClientSecrets: z.boolean().optional() }));
/** The service's ids: crypto.randomUUID(), lower-case version 4. */
const previewIdSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'must be an import preview id');

function importer(services: RouteServices): NonNullable<RouteServices['importer']> {
  if (!services.importer) throw new AuthError('internal', 'Importing accounts is not available here.');
  return services.importer;
}

export const IMPORT_ROUTES: { [C in ImportChannel]: RouteDefinition<C> } = {
  'admin:import-choose': {
    names: ['options'],
    required: 0,
    args: z.tuple([importOptionsSchema.optional()]),
    run: (_engine, [options], services) => importer(services).choose(options?.withClientSecrets === undefined ? {} : { withClientSecrets: options.withClientSecrets }),
  },
  'admin:import-apply': {
    names: ['previewId'],
    required: 1,
    args: z.tuple([previewIdSchema]),
    run: (_engine, [previewId], services) => importer(services).apply(previewId),
  },
};
