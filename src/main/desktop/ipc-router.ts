/**
 * The IPC router: the one place where renderer requests meet the session engine.
 *
 * Pure (no electron): `ipc.ts` feeds it from `ipcMain.handle`, the renderer tests feed it from a Playwright
 * binding, so both run exactly this validation. Its job is narrow — check every argument, call the engine,
 * and answer an envelope — because errors thrown through `ipcMain.handle` arrive in the renderer as a bare
 * message string, and a string cannot be switched on.
 */
import { z } from 'zod';
import { IPC_CHANNELS, type IpcArgs, type IpcChannel, type IpcResult, type IpcValue } from '../../shared/ipc';
import type { DiagnosticsReport } from '../../shared/diagnostics';
import type { SessionEngine } from '../../shared/session';
import { apiNameSchema, apiRequestSchema, cleanApiRequest } from '../auth/api-request';
import { ACCOUNT_ROUTES } from './ipc-account-routes';
import type { StreamlitImportService } from '../import/import-service';
import { DIAGNOSTICS_ROUTES } from './ipc-diagnostics-routes';
import { IMPORT_ROUTES } from './ipc-import-routes';
import { failureEnvelope, invalidArgumentEnvelope } from './ipc-errors';
import {
  accountKeySchema,
  describeArgumentIssue,
  eventLimitSchema,
  passphraseSchema,
  providerNameSchema,
  signInOptionsSchema,
  signOutOptionsSchema,
} from './ipc-validation';

export interface IpcRouter {
  /** Validates and dispatches one invoke. Never throws: answers the envelope. */
  handle(channel: unknown, args: unknown[]): Promise<IpcResult<unknown>>;
}

export interface IpcRouterOptions {
  /** Where unexpected failures are described (redacted). Default: nowhere. */
  log?: (line: string) => void;
  /** Runs the checks of this computer (`diagnostics:run`); the desktop entry gives it. */
  diagnostics?: () => Promise<DiagnosticsReport>;
  /** The admin panel's Streamlit-Authenticator import (`admin:import-*`); the desktop entry gives it. */
  importer?: ImportService;
}

/** What routes may use besides the engine. */
export interface RouteServices {
  diagnostics?: () => Promise<DiagnosticsReport>;
  importer?: ImportService;
}

/** The import as routes use it (import/import-service.ts). */
export type ImportService = Pick<StreamlitImportService, 'choose' | 'apply'>;

/** How one channel is served: the argument list it accepts and what it asks of the engine. */
export interface RouteDefinition<C extends IpcChannel> {
  /** Names of the arguments, for messages (`session:sign-in: provider ...`). */
  names: readonly string[];
  /** How many leading arguments are required; the rest are optional. */
  required: number;
  /** The whole argument list: a tuple, so a missing or extra argument fails like a wrong one. */
  args: z.ZodType<IpcArgs<C>>;
  run(engine: SessionEngine, args: IpcArgs<C>, services: RouteServices): IpcValue<C> | Promise<IpcValue<C>>;
}

type RouteTable = { [C in IpcChannel]: RouteDefinition<C> };

/** Every channel of the contract. The mapped type makes a forgotten channel a compile error. */
const ROUTES: RouteTable = {
  ...ACCOUNT_ROUTES,
  ...DIAGNOSTICS_ROUTES,
  ...IMPORT_ROUTES,
  'session:get': {
    names: [],
    required: 0,
    args: z.tuple([]),
    run: (engine) => engine.getState(),
  },
  'providers:list': {
    names: [],
    required: 0,
    args: z.tuple([]),
    run: (engine) => engine.listProviders(),
  },
  'session:sign-in': {
    names: ['provider', 'options'],
    required: 1,
    args: z.tuple([providerNameSchema, signInOptionsSchema.optional()]),
    // Rebuilt rather than passed on: only the fields that were given.
    run: (engine, [provider, options]) => (options?.loginHint === undefined ? engine.signIn(provider) : engine.signIn(provider, { loginHint: options.loginHint })),
  },
  'session:sign-in-device': {
    names: ['provider'],
    required: 1,
    args: z.tuple([providerNameSchema]),
    run: (engine, [provider]) => engine.signInWithDevice(provider),
  },
  'session:reload': {
    names: [],
    required: 0,
    args: z.tuple([]),
    run: (engine) => engine.reload(),
  },
  'session:unlock': {
    names: ['passphrase'],
    required: 1,
    args: z.tuple([passphraseSchema]),
    run: (engine, [passphrase]) => engine.unlock(passphrase),
  },
  'session:cancel-sign-in': {
    names: [],
    required: 0,
    args: z.tuple([]),
    run: (engine) => {
      engine.cancelSignIn();
      return null;
    },
  },
  'session:reopen-browser': {
    names: [],
    required: 0,
    args: z.tuple([]),
    run: async (engine) => {
      await engine.reopenBrowser();
      return null;
    },
  },
  'session:switch-account': {
    names: ['accountKey'],
    required: 1,
    args: z.tuple([accountKeySchema]),
    run: async (engine, [accountKey]) => {
      await engine.switchAccount(accountKey);
      return null;
    },
  },
  'session:refresh': {
    names: ['accountKey'],
    required: 0,
    args: z.tuple([accountKeySchema.optional()]),
    run: (engine, [accountKey]) => (accountKey === undefined ? engine.refreshNow() : engine.refreshNow(accountKey)),
  },
  'session:sign-out': {
    names: ['options'],
    required: 0,
    args: z.tuple([signOutOptionsSchema.optional()]),
    run: (engine, [options]) => {
      if (options === undefined) return engine.signOut();
      // Rebuild rather than pass the parsed object on: only the fields that were given, nothing else.
      const clean: { accountKey?: string; forget?: boolean } = {};
      if (options.accountKey !== undefined) clean.accountKey = options.accountKey;
      if (options.forget !== undefined) clean.forget = options.forget;
      return engine.signOut(clean);
    },
  },
  'session:open-end-session': {
    names: ['accountKey'],
    required: 1,
    args: z.tuple([accountKeySchema]),
    run: async (engine, [accountKey]) => {
      await engine.openEndSession(accountKey);
      return null;
    },
  },
  'events:recent': {
    names: ['limit'],
    required: 0,
    args: z.tuple([eventLimitSchema.optional()]),
    run: (engine, [limit]) => (limit === undefined ? engine.recentEvents() : engine.recentEvents(limit)),
  },
  'apis:list': {
    names: [],
    required: 0,
    args: z.tuple([]),
    run: (engine) => engine.listApis(),
  },
  'api:request': {
    names: ['api', 'request'],
    required: 2,
    // The request is rebuilt from its validated fields only (the engine checks it again for its other callers).
    args: z.tuple([apiNameSchema, apiRequestSchema.transform(cleanApiRequest)]),
    run: (engine, [api, request]) => engine.fetchApi(api, request),
  },
};

/** A route with its channel's types erased, so routes can share one lookup table. */
interface Route {
  names: readonly string[];
  required: number;
  parse(args: unknown[]): { ok: true; call: (engine: SessionEngine, services: RouteServices) => Promise<unknown> } | { ok: false; issue: z.core.$ZodIssue | undefined };
}

function eraseRoute<C extends IpcChannel>(definition: RouteDefinition<C>): Route {
  return {
    names: definition.names,
    required: definition.required,
    parse(args) {
      const parsed = definition.args.safeParse(args);
      if (!parsed.success) return { ok: false, issue: parsed.error.issues[0] };
      const valid = parsed.data;
      return { ok: true, call: async (engine, services) => definition.run(engine, valid, services) };
    },
  };
}

function buildRoutes(table: RouteTable): ReadonlyMap<string, Route> {
  const routes = new Map<string, Route>();
  const add = <C extends IpcChannel>(channel: C): void => {
    routes.set(channel, eraseRoute<C>(table[channel]));
  };
  for (const channel of IPC_CHANNELS) add(channel);
  return routes;
}

/**
 * Engine results become plain JSON data: no class instances, no getters, no `undefined` holes, and no
 * reference into the engine's own state that a caller could mutate.
 */
function toPlainJson(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/** Quotes a channel name in a message only if it looks like one; anything else is not repeated. */
function describeChannel(channel: unknown): string {
  if (typeof channel === 'string' && /^[a-z][a-z0-9:-]{0,63}$/.test(channel)) return `"${channel}"`;
  return typeof channel === 'string' ? 'a malformed channel name' : `a channel of type ${channel === null ? 'null' : typeof channel}`;
}

export function createIpcRouter(engine: SessionEngine, options: IpcRouterOptions = {}): IpcRouter {
  const log = options.log ?? (() => undefined);
  const routes = buildRoutes(ROUTES);
  const services: RouteServices = {
    ...(options.diagnostics ? { diagnostics: options.diagnostics } : {}),
    ...(options.importer ? { importer: options.importer } : {}),
  };

  return {
    async handle(channel, args) {
      // A Map lookup, not `ROUTES[channel]`: `__proto__`, `constructor` and friends must not resolve.
      const route = typeof channel === 'string' ? routes.get(channel) : undefined;
      if (route === undefined) return invalidArgumentEnvelope(`Unknown IPC channel ${describeChannel(channel)}`);
      const name = channel as string;
      if (!Array.isArray(args)) return invalidArgumentEnvelope(`${name}: arguments must be a list`);

      const parsed = route.parse(args);
      if (!parsed.ok) {
        return invalidArgumentEnvelope(
          describeArgumentIssue(name, route.names, route.required, args.length, parsed.issue),
        );
      }
      try {
        const value = await parsed.call(engine, services);
        return { ok: true, value: toPlainJson(value) };
      } catch (error) {
        return failureEnvelope(name, error, log);
      }
    },
  };
}
