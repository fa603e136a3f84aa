/**
 * The IPC router's job is validation and envelopes, so it is tested against a small in-test SessionEngine
 * that records what it was asked. Also here: the pure halves of the window glue — the sender check, the
 * navigation/permission policy and the Content-Security-Policy text.
 */
import { describe, expect, it } from 'vitest';
import type { ApiRequest, ApiResponse, ApiSummary } from '../src/shared/api';
import type { DetailsUpdate, LocalAccountsInfo, LocalSignInRequest, PasswordChangeRequest, RegistrationRequest, TotpActivation, TotpEnrollment, UserSummary } from '../src/shared/accounts';
import type { DiagnosticsReport } from '../src/shared/diagnostics';
import { AuthError } from '../src/shared/errors';
import { IPC_CHANNELS, type IpcResult } from '../src/shared/ipc';
import type {
  AccountSummary,
  AuthEvent,
  ProviderSummary,
  SessionEngine,
  SessionState,
  SignInOptions,
  SignOutOptions,
  SignOutResult,
} from '../src/shared/session';
import { contentSecurityPolicy } from '../src/main/desktop/csp';
import { INTERNAL_ERROR_MESSAGE, redactSecrets } from '../src/main/desktop/ipc-errors';
import { createIpcRouter } from '../src/main/desktop/ipc-router';
import { createSenderCheck, type SenderFrame } from '../src/main/desktop/ipc-sender';
import {
  decideNavigation,
  decidePermission,
  decideWindowOpen,
  isAppResourceUrl,
  isAppUrl,
} from '../src/main/desktop/window-policy';

const ALICE: AccountSummary = {
  key: 'demo-alice',
  provider: 'demo',
  providerLabel: 'Demo',
  subject: 'alice',
  name: 'Alice Example',
  email: 'alice@example.com',
  roles: ['viewer'],
  signedIn: true,
  connectivity: 'online',
  stale: false,
};

const STATE: SessionState = {
  phase: 'ready',
  accounts: [ALICE],
  activeAccountKey: ALICE.key,
  signIn: null,
  configPath: '/tmp/latchkey/config.yaml',
};

const PROVIDERS: ProviderSummary[] = [{ name: 'demo', label: 'Demo', embedded: true, mark: 'demo' }];
/** What the checks of this computer answer (the desktop entry gives the router a runner; see setup()). */
const REPORT: DiagnosticsReport = {
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  platform: 'linux x64',
  configPath: '~/.config/Latchkey/config.yaml',
  checks: [{ group: 'config', id: 'valid', title: 'config.yaml is valid', status: 'ok', detail: '1 provider (demo)' }],
  summary: { ok: 1, problem: 0, warning: 0, skipped: 0 },
};

const EVENTS: AuthEvent[] = [{ at: '2026-01-01T00:00:00.000Z', kind: 'sign_in', accountKey: ALICE.key, outcome: 'ok' }];

const USERS: UserSummary[] = [
  { key: 'ada', name: 'Ada', provider: 'team', local: true, roles: ['admin'], providerRoles: [], signedIn: true, failedLoginAttempts: 0, mustChangePassword: false, totp: false },
];

const ENROLMENT: TotpEnrollment = { qrSvg: '<svg xmlns="http://www.w3.org/2000/svg"/>', label: 'Latchkey:ada', expiresAt: '2026-01-01T00:10:00.000Z' };

const LOCAL_INFO: LocalAccountsInfo = { provider: 'team', label: 'Team', registration: true, passwordRules: ['At least 8 characters'], minLength: 8 };

const APIS: ApiSummary[] = [{ name: 'demo', label: 'Demo API', provider: 'demo', baseUrl: 'http://127.0.0.1:4600/api', dashboard: 'demo-projects' }];

type Call = { method: string; args: unknown[] };

/** A SessionEngine that records its calls, answers fixed values, and fails on demand. */
class RecordingEngine implements SessionEngine {
  readonly calls: Call[] = [];
  /** When set, the next engine method throws this. */
  failWith: unknown = undefined;
  private listeners = new Set<(state: SessionState) => void>();

  private record(method: string, args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failWith !== undefined) {
      const error = this.failWith;
      this.failWith = undefined;
      throw error;
    }
  }

  getState(): SessionState {
    this.record('getState', []);
    return STATE;
  }
  async reload(): Promise<SessionState> {
    this.record('reload', []);
    return STATE;
  }
  async unlock(passphrase: string): Promise<SessionState> {
    this.record('unlock', [passphrase]);
    return STATE;
  }
  listProviders(): ProviderSummary[] {
    this.record('listProviders', []);
    return PROVIDERS;
  }
  async signIn(provider: string, options?: SignInOptions): Promise<AccountSummary> {
    this.record('signIn', options === undefined ? [provider] : [provider, options]);
    return ALICE;
  }
  async signInWithDevice(provider: string): Promise<AccountSummary> {
    this.record('signInWithDevice', [provider]);
    return ALICE;
  }
  cancelSignIn(): void {
    this.record('cancelSignIn', []);
  }
  async switchAccount(accountKey: string): Promise<void> {
    this.record('switchAccount', [accountKey]);
  }
  async refreshNow(...args: [accountKey?: string]): Promise<AccountSummary> {
    this.record('refreshNow', args);
    return ALICE;
  }
  async signOut(...args: [options?: SignOutOptions]): Promise<SignOutResult> {
    this.record('signOut', args);
    return { accountKey: ALICE.key, revoked: true, revocation: 'revoked', endSessionAvailable: false };
  }
  async reopenBrowser(): Promise<void> {
    this.record('reopenBrowser', []);
  }
  async openEndSession(accountKey: string): Promise<void> {
    this.record('openEndSession', [accountKey]);
  }
  async recentEvents(...args: [limit?: number]): Promise<AuthEvent[]> {
    this.record('recentEvents', args);
    return EVENTS;
  }
  listApis(): ApiSummary[] {
    this.record('listApis', []);
    return APIS;
  }
  async fetchApi(api: string, request: ApiRequest): Promise<ApiResponse> {
    this.record('fetchApi', [api, request]);
    return { status: 200, headers: { 'content-type': 'application/json' }, bodyType: 'json', body: { ok: true }, accountKey: ALICE.key, dpop: true };
  }
  hasRole(...args: [role: string, accountKey?: string]): boolean {
    this.record('hasRole', args);
    return true;
  }
  listUsers(): UserSummary[] {
    this.record('listUsers', []);
    return USERS;
  }
  localAccountsInfo(): LocalAccountsInfo | null {
    this.record('localAccountsInfo', []);
    return LOCAL_INFO;
  }
  async signInLocal(request: LocalSignInRequest): Promise<AccountSummary> {
    this.record('signInLocal', [request]);
    return ALICE;
  }
  async register(request: RegistrationRequest): Promise<AccountSummary> {
    this.record('register', [request]);
    return ALICE;
  }
  async changePassword(request: PasswordChangeRequest): Promise<void> {
    this.record('changePassword', [request]);
  }
  async updateDetails(update: DetailsUpdate): Promise<AccountSummary> {
    this.record('updateDetails', [update]);
    return ALICE;
  }
  beginTotp(...args: [accountKey?: string]): TotpEnrollment {
    this.record('beginTotp', args);
    return ENROLMENT;
  }
  async confirmTotp(...args: [code: string, accountKey?: string]): Promise<TotpActivation> {
    this.record('confirmTotp', args);
    return { recoveryCodes: ['AAAAA-BBBBB'] };
  }
  async disableTotp(...args: [password: string, accountKey?: string]): Promise<void> {
    this.record('disableTotp', args);
  }
  onStateChange(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** What the import service answers for a chosen file (no file is read here: the service is recorded). */
const PREVIEW = { id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', fileName: 'config.yaml', report: ['+ account jsmith', '+ account rbriggs'], accounts: 2, changes: true, withClientSecrets: false };

function setup() {
  const engine = new RecordingEngine();
  const logged: string[] = [];
  const router = createIpcRouter(engine, {
    log: (line) => logged.push(line),
    // Not the engine's, but recorded with its calls: the same accounting for every channel.
    diagnostics: async () => {
      engine.calls.push({ method: 'runDiagnostics', args: [] });
      return REPORT;
    },
    importer: {
      choose: async (options) => {
        engine.calls.push({ method: 'importChoose', args: [options] });
        return PREVIEW;
      },
      apply: async (previewId) => {
        engine.calls.push({ method: 'importApply', args: [previewId] });
        return { imported: 2, report: PREVIEW.report };
      },
    },
  });
  return { engine, router, logged };
}

function expectInvalid(result: IpcResult<unknown>): string {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('expected a failure envelope');
  expect(result.error.code).toBe('invalid_argument');
  return result.error.message;
}

describe('IPC router: happy paths', () => {
  const cases: { channel: string; args: unknown[]; call: Call; value: unknown }[] = [
    { channel: 'session:get', args: [], call: { method: 'getState', args: [] }, value: STATE },
    { channel: 'session:reload', args: [], call: { method: 'reload', args: [] }, value: STATE },
    { channel: 'session:unlock', args: ['correct horse battery'], call: { method: 'unlock', args: ['correct horse battery'] }, value: STATE },
    { channel: 'providers:list', args: [], call: { method: 'listProviders', args: [] }, value: PROVIDERS },
    { channel: 'session:sign-in', args: ['demo'], call: { method: 'signIn', args: ['demo'] }, value: ALICE },
    // Renewing an account: the hint and nothing else reaches the engine.
    { channel: 'session:sign-in', args: ['demo', { loginHint: 'alice@latchkey.example' }], call: { method: 'signIn', args: ['demo', { loginHint: 'alice@latchkey.example' }] }, value: ALICE },
    { channel: 'session:sign-in-device', args: ['demo'], call: { method: 'signInWithDevice', args: ['demo'] }, value: ALICE },
    { channel: 'session:cancel-sign-in', args: [], call: { method: 'cancelSignIn', args: [] }, value: null },
    { channel: 'session:reopen-browser', args: [], call: { method: 'reopenBrowser', args: [] }, value: null },
    {
      channel: 'session:switch-account',
      args: ['demo-bob'],
      call: { method: 'switchAccount', args: ['demo-bob'] },
      value: null,
    },
    { channel: 'session:refresh', args: [], call: { method: 'refreshNow', args: [] }, value: ALICE },
    {
      channel: 'session:refresh',
      args: ['google-1234567890'],
      call: { method: 'refreshNow', args: ['google-1234567890'] },
      value: ALICE,
    },
    // An explicit `undefined` for an optional argument is the same as leaving it out.
    { channel: 'session:refresh', args: [undefined], call: { method: 'refreshNow', args: [] }, value: ALICE },
    {
      channel: 'session:sign-out',
      args: [],
      call: { method: 'signOut', args: [] },
      value: { accountKey: ALICE.key, revoked: true, revocation: 'revoked', endSessionAvailable: false },
    },
    {
      channel: 'session:sign-out',
      args: [{ accountKey: 'demo-alice', forget: true }],
      call: { method: 'signOut', args: [{ accountKey: 'demo-alice', forget: true }] },
      value: { accountKey: ALICE.key, revoked: true, revocation: 'revoked', endSessionAvailable: false },
    },
    {
      channel: 'session:sign-out',
      args: [{ forget: false }],
      call: { method: 'signOut', args: [{ forget: false }] },
      value: { accountKey: ALICE.key, revoked: true, revocation: 'revoked', endSessionAvailable: false },
    },
    {
      channel: 'session:open-end-session',
      args: ['demo-alice'],
      call: { method: 'openEndSession', args: ['demo-alice'] },
      value: null,
    },
    { channel: 'events:recent', args: [], call: { method: 'recentEvents', args: [] }, value: EVENTS },
    { channel: 'events:recent', args: [10], call: { method: 'recentEvents', args: [10] }, value: EVENTS },
    { channel: 'apis:list', args: [], call: { method: 'listApis', args: [] }, value: APIS },
    { channel: 'diagnostics:run', args: [], call: { method: 'runDiagnostics', args: [] }, value: REPORT },
    { channel: 'admin:import-choose', args: [], call: { method: 'importChoose', args: [{}] }, value: PREVIEW },
    { channel: 'admin:import-choose', args: [{ withClientSecrets: true }], call: { method: 'importChoose', args: [{ withClientSecrets: true }] }, value: PREVIEW },
    { channel: 'admin:import-apply', args: [PREVIEW.id], call: { method: 'importApply', args: [PREVIEW.id] }, value: { imported: 2, report: PREVIEW.report } },
    {
      channel: 'api:request',
      args: ['demo', { path: '/projects', query: { days: 30, tag: ['a', 'b'] }, headers: { 'If-None-Match': '"x"' }, accountKey: 'demo-alice', method: undefined }],
      // Rebuilt from the fields that were given: an explicit undefined does not travel on.
      call: { method: 'fetchApi', args: ['demo', { path: '/projects', query: { days: 30, tag: ['a', 'b'] }, headers: { 'If-None-Match': '"x"' }, accountKey: 'demo-alice' }] },
      value: { status: 200, headers: { 'content-type': 'application/json' }, bodyType: 'json', body: { ok: true }, accountKey: ALICE.key, dpop: true },
    },
    {
      channel: 'api:request',
      args: ['github', { method: 'POST', path: 'user/repos', json: { name: 'x', private: true, topics: ['a'] } }],
      call: { method: 'fetchApi', args: ['github', { method: 'POST', path: 'user/repos', json: { name: 'x', private: true, topics: ['a'] } }] },
      value: { status: 200, headers: { 'content-type': 'application/json' }, bodyType: 'json', body: { ok: true }, accountKey: ALICE.key, dpop: true },
    },
    { channel: 'access:has-role', args: ['admin'], call: { method: 'hasRole', args: ['admin'] }, value: true },
    { channel: 'access:has-role', args: ['admin', 'ada'], call: { method: 'hasRole', args: ['admin', 'ada'] }, value: true },
    { channel: 'admin:users', args: [], call: { method: 'listUsers', args: [] }, value: USERS },
    { channel: 'local:info', args: [], call: { method: 'localAccountsInfo', args: [] }, value: LOCAL_INFO },
    {
      channel: 'local:sign-in',
      args: [{ identifier: 'ada', password: 'pw-1' }],
      call: { method: 'signInLocal', args: [{ identifier: 'ada', password: 'pw-1' }] },
      value: ALICE,
    },
    {
      channel: 'local:register',
      args: [{ username: 'ada', email: 'ada@example.com', password: 'pw-1', firstName: 'Ada' }],
      call: { method: 'register', args: [{ username: 'ada', email: 'ada@example.com', password: 'pw-1', firstName: 'Ada' }] },
      value: ALICE,
    },
    {
      channel: 'local:change-password',
      args: [{ currentPassword: 'pw-1', newPassword: 'pw-2' }],
      call: { method: 'changePassword', args: [{ currentPassword: 'pw-1', newPassword: 'pw-2' }] },
      value: null,
    },
    {
      channel: 'account:update-details',
      args: [{ accountKey: 'ada', email: 'ada@example.org' }],
      call: { method: 'updateDetails', args: [{ accountKey: 'ada', email: 'ada@example.org' }] },
      value: ALICE,
    },
    { channel: 'totp:begin', args: [], call: { method: 'beginTotp', args: [] }, value: ENROLMENT },
    { channel: 'totp:confirm', args: ['123456'], call: { method: 'confirmTotp', args: ['123456'] }, value: { recoveryCodes: ['AAAAA-BBBBB'] } },
    { channel: 'totp:disable', args: ['pw-1', 'ada'], call: { method: 'disableTotp', args: ['pw-1', 'ada'] }, value: null },
  ];

  it('covers every channel of the contract', () => {
    expect(new Set(cases.map((c) => c.channel))).toEqual(new Set(IPC_CHANNELS));
  });

  for (const { channel, args, call, value } of cases) {
    it(`${channel}(${args.map((a) => JSON.stringify(a) ?? 'undefined').join(', ')})`, async () => {
      const { engine, router } = setup();
      const result = await router.handle(channel, args);
      expect(result).toEqual({ ok: true, value });
      expect(engine.calls).toEqual([call]);
    });
  }

  it('answers plain JSON copies, never references into engine state', async () => {
    const { router } = setup();
    const result = await router.handle('session:get', []);
    if (!result.ok) throw new Error('expected success');
    expect(result.value).toEqual(STATE);
    expect(result.value).not.toBe(STATE);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

describe('IPC router: rejected input never reaches the engine', () => {
  const huge = 'x'.repeat(1_000_000);
  const bad: { name: string; channel: unknown; args: unknown; mentions: string[] }[] = [
    { name: 'unknown channel', channel: 'session:delete-everything', args: [], mentions: ['Unknown IPC channel'] },
    { name: 'prototype key as channel', channel: '__proto__', args: [], mentions: ['Unknown IPC channel'] },
    { name: 'constructor as channel', channel: 'constructor', args: [], mentions: ['Unknown IPC channel'] },
    { name: 'channel of the wrong type', channel: 42, args: [], mentions: ['Unknown IPC channel'] },
    { name: 'arguments not a list', channel: 'session:get', args: 'nope', mentions: ['session:get'] },
    { name: 'extra argument (no-arg channel)', channel: 'session:get', args: [1], mentions: ['session:get', 'argument'] },
    { name: 'extra argument to reload', channel: 'session:reload', args: ['now'], mentions: ['session:reload', 'argument'] },
    { name: 'extra argument to the checks', channel: 'diagnostics:run', args: [{ fix: true }], mentions: ['diagnostics:run', 'argument'] },
    { name: 'a file path given to the import', channel: 'admin:import-choose', args: [{ file: '/etc/passwd' }], mentions: ['admin:import-choose', 'options'] },
    { name: 'import option of the wrong type', channel: 'admin:import-choose', args: [{ withClientSecrets: 'yes' }], mentions: ['admin:import-choose', 'options'] },
    { name: 'import preview id not an id', channel: 'admin:import-apply', args: ['../config.yaml'], mentions: ['admin:import-apply', 'previewId'] },
    { name: 'import preview id missing', channel: 'admin:import-apply', args: [], mentions: ['admin:import-apply', 'argument'] },
    { name: 'missing passphrase', channel: 'session:unlock', args: [], mentions: ['session:unlock', 'argument'] },
    { name: 'empty passphrase', channel: 'session:unlock', args: [''], mentions: ['session:unlock', 'passphrase', 'must not be empty'] },
    { name: 'passphrase of the wrong type', channel: 'session:unlock', args: [{ passphrase: 'x' }], mentions: ['session:unlock', 'passphrase'] },
    { name: 'passphrase too long', channel: 'session:unlock', args: ['p'.repeat(1025)], mentions: ['session:unlock', 'passphrase', 'too long'] },
    { name: 'passphrase and more', channel: 'session:unlock', args: ['correct horse battery', 'x'], mentions: ['session:unlock', 'argument'] },
    { name: 'extra argument', channel: 'session:sign-in', args: ['demo', {}, 'more'], mentions: ['session:sign-in', 'argument'] },
    { name: 'sign-in options a string', channel: 'session:sign-in', args: ['demo', 'more'], mentions: ['session:sign-in', 'options'] },
    { name: 'sign-in options with an unknown field', channel: 'session:sign-in', args: ['demo', { noBrowser: true }], mentions: ['session:sign-in', 'options'] },
    { name: 'login hint with a control character', channel: 'session:sign-in', args: ['demo', { loginHint: 'alice@example.com\u001b]52;c;x' }], mentions: ['session:sign-in', 'loginHint'] },
    { name: 'login hint too long', channel: 'session:sign-in', args: ['demo', { loginHint: 'a'.repeat(321) }], mentions: ['session:sign-in', 'loginHint'] },
    { name: 'missing argument', channel: 'session:sign-in', args: [], mentions: ['session:sign-in', 'argument'] },
    { name: 'device sign-in with an extra argument', channel: 'session:sign-in-device', args: ['demo', 'more'], mentions: ['session:sign-in-device', 'argument'] },
    { name: 'device sign-in without a provider', channel: 'session:sign-in-device', args: [], mentions: ['session:sign-in-device', 'argument'] },
    { name: 'device sign-in with a provider path', channel: 'session:sign-in-device', args: ['../demo'], mentions: ['session:sign-in-device', 'provider'] },
    { name: 'device sign-in with an object', channel: 'session:sign-in-device', args: [{ provider: 'demo' }], mentions: ['session:sign-in-device', 'provider'] },
    { name: 'missing account key', channel: 'session:switch-account', args: [], mentions: ['session:switch-account'] },
    { name: 'provider of the wrong type', channel: 'session:sign-in', args: [42], mentions: ['session:sign-in', 'provider'] },
    { name: 'provider with capitals', channel: 'session:sign-in', args: ['Demo'], mentions: ['provider'] },
    { name: 'provider with a path', channel: 'session:sign-in', args: ['../demo'], mentions: ['provider'] },
    { name: 'provider too long', channel: 'session:sign-in', args: ['a'.repeat(65)], mentions: ['provider'] },
    { name: 'oversize provider', channel: 'session:sign-in', args: [huge], mentions: ['provider'] },
    { name: 'oversize account key', channel: 'session:switch-account', args: [huge], mentions: ['accountKey'] },
    { name: 'account key 201 chars', channel: 'session:switch-account', args: ['a'.repeat(201)], mentions: ['accountKey'] },
    { name: 'empty account key', channel: 'session:open-end-session', args: [''], mentions: ['accountKey'] },
    { name: 'account key with markup', channel: 'session:switch-account', args: ['<img src=x>'], mentions: ['accountKey'] },
    { name: 'account key with a space', channel: 'session:refresh', args: ['demo alice'], mentions: ['accountKey'] },
    { name: 'account key null', channel: 'session:refresh', args: [null], mentions: ['accountKey'] },
    { name: 'sign-out options a string', channel: 'session:sign-out', args: ['demo-alice'], mentions: ['options'] },
    { name: 'api request without a request', channel: 'api:request', args: ['demo'], mentions: ['api:request', 'argument'] },
    { name: 'api name with capitals', channel: 'api:request', args: ['Demo', { path: '/x' }], mentions: ['api:request', 'api'] },
    { name: 'api request a string', channel: 'api:request', args: ['demo', '/projects'], mentions: ['request'] },
    { name: 'api request with an unknown field', channel: 'api:request', args: ['demo', { path: '/x', url: 'https://evil.example' }], mentions: ['request', 'url'] },
    { name: 'api request setting the Authorization header', channel: 'api:request', args: ['demo', { path: '/x', headers: { Authorization: 'Bearer stolen' } }], mentions: ['request.headers'] },
    { name: 'api request setting the DPoP header', channel: 'api:request', args: ['demo', { path: '/x', headers: { dpop: 'proof' } }], mentions: ['request.headers'] },
    { name: 'api request with a CRLF in a header', channel: 'api:request', args: ['demo', { path: '/x', headers: { 'x-a': 'b\r\nHost: evil' } }], mentions: ['request.headers'] },
    { name: 'api request with an unknown method', channel: 'api:request', args: ['demo', { method: 'TRACE', path: '/x' }], mentions: ['request.method'] },
    { name: 'api request with an oversize path', channel: 'api:request', args: ['demo', { path: huge }], mentions: ['request.path'] },
    { name: 'api request with an oversize body', channel: 'api:request', args: ['demo', { method: 'POST', path: '/x', json: { blob: huge } }], mentions: ['request.json'] },
    { name: 'api request with a non-JSON body', channel: 'api:request', args: ['demo', { method: 'POST', path: '/x', json: { when: new Date(0) } }], mentions: ['request.json'] },
    { name: 'api request inheriting fields', channel: 'api:request', args: ['demo', Object.create({ path: '/x' })], mentions: ['request'] },
    { name: 'sign-out options an array', channel: 'session:sign-out', args: [['demo-alice']], mentions: ['options'] },
    {
      name: 'sign-out options with an unknown field',
      channel: 'session:sign-out',
      args: [{ accountKey: 'demo-alice', everywhere: true }],
      mentions: ['options', 'everywhere'],
    },
    {
      name: 'sign-out forget not a boolean',
      channel: 'session:sign-out',
      args: [{ forget: 'yes' }],
      mentions: ['options.forget'],
    },
    {
      name: 'sign-out oversize account key',
      channel: 'session:sign-out',
      args: [{ accountKey: huge }],
      mentions: ['options.accountKey'],
    },
    {
      name: 'sign-out with a __proto__ key',
      channel: 'session:sign-out',
      args: [JSON.parse('{"__proto__": {"forget": true}}')],
      mentions: ['options', '__proto__'],
    },
    {
      name: 'sign-out with a constructor.prototype key',
      channel: 'session:sign-out',
      args: [JSON.parse('{"constructor": {"prototype": {"polluted": true}}}')],
      mentions: ['options', 'constructor'],
    },
    {
      name: 'sign-out options inherited from a prototype',
      channel: 'session:sign-out',
      args: [Object.create({ forget: true, accountKey: 'demo-alice' })],
      mentions: ['options'],
    },
    {
      name: 'sign-out options with a huge unknown key',
      channel: 'session:sign-out',
      args: [{ [huge]: 1 }],
      mentions: ['options', 'unknown field'],
    },
    { name: 'limit 0', channel: 'events:recent', args: [0], mentions: ['events:recent', 'limit'] },
    { name: 'limit 501', channel: 'events:recent', args: [501], mentions: ['limit'] },
    { name: 'limit fractional', channel: 'events:recent', args: [2.5], mentions: ['limit'] },
    { name: 'limit NaN', channel: 'events:recent', args: [Number.NaN], mentions: ['limit'] },
    { name: 'limit a string', channel: 'events:recent', args: ['10'], mentions: ['limit'] },
    { name: 'limit plus extra', channel: 'events:recent', args: [10, 10], mentions: ['events:recent', 'argument'] },
  ];

  for (const { name, channel, args, mentions } of bad) {
    it(name, async () => {
      const { engine, router } = setup();
      const message = expectInvalid(await router.handle(channel, args as unknown[]));
      for (const word of mentions) expect(message).toContain(word);
      // Never echo payloads back: messages stay short whatever came in.
      expect(message.length).toBeLessThan(200);
      expect(message).not.toContain('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
      expect(engine.calls).toEqual([]);
    });
  }

  it('does not pollute Object.prototype', async () => {
    const { router } = setup();
    await router.handle('session:sign-out', [JSON.parse('{"__proto__": {"polluted": true}}')]);
    await router.handle('session:sign-out', [JSON.parse('{"constructor": {"prototype": {"polluted": true}}}')]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('IPC router: engine failures', () => {
  it('passes an AuthError on as its ErrorInfo, code and all', async () => {
    const { engine, router, logged } = setup();
    engine.failWith = new AuthError('access_denied', 'You declined the sign-in at Demo.', {
      hint: 'Try again and allow access.',
      cause: new Error('raw provider response'),
    });
    const result = await router.handle('session:sign-in', ['demo']);
    expect(result).toEqual({
      ok: false,
      error: { code: 'access_denied', message: 'You declined the sign-in at Demo.', hint: 'Try again and allow access.' },
    });
    expect(logged).toEqual([]);
  });

  it('keeps the location of a config error', async () => {
    const { engine, router } = setup();
    const location = { file: '/tmp/latchkey/config.yaml', line: 3, column: 7 };
    engine.failWith = new AuthError('config_invalid', 'providers.demo.label must be a string', { location });
    const result = await router.handle('providers:list', []);
    expect(result).toEqual({
      ok: false,
      error: { code: 'config_invalid', message: 'providers.demo.label must be a string', location },
    });
  });

  it('turns anything else into `internal`, without its message, and logs it redacted', async () => {
    const { engine, router, logged } = setup();
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const opaque = 'rt_4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a';
    engine.failWith = new Error(`refresh failed: refresh_token=${opaque} id_token ${jwt}`);
    const result = await router.handle('session:refresh', []);
    expect(result).toEqual({ ok: false, error: { code: 'internal', message: INTERNAL_ERROR_MESSAGE } });
    const answer = JSON.stringify(result);
    expect(answer).not.toContain(opaque);
    expect(answer).not.toContain(jwt);
    expect(answer).not.toContain('refresh failed');

    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('session:refresh');
    expect(logged[0]).toContain('refresh failed');
    expect(logged[0]).not.toContain(opaque);
    expect(logged[0]).not.toContain(jwt);
  });

  it('handles thrown non-errors and rejected promises alike', async () => {
    const { engine, router, logged } = setup();
    engine.failWith = 'a string';
    const result = await router.handle('session:cancel-sign-in', []);
    expect(result).toEqual({ ok: false, error: { code: 'internal', message: INTERNAL_ERROR_MESSAGE } });
    expect(logged[0]).not.toContain('a string');
  });

  it('survives results that cannot be serialised', async () => {
    const engine = new RecordingEngine();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    engine.listProviders = () => cyclic as unknown as ProviderSummary[];
    const result = await createIpcRouter(engine).handle('providers:list', []);
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
  });
});

describe('log redaction', () => {
  it('cuts tokens, secrets and codes but keeps the words around them', () => {
    const line = redactSecrets(
      'POST failed: Authorization: Bearer abc.def-ghi client_secret="s3cr3t" callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz code: ECONNREFUSED',
    );
    expect(line).not.toContain('abc.def-ghi');
    expect(line).not.toContain('s3cr3t');
    expect(line).not.toContain('SplxlOBeZQQYbYS6WxSbIA');
    expect(line).toContain('POST failed');
    expect(line).toContain('ECONNREFUSED');
    expect(line).toContain('client_secret');
  });
});

describe('IPC sender check', () => {
  const APP_PAGE = 'app://latchkey/index.html';

  interface FakeFrame extends SenderFrame {
    window: string;
  }
  const appWindows = new Set(['main']);
  const check = createSenderCheck<FakeFrame>({
    rendererUrl: APP_PAGE,
    isInAppWindow: (frame) => appWindows.has(frame.window),
  });
  const frame = (over: Partial<FakeFrame> = {}): FakeFrame => ({ url: APP_PAGE, parent: null, window: 'main', ...over });

  it('trusts the top frame of an app window showing the app page', () => {
    expect(check(frame())).toBe(true);
    expect(check(frame({ url: `${APP_PAGE}#/dashboard` }))).toBe(true);
    expect(check(frame({ url: `${APP_PAGE}?reload=1` }))).toBe(true);
  });

  it('refuses a window the app did not create, even on the app page', () => {
    expect(check(frame({ window: 'foreign' }))).toBe(false);
  });

  it('refuses the app window when it shows anything but exactly the app page of the app origin', () => {
    for (const url of [
      'https://evil.example/',
      'app://evil/index.html',
      'app://latchkey.evil/index.html',
      'app://user@latchkey/index.html',
      'app://latchkey/other.html',
      'app://latchkey/assets/index.js',
      'http://latchkey/index.html',
      'https://latchkey/index.html',
      'file:///opt/Latchkey/resources/app.asar/out/renderer/index.html',
      'file:///tmp/evil/index.html',
      'about:blank',
      'not a url',
    ]) {
      expect(check(frame({ url })), url).toBe(false);
    }
  });

  it('refuses sub-frames, detached frames and missing frames', () => {
    expect(check(frame({ parent: frame() }))).toBe(false);
    expect(check(frame({ detached: true }))).toBe(false);
    expect(check(null)).toBe(false);
    expect(check(undefined)).toBe(false);
  });

  it('in development, trusts exactly the dev server origin', () => {
    const dev = createSenderCheck<FakeFrame>({
      rendererUrl: 'http://localhost:5173/',
      isInAppWindow: (f) => appWindows.has(f.window),
    });
    expect(dev(frame({ url: 'http://localhost:5173/' }))).toBe(true);
    expect(dev(frame({ url: 'http://localhost:5173/index.html?x=1' }))).toBe(true);
    expect(dev(frame({ url: 'http://localhost:5174/' }))).toBe(false);
    expect(dev(frame({ url: 'http://127.0.0.1:5173/' }))).toBe(false);
    expect(dev(frame({ url: 'https://localhost:5173/' }))).toBe(false);
    expect(dev(frame({ url: APP_PAGE }))).toBe(false);
  });
});

describe('window policy', () => {
  const APP = 'app://latchkey/index.html';

  it('recognises the app page and its resources on exactly the app origin', () => {
    expect(isAppUrl(APP, APP)).toBe(true);
    expect(isAppUrl('app://latchkey/assets/../index.html', APP)).toBe(true);
    expect(isAppUrl('app://latchkey/assets/index.js', APP)).toBe(false);
    expect(isAppUrl('app://other/index.html', APP)).toBe(false);
    expect(isAppUrl('file:///opt/Latchkey/out/renderer/index.html', APP)).toBe(false);
    expect(isAppResourceUrl('app://latchkey/assets/index.js', APP)).toBe(true);
    expect(isAppResourceUrl('app://other/assets/index.js', APP)).toBe(false);
    expect(isAppResourceUrl('file:///opt/Latchkey/out/renderer/assets/index.js', APP)).toBe(false);
    expect(isAppResourceUrl('file:///etc/passwd', APP)).toBe(false);
    expect(isAppResourceUrl('https://latchkey/index.html', APP)).toBe(false);
  });

  it('allows only reloads of the app; web links go to the system browser; the rest is denied', () => {
    expect(decideNavigation(APP, APP)).toBe('allow');
    expect(decideNavigation(`${APP}#top`, APP)).toBe('allow');
    expect(decideNavigation('https://example.com/docs', APP)).toBe('open-external');
    expect(decideNavigation('http://127.0.0.1:4600/session/end', APP)).toBe('open-external');
    expect(decideNavigation('app://other/index.html', APP)).toBe('deny');
    expect(decideNavigation('file:///opt/Latchkey/out/renderer/index.html', APP)).toBe('deny');
    expect(decideNavigation('file:///etc/passwd', APP)).toBe('deny');
    expect(decideNavigation('javascript:alert(1)', APP)).toBe('deny');
    expect(decideNavigation('latchkey://callback', APP)).toBe('deny');
  });

  it('never opens Electron windows', () => {
    expect(decideWindowOpen('https://example.com/')).toBe('open-external');
    expect(decideWindowOpen(APP)).toBe('deny');
    expect(decideWindowOpen('file:///etc/passwd')).toBe('deny');
  });

  it('refuses permissions except clipboard writes from the app page', () => {
    expect(decidePermission('clipboard-sanitized-write', APP, APP)).toBe(true);
    expect(decidePermission('clipboard-sanitized-write', 'https://evil.example/', APP)).toBe(false);
    expect(decidePermission('clipboard-sanitized-write', 'app://evil/index.html', APP)).toBe(false);
    for (const permission of ['clipboard-read', 'media', 'geolocation', 'notifications', 'openExternal', 'unknown']) {
      expect(decidePermission(permission, APP, APP)).toBe(false);
    }
  });
});

describe('Content-Security-Policy', () => {
  it('is the strict policy in a built app', () => {
    expect(contentSecurityPolicy()).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('lets the dev server and its hot-reload socket in, only in development', () => {
    const policy = contentSecurityPolicy('http://localhost:5173/');
    const directive = (name: string) => policy.split('; ').find((d) => d.startsWith(`${name} `));
    expect(directive('connect-src')).toBe("connect-src 'self' http://localhost:5173 ws://localhost:5173");
    expect(directive('script-src')).toContain('http://localhost:5173');
    expect(directive('object-src')).toBe("object-src 'none'");
    expect(directive('frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(contentSecurityPolicy()).not.toContain('ws:');
    expect(contentSecurityPolicy()).not.toContain('localhost');
  });
});
