/**
 * The one IPC contract between the renderer and the main process. Main (router), preload (API factory) and
 * renderer all take their types from here, so a channel cannot drift between the three.
 *
 * Renderer -> main is `invoke` only; main -> renderer is named events. Every handler answers an envelope,
 * because errors thrown through `ipcMain.handle` lose everything but their message.
 */
import { ACCOUNTS_CHANNELS, type AccountsApi, type AccountsIpcContract } from './accounts-ipc';
import { DIAGNOSTICS_CHANNELS, type DiagnosticsApi, type DiagnosticsIpcContract } from './diagnostics-ipc';
import { IMPORT_CHANNELS, type ImportApi, type ImportIpcContract } from './import-ipc';
import type { ApiRequest, ApiResponse, ApiSummary } from './api';
import type { ErrorInfo } from './errors';
import type {
  AccountSummary,
  AuthEvent,
  ProviderSummary,
  SessionState,
  SignInOptions,
  SignOutOptions,
  SignOutResult,
} from './session';

/** Every invoke channel: its arguments and its result. */
export interface IpcContract extends AccountsIpcContract, DiagnosticsIpcContract, ImportIpcContract {
  'session:get': { args: []; result: SessionState };
  /** Reads config.yaml and the keychain again (after the person fixed the file, or unlocked the keyring). */
  'session:reload': { args: []; result: SessionState };
  /** Opens the passphrase store (phase `passphrase_required`) with the passphrase; answers the state after. */
  'session:unlock': { args: [passphrase: string]; result: SessionState };
  'providers:list': { args: []; result: ProviderSummary[] };
  /** Resolves when the browser sign-in is done (signed in and persisted), cancelled or failed. */
  'session:sign-in': { args: [provider: string, options?: SignInOptions]; result: AccountSummary };
  /** Resolves when the sign-in on another device (RFC 8628) is done; the code to enter arrives in the state. */
  'session:sign-in-device': { args: [provider: string]; result: AccountSummary };
  'session:cancel-sign-in': { args: []; result: null };
  'session:reopen-browser': { args: []; result: null };
  'session:switch-account': { args: [accountKey: string]; result: null };
  'session:refresh': { args: [accountKey?: string]; result: AccountSummary };
  'session:sign-out': { args: [options?: SignOutOptions]; result: SignOutResult };
  'session:open-end-session': { args: [accountKey: string]; result: null };
  'events:recent': { args: [limit?: number]; result: AuthEvent[] };
  /** The APIs configured under `apis:` in config.yaml. */
  'apis:list': { args: []; result: ApiSummary[] };
  /** A request to a configured API, made by the main process with the session's token (never sent here). */
  'api:request': { args: [api: string, request: ApiRequest]; result: ApiResponse };
}

export type IpcChannel = keyof IpcContract;
export type IpcArgs<C extends IpcChannel> = IpcContract[C]['args'];
export type IpcValue<C extends IpcChannel> = IpcContract[C]['result'];

export const IPC_CHANNELS = [
  'session:get',
  'session:reload',
  'session:unlock',
  'providers:list',
  'session:sign-in',
  'session:sign-in-device',
  'session:cancel-sign-in',
  'session:reopen-browser',
  'session:switch-account',
  'session:refresh',
  'session:sign-out',
  'session:open-end-session',
  'events:recent',
  ...ACCOUNTS_CHANNELS,
  ...DIAGNOSTICS_CHANNELS,
  ...IMPORT_CHANNELS,
  'apis:list',
  'api:request',
] as const satisfies readonly IpcChannel[];

/** What every handler answers. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** Main -> renderer events and their payloads. */
export interface IpcEvents {
  'session:changed': SessionState;
}
export type IpcEventName = keyof IpcEvents;
export const IPC_EVENTS = ['session:changed'] as const satisfies readonly IpcEventName[];

/**
 * What the preload script needs from Electron, and nothing more. `api.ts` builds the renderer API on top of
 * this, so the same API runs over `ipcRenderer` in Electron and over a Playwright binding in tests.
 */
export interface IpcTransport {
  invoke<C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<IpcResult<IpcValue<C>>>;
  on<E extends IpcEventName>(event: E, listener: (payload: IpcEvents[E]) => void): () => void;
}

/** The API the renderer sees as `window.latchkey`. Methods resolve with values or reject with AuthError. */
export interface LatchkeyApi {
  /** "Check this computer": the same checks as `latchkey doctor`, answered as a redacted report. */
  diagnostics: DiagnosticsApi;
  /** "Import from Streamlit-Authenticator" (admin panel): main asks for the file, previews, then imports. */
  importer: ImportApi;
  session: {
    get(): Promise<SessionState>;
    /** Reads config.yaml and the keychain again; resolves with the new state. */
    reload(): Promise<SessionState>;
    /** Opens (or first creates) the passphrase store; rejects with passphrase_wrong or weak_password. */
    unlock(passphrase: string): Promise<SessionState>;
    /** `loginHint`: renewing a known account (its e-mail), sent as `login_hint` where the provider supports it. */
    signIn(provider: string, options?: SignInOptions): Promise<AccountSummary>;
    /** Sign-in on another device: the code and the page to enter it on appear as `deviceSignIn` in the state. */
    signInWithDevice(provider: string): Promise<AccountSummary>;
    cancelSignIn(): Promise<void>;
    reopenBrowser(): Promise<void>;
    switchAccount(accountKey: string): Promise<void>;
    refresh(accountKey?: string): Promise<AccountSummary>;
    signOut(options?: SignOutOptions): Promise<SignOutResult>;
    openEndSession(accountKey: string): Promise<void>;
    /** Subscribes to state changes; returns the unsubscribe function. */
    onChange(listener: (state: SessionState) => void): () => void;
  };
  providers: { list(): Promise<ProviderSummary[]> };
  events: { recent(limit?: number): Promise<AuthEvent[]> };
  /** Who may sign in, roles and local accounts (src/shared/accounts-ipc.ts). */
  accounts: AccountsApi;
  /** Protected APIs, called by the main process with the session: the renderer asks for data, never for a token. */
  api: {
    list(): Promise<ApiSummary[]>;
    request(api: string, request: ApiRequest): Promise<ApiResponse>;
  };
}
