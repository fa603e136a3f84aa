/**
 * Builds the renderer's `window.latchkey` API on top of an IPC transport. Pure (no electron, no node):
 * the preload script runs it over `ipcRenderer`, the renderer tests over a Playwright binding.
 *
 * Its one piece of logic is the envelope: the main process answers `{ ok, value | error }`, and here that
 * becomes a resolved value or a rejection with an AuthError carrying the code, so the renderer can switch
 * on `error.code` instead of parsing text.
 *
 * Optionally (development builds: see index.ts) every answer's value is checked against the contract
 * before the renderer sees it; one that does not fit becomes an `internal` rejection naming the channel and
 * the first mismatch, rather than a crash wherever the renderer first touches the bad field.
 */
import { AUTH_ERROR_CODES, AuthError, type AuthErrorCode, type ErrorInfo } from '../shared/errors';
import type { IpcArgs, IpcChannel, IpcEventName, IpcResult, IpcTransport, IpcValue, LatchkeyApi } from '../shared/ipc';
import { createAccountsApi, guardAccountsApi } from './accounts-api';

/** Checks of answers and events against the contract: each returns what is wrong, or null. */
export interface AnswerChecks {
  answer(channel: IpcChannel, value: unknown): string | null;
  event(event: IpcEventName, payload: unknown): string | null;
}

export interface LatchkeyApiOptions {
  /** When given, answers that do not fit the contract are refused (see `src/shared/ipc-answers.ts`). */
  checks?: AnswerChecks;
}

/**
 * What a rejection looks like once it has crossed Electron's contextBridge. Error objects lose every own
 * property but `message` on the way (and their prototype), so the bridged API rejects with this plain
 * object instead: `name`, `code`, `message`, and `hint` / `location` when present.
 */
export interface BridgedRejection extends ErrorInfo {
  name: 'AuthError';
}

function isAuthErrorCode(value: unknown): value is AuthErrorCode {
  return typeof value === 'string' && (AUTH_ERROR_CODES as readonly string[]).includes(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Rebuilds an AuthError from the ErrorInfo of an envelope, trusting none of its fields blindly. */
export function authErrorFromInfo(info: unknown): AuthError {
  if (!isRecord(info)) return new AuthError('internal', 'The main process answered with a malformed error.');
  const code = isAuthErrorCode(info.code) ? info.code : 'internal';
  const message = typeof info.message === 'string' ? info.message : 'Unknown error.';
  const options: { hint?: string; location?: ErrorInfo['location']; retryAt?: string } = {};
  if (typeof info.hint === 'string') options.hint = info.hint;
  if (typeof info.retryAt === 'string') options.retryAt = info.retryAt;
  const location = info.location;
  if (isRecord(location) && typeof location.file === 'string') {
    const loc: NonNullable<ErrorInfo['location']> = { file: location.file };
    if (typeof location.line === 'number') loc.line = location.line;
    if (typeof location.column === 'number') loc.column = location.column;
    options.location = loc;
  }
  return new AuthError(code, message, options);
}

/** Resolves an envelope to its value, or throws the AuthError it carries. */
export function unwrap<T>(result: IpcResult<T>): T {
  if (isRecord(result) && result.ok === true && 'value' in result) return result.value;
  if (isRecord(result) && result.ok === false) throw authErrorFromInfo(result.error);
  throw new AuthError('internal', 'The main process answered with something that is not an IPC envelope.');
}

async function invoke<C extends IpcChannel>(
  transport: IpcTransport,
  checks: AnswerChecks | undefined,
  channel: C,
  ...args: IpcArgs<C>
): Promise<IpcValue<C>> {
  let result: IpcResult<IpcValue<C>>;
  try {
    result = await transport.invoke(channel, ...args);
  } catch (error) {
    // The transport itself failed (no handler, window closing): not an answer from the engine.
    throw new AuthError('internal', `The main process did not answer ${channel}.`, { cause: error });
  }
  const value = unwrap(result);
  const problem = checks?.answer(channel, value) ?? null;
  if (problem !== null) {
    throw new AuthError('internal', `The main process answered ${channel} with something that does not fit the contract (${problem}).`);
  }
  return value;
}

export function createLatchkeyApi(transport: IpcTransport, options: LatchkeyApiOptions = {}): LatchkeyApi {
  const { checks } = options;
  const call = <C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<IpcValue<C>> => invoke(transport, checks, channel, ...args);
  return {
    session: {
      get: () => call('session:get'),
      reload: () => call('session:reload'),
      unlock: (passphrase) => call('session:unlock', passphrase),
      signIn: (provider, options) => (options === undefined ? call('session:sign-in', provider) : call('session:sign-in', provider, options)),
      signInWithDevice: (provider) => call('session:sign-in-device', provider),
      cancelSignIn: async () => {
        await call('session:cancel-sign-in');
      },
      reopenBrowser: async () => {
        await call('session:reopen-browser');
      },
      switchAccount: async (accountKey) => {
        await call('session:switch-account', accountKey);
      },
      // Optional arguments are left out rather than sent as `undefined`, so the argument count is honest.
      refresh: (accountKey) =>
        accountKey === undefined ? call('session:refresh') : call('session:refresh', accountKey),
      signOut: (options) =>
        options === undefined ? call('session:sign-out') : call('session:sign-out', options),
      openEndSession: async (accountKey) => {
        await call('session:open-end-session', accountKey);
      },
      onChange: (listener) => {
        let subscribed = true;
        const unsubscribe = transport.on('session:changed', (state) => {
          if (!subscribed) return;
          const problem = checks?.event('session:changed', state) ?? null;
          if (problem !== null) {
            // An event has no caller to reject; the window keeps the state it has and asks again on reload.
            console.error(`latchkey: ignored a session:changed event that does not fit the contract (${problem})`);
            return;
          }
          listener(state);
        });
        return () => {
          if (!subscribed) return;
          subscribed = false;
          unsubscribe();
        };
      },
    },
    accounts: createAccountsApi(call),
    providers: {
      list: () => call('providers:list'),
    },
    events: {
      recent: (limit) => (limit === undefined ? call('events:recent') : call('events:recent', limit)),
    },
    api: {
      list: () => call('apis:list'),
      request: (api, request) => call('api:request', api, request),
    },
    diagnostics: {
      run: () => call('diagnostics:run'),
    },
    importer: {
      choose: (options) => (options === undefined ? call('admin:import-choose') : call('admin:import-choose', options)),
      apply: (previewId) => call('admin:import-apply', previewId),
    },
  };
}

/** The plain-object form of any rejection, for crossing the contextBridge (see BridgedRejection). */
export function toBridgedRejection(error: unknown): BridgedRejection {
  const info = error instanceof AuthError ? error.toInfo() : authErrorFromInfo(error).toInfo();
  return { name: 'AuthError', ...info };
}

/**
 * Wraps every method of the API so that its rejections are BridgedRejection objects. The preload script
 * exposes this version; values and the `onChange` unsubscribe function pass through unchanged.
 */
export function withBridgeSafeErrors(api: LatchkeyApi): LatchkeyApi {
  const guard =
    <A extends unknown[], R>(method: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await method(...args);
      } catch (error) {
        // Deliberately a plain object, not an Error: only a plain object keeps `code` across the bridge.
        throw toBridgedRejection(error);
      }
    };
  return {
    session: {
      get: guard(api.session.get),
      reload: guard(api.session.reload),
      unlock: guard(api.session.unlock),
      signIn: guard(api.session.signIn),
      signInWithDevice: guard(api.session.signInWithDevice),
      cancelSignIn: guard(api.session.cancelSignIn),
      reopenBrowser: guard(api.session.reopenBrowser),
      switchAccount: guard(api.session.switchAccount),
      refresh: guard(api.session.refresh),
      signOut: guard(api.session.signOut),
      openEndSession: guard(api.session.openEndSession),
      onChange: api.session.onChange,
    },
    accounts: guardAccountsApi(api.accounts, guard),
    providers: { list: guard(api.providers.list) },
    events: { recent: guard(api.events.recent) },
    api: { list: guard(api.api.list), request: guard(api.api.request) },
    diagnostics: { run: guard(api.diagnostics.run) },
    importer: { choose: guard(api.importer.choose), apply: guard(api.importer.apply) },
  };
}
