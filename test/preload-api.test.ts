/**
 * The preload API over a transport that calls the real IPC router directly (what `ipcRenderer.invoke` ->
 * `ipcMain.handle` does in the app, minus Electron): values unwrap, failures reject with their code, and
 * state-change subscriptions can be ended.
 */
import { describe, expect, it } from 'vitest';
import type { ApiRequest, ApiResponse, ApiSummary } from '../src/shared/api';
import type { DetailsUpdate, LocalAccountsInfo, LocalSignInRequest, PasswordChangeRequest, RegistrationRequest, TotpActivation, TotpEnrollment, UserSummary } from '../src/shared/accounts';
import { AuthError, isAuthError } from '../src/shared/errors';
import type { IpcEventName, IpcEvents, IpcResult, IpcTransport } from '../src/shared/ipc';
import type {
  AccountSummary,
  AuthEvent,
  ProviderSummary,
  SessionEngine,
  SessionState,
  SignOutOptions,
  SignOutResult,
} from '../src/shared/session';
import { createIpcRouter } from '../src/main/desktop/ipc-router';
import { createLatchkeyApi, toBridgedRejection, withBridgeSafeErrors } from '../src/preload/api';

const ALICE: AccountSummary = {
  key: 'demo-alice',
  provider: 'demo',
  providerLabel: 'Demo',
  subject: 'alice',
  name: 'Alice Example',
  roles: ['viewer'],
  signedIn: true,
  connectivity: 'online',
  stale: false,
};

function stateWith(accounts: AccountSummary[]): SessionState {
  return {
    phase: 'ready',
    accounts,
    activeAccountKey: accounts[0]?.key ?? null,
    signIn: null,
    configPath: '/tmp/latchkey/config.yaml',
  };
}

/** A tiny in-memory engine: enough state to show values and events travelling through the API. */
class MemoryEngine implements SessionEngine {
  state = stateWith([]);
  readonly received: unknown[][] = [];
  private listeners = new Set<(state: SessionState) => void>();

  private emit(): void {
    for (const listener of this.listeners) listener(this.state);
  }
  getState(): SessionState {
    return this.state;
  }
  async reload(): Promise<SessionState> {
    this.received.push(['reload']);
    return this.state;
  }
  async unlock(passphrase: string): Promise<SessionState> {
    this.received.push(['unlock', passphrase]);
    return this.state;
  }
  listProviders(): ProviderSummary[] {
    return [{ name: 'demo', label: 'Demo', embedded: true, mark: 'demo' }];
  }
  async signIn(provider: string): Promise<AccountSummary> {
    this.received.push(['signIn', provider]);
    if (provider === 'refuser') {
      throw new AuthError('access_denied', 'You declined the sign-in.', { hint: 'Try again and allow access.' });
    }
    if (provider === 'broken') throw new Error('socket hang up while sending refresh_token=abc123');
    this.state = stateWith([ALICE]);
    this.emit();
    return ALICE;
  }
  async signInWithDevice(provider: string): Promise<AccountSummary> {
    this.received.push(['signInWithDevice', provider]);
    this.state = stateWith([ALICE]);
    this.emit();
    return ALICE;
  }
  cancelSignIn(): void {
    this.received.push(['cancelSignIn']);
  }
  async switchAccount(accountKey: string): Promise<void> {
    this.received.push(['switchAccount', accountKey]);
    throw new AuthError('unknown_account', 'No account with that key.');
  }
  async refreshNow(...args: [accountKey?: string]): Promise<AccountSummary> {
    this.received.push(['refreshNow', ...args]);
    return ALICE;
  }
  async signOut(...args: [options?: SignOutOptions]): Promise<SignOutResult> {
    this.received.push(['signOut', ...args]);
    this.state = stateWith([{ ...ALICE, signedIn: false }]);
    this.emit();
    return { accountKey: ALICE.key, revoked: true, revocation: 'revoked', endSessionAvailable: true };
  }
  async reopenBrowser(): Promise<void> {
    this.received.push(['reopenBrowser']);
  }
  async openEndSession(accountKey: string): Promise<void> {
    this.received.push(['openEndSession', accountKey]);
  }
  async recentEvents(...args: [limit?: number]): Promise<AuthEvent[]> {
    this.received.push(['recentEvents', ...args]);
    return [{ at: '2026-01-01T00:00:00.000Z', kind: 'sign_in', accountKey: ALICE.key, outcome: 'ok' }];
  }
  listApis(): ApiSummary[] {
    return [{ name: 'demo', label: 'Demo API', provider: 'demo', baseUrl: 'http://127.0.0.1:4600/api', dashboard: 'demo-projects' }];
  }
  async fetchApi(api: string, request: ApiRequest): Promise<ApiResponse> {
    this.received.push(['fetchApi', api, request]);
    if (api === 'missing') throw new AuthError('unknown_api', 'No API named "missing" is configured.');
    return { status: 200, headers: {}, bodyType: 'json', body: { path: request.path }, accountKey: ALICE.key, dpop: false };
  }
  hasRole(...args: [role: string, accountKey?: string]): boolean {
    this.received.push(['hasRole', ...args]);
    return args[0] === 'viewer';
  }
  listUsers(): UserSummary[] {
    this.received.push(['listUsers']);
    throw new AuthError('forbidden', 'Listing accounts needs the "admin" role.');
  }
  localAccountsInfo(): LocalAccountsInfo | null {
    return { provider: 'team', label: 'Team', registration: false, passwordRules: ['At least 8 characters'], minLength: 8 };
  }
  async signInLocal(request: LocalSignInRequest): Promise<AccountSummary> {
    this.received.push(['signInLocal', request.identifier]);
    throw new AuthError('locked_out', 'Too many wrong passwords.', { retryAt: '2030-01-01T00:15:00.000Z', hint: 'Wait.' });
  }
  async register(request: RegistrationRequest): Promise<AccountSummary> {
    this.received.push(['register', request.username]);
    return ALICE;
  }
  async changePassword(request: PasswordChangeRequest): Promise<void> {
    this.received.push(['changePassword', request.accountKey]);
  }
  async updateDetails(update: DetailsUpdate): Promise<AccountSummary> {
    this.received.push(['updateDetails', update.accountKey]);
    return ALICE;
  }
  beginTotp(...args: [accountKey?: string]): TotpEnrollment {
    this.received.push(['beginTotp', ...args]);
    return { qrSvg: '<svg xmlns="http://www.w3.org/2000/svg"/>', label: 'Latchkey:ada', expiresAt: '2030-01-01T00:10:00.000Z' };
  }
  async confirmTotp(...args: [code: string, accountKey?: string]): Promise<TotpActivation> {
    this.received.push(['confirmTotp', ...args]);
    return { recoveryCodes: ['AAAAA-BBBBB'] };
  }
  async disableTotp(...args: [password: string, accountKey?: string]): Promise<void> {
    this.received.push(['disableTotp', args.length]);
  }
  onStateChange(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * A transport like the preload's: invoke goes to the router with structured-cloned arguments (as IPC
 * copies them), events come from the engine's state changes.
 */
function directTransport(engine: SessionEngine): IpcTransport & { sentArgs: unknown[][] } {
  const router = createIpcRouter(engine);
  const sentArgs: unknown[][] = [];
  return {
    sentArgs,
    invoke: async (channel, ...args) => {
      sentArgs.push(args);
      const answer = await router.handle(channel, structuredClone(args));
      return structuredClone(answer) as IpcResult<never>;
    },
    on<E extends IpcEventName>(event: E, listener: (payload: IpcEvents[E]) => void): () => void {
      if (event !== 'session:changed') return () => undefined;
      return engine.onStateChange((state) => listener(structuredClone(state) as IpcEvents[E]));
    },
  };
}

function setup() {
  const engine = new MemoryEngine();
  const transport = directTransport(engine);
  return { engine, transport, api: createLatchkeyApi(transport) };
}

describe('preload API over the router', () => {
  it('unwraps values', async () => {
    const { api, engine } = setup();
    expect(await api.session.get()).toEqual(stateWith([]));
    expect(await api.providers.list()).toEqual([{ name: 'demo', label: 'Demo', embedded: true, mark: 'demo' }]);
    expect(await api.session.signIn('demo')).toEqual(ALICE);
    expect(await api.session.refresh()).toEqual(ALICE);
    expect(await api.session.refresh('demo-alice')).toEqual(ALICE);
    expect(await api.events.recent(5)).toHaveLength(1);
    expect(await api.events.recent()).toHaveLength(1);
    expect(await api.session.signOut({ forget: true })).toEqual({
      accountKey: ALICE.key,
      revoked: true,
      revocation: 'revoked',
      endSessionAvailable: true,
    });
    expect(await api.session.cancelSignIn()).toBeUndefined();
    expect(await api.session.reopenBrowser()).toBeUndefined();
    expect(await api.session.openEndSession('demo-alice')).toBeUndefined();
    expect(engine.received).toEqual([
      ['signIn', 'demo'],
      ['refreshNow'],
      ['refreshNow', 'demo-alice'],
      ['recentEvents', 5],
      ['recentEvents'],
      ['signOut', { forget: true }],
      ['cancelSignIn'],
      ['reopenBrowser'],
      ['openEndSession', 'demo-alice'],
    ]);
  });

  it('leaves optional arguments out instead of sending undefined', async () => {
    const { api, transport } = setup();
    await api.session.refresh();
    await api.session.signOut();
    await api.events.recent();
    expect(transport.sentArgs).toEqual([[], [], []]);
  });

  it('rejects with an AuthError carrying code, message and hint', async () => {
    const { api } = setup();
    const error = await api.session.signIn('refuser').catch((e: unknown) => e);
    expect(isAuthError(error, 'access_denied')).toBe(true);
    expect(error).toMatchObject({ code: 'access_denied', message: 'You declined the sign-in.', hint: 'Try again and allow access.' });

    await expect(api.session.switchAccount('demo-bob')).rejects.toMatchObject({ code: 'unknown_account' });
  });

  it('rejects invalid arguments from the page with invalid_argument, before the engine', async () => {
    const { api, engine } = setup();
    await expect(api.session.signIn('../../etc')).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(api.events.recent(10_000)).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(
      api.session.signOut({ accountKey: 'demo-alice', everywhere: true } as unknown as SignOutOptions),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(engine.received).toEqual([]);
  });

  it('asks for roles and local accounts: values, forbidden, and locked_out with the time it lifts', async () => {
    const { api, engine, transport } = setup();
    expect(await api.accounts.hasRole('viewer')).toBe(true);
    expect(await api.accounts.hasRole('admin', 'demo-alice')).toBe(false);
    expect(await api.accounts.localInfo()).toMatchObject({ provider: 'team', registration: false });
    await expect(api.accounts.listUsers()).rejects.toMatchObject({ code: 'forbidden' });
    const locked = await api.accounts.signInLocal({ identifier: 'ada', password: 'not-shown-anywhere' }).catch((e: unknown) => e);
    expect(locked).toMatchObject({ code: 'locked_out', retryAt: '2030-01-01T00:15:00.000Z', hint: 'Wait.' });
    expect(structuredClone(toBridgedRejection(locked))).toMatchObject({ code: 'locked_out', retryAt: '2030-01-01T00:15:00.000Z' });
    expect(await api.accounts.register({ username: 'ada', email: 'ada@example.com', password: 'long enough' })).toEqual(ALICE);
    expect(await api.accounts.changePassword({ currentPassword: 'a', newPassword: 'b' })).toBeUndefined();
    expect(await api.accounts.updateDetails({ accountKey: 'ada', name: 'Ada L.' })).toEqual(ALICE);
    await expect(api.accounts.signInLocal({ identifier: 'ada', password: '' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(api.accounts.register({ username: 'ada', email: 'ada@example.com', password: 'pw', role: 'admin' } as unknown as RegistrationRequest)).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(engine.received).toEqual([
      ['hasRole', 'viewer'],
      ['hasRole', 'admin', 'demo-alice'],
      ['listUsers'],
      ['signInLocal', 'ada'],
      ['register', 'ada'],
      ['changePassword', undefined],
      ['updateDetails', 'ada'],
    ]);
    expect(transport.sentArgs[0]).toEqual(['viewer']);
  });

  it('calls configured APIs through the main process: answers, coded refusals, and checks before the engine', async () => {
    const { api, engine } = setup();
    expect(await api.api.list()).toEqual([{ name: 'demo', label: 'Demo API', provider: 'demo', baseUrl: 'http://127.0.0.1:4600/api', dashboard: 'demo-projects' }]);
    expect(await api.api.request('demo', { path: '/projects', query: { days: 7 } })).toMatchObject({ status: 200, bodyType: 'json', body: { path: '/projects' } });
    await expect(api.api.request('missing', { path: '/x' })).rejects.toMatchObject({ code: 'unknown_api' });
    await expect(api.api.request('demo', { path: '/x', headers: { authorization: 'Bearer mine' } })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(engine.received).toEqual([
      ['fetchApi', 'demo', { path: '/projects', query: { days: 7 } }],
      ['fetchApi', 'missing', { path: '/x' }],
    ]);
  });

  it('reports unexpected failures as internal without their text', async () => {
    const { api } = setup();
    const error = await api.session.signIn('broken').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'internal' });
    expect((error as Error).message).not.toContain('abc123');
  });

  it('rejects with internal when the transport itself fails or answers nonsense', async () => {
    const failing = createLatchkeyApi({
      invoke: () => Promise.reject(new Error('No handler registered for session:get')),
      on: () => () => undefined,
    });
    await expect(failing.session.get()).rejects.toMatchObject({ code: 'internal' });

    const nonsense = createLatchkeyApi({
      invoke: async () => 'not an envelope' as unknown as IpcResult<never>,
      on: () => () => undefined,
    });
    await expect(nonsense.session.get()).rejects.toMatchObject({ code: 'internal' });

    const unknownCode = createLatchkeyApi({
      invoke: async () => ({ ok: false, error: { code: 'made_up', message: 'x' } }) as unknown as IpcResult<never>,
      on: () => () => undefined,
    });
    await expect(unknownCode.session.get()).rejects.toMatchObject({ code: 'internal', message: 'x' });
  });

  it('delivers state changes until unsubscribed', async () => {
    const { api } = setup();
    const seen: SessionState[] = [];
    const unsubscribe = api.session.onChange((state) => seen.push(state));
    await api.session.signIn('demo');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.accounts[0]?.name).toBe('Alice Example');

    unsubscribe();
    unsubscribe(); // idempotent
    await api.session.signOut();
    expect(seen).toHaveLength(1);
  });
});

describe('rejections that cross the contextBridge', () => {
  it('become plain objects that keep code, message, hint and location through a structured copy', async () => {
    const { transport } = setup();
    const api = withBridgeSafeErrors(createLatchkeyApi(transport));
    const rejection = await api.session.signIn('refuser').catch((e: unknown) => e);
    // The bridge copies values much like structuredClone; an Error would arrive without its `code`.
    const copied = structuredClone(rejection);
    expect(copied).toEqual({
      name: 'AuthError',
      code: 'access_denied',
      message: 'You declined the sign-in.',
      hint: 'Try again and allow access.',
    });
    expect((structuredClone(new AuthError('timeout', 't')) as { code?: unknown }).code).toBeUndefined();

    const location = { file: '/tmp/c.yaml', line: 2, column: 4 };
    expect(structuredClone(toBridgedRejection(new AuthError('config_invalid', 'bad', { location })))).toEqual({
      name: 'AuthError',
      code: 'config_invalid',
      message: 'bad',
      location,
    });
  });

  it('leave values and the unsubscribe function alone', async () => {
    const { transport } = setup();
    const api = withBridgeSafeErrors(createLatchkeyApi(transport));
    const seen: SessionState[] = [];
    const unsubscribe = api.session.onChange((state) => seen.push(state));
    expect(await api.session.signIn('demo')).toEqual(ALICE);
    unsubscribe();
    await api.session.signOut();
    expect(seen).toHaveLength(1);
  });
});
