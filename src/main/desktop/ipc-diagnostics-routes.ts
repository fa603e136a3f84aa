/**
 * The route of the diagnostics channel (src/shared/diagnostics-ipc.ts), part of the router's one table
 * (ipc-router.ts). The checks are not the engine's: the desktop entry gives the router a runner (the same
 * checks as `latchkey doctor`, over the app's network stack), and a router without one says so.
 */
import { z } from 'zod';
import type { DiagnosticsChannel } from '../../shared/diagnostics-ipc';
import { AuthError } from '../../shared/errors';
import type { RouteDefinition } from './ipc-router';

export const DIAGNOSTICS_ROUTES: { [C in DiagnosticsChannel]: RouteDefinition<C> } = {
  'diagnostics:run': {
    names: [],
    required: 0,
    args: z.tuple([]),
    run: (_engine, _args, services) => {
      if (!services.diagnostics) throw new AuthError('internal', 'The checks of this computer are not available here.');
      return services.diagnostics();
    },
  },
};
