/**
 * A session engine for the IPC fuzz test that records every call and refuses invalid input loudly.
 *
 * It states the IPC contract (src/shared/ipc.ts and the argument rules of the renderer API) on its own,
 * independently of the router's schemas: if the router ever lets through something the contract forbids,
 * the engine sees it, records a violation and throws.
 */
import type { LocalAccountsInfo, TotpActivation, TotpEnrollment, UserSummary } from '../../src/shared/accounts';
import type { ApiRequest, ApiResponse, ApiSummary } from '../../src/shared/api';
import type { AccountSummary, AuthEvent, ProviderSummary, SessionEngine, SessionState, SignOutResult } from '../../src/shared/session';
import { isDetailsUpdate, isLocalSignInRequest, isPassword, isPasswordChangeRequest, isRegistrationRequest, isRole, isTotpCode } from './accounts-contract';

/** `providers.<name>` in config.yaml. */
export function isProviderName(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(value);
}

/** Account keys as the renderer may name them: 1-200 characters of letters, digits and `. _ ~ : @ | + = / -`. */
export function isAccountKey(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 200 && /^[A-Za-z0-9._~:@|+=/-]+$/.test(value);
}

/** `events:recent` limit: a whole number from 1 to 500. */
export function isEventLimit(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 500;
}

/** `SignOutOptions`: a plain object with nothing but an optional valid accountKey and an optional boolean forget. */
/** The sign-in options the router lets through (`loginHint` only: text without control or format characters). */
export function isSignInOptions(value: unknown): value is { loginHint?: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (key !== 'loginHint') return false;
  const hint = record['loginHint'];
  return hint === undefined || (typeof hint === 'string' && hint.length >= 1 && hint.length <= 320 && /^[^\p{Cc}\p{Cf}]+$/u.test(hint));
}

export function isSignOutOptions(value: unknown): value is { accountKey?: string; forget?: boolean } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (key !== 'accountKey' && key !== 'forget') return false;
  if (record['accountKey'] !== undefined && !isAccountKey(record['accountKey'])) return false;
  if (record['forget'] !== undefined && typeof record['forget'] !== 'boolean') return false;
  return true;
}

/** `apis.<name>` in config.yaml. */
export function isApiName(value: unknown): value is string {
  return isProviderName(value);
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isQueryScalar(value: unknown): boolean {
  return (typeof value === 'string' && value.length <= 8192) || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** JSON data: plain objects and arrays of finite numbers, strings, booleans and null, at most 32 deep and 256 KB. */
function isJsonBody(value: unknown): boolean {
  const visit = (node: unknown, depth: number): boolean => {
    if (depth > 32) return false;
    if (node === null || typeof node === 'string' || typeof node === 'boolean') return true;
    if (typeof node === 'number') return Number.isFinite(node);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i += 1) if (!(i in node) || !visit(node[i], depth + 1)) return false;
      return true;
    }
    return isPlain(node) && Object.entries(node).every(([key, item]) => key !== '__proto__' && visit(item, depth + 1));
  };
  return visit(value, 0) && Buffer.byteLength(JSON.stringify(value), 'utf8') <= 256 * 1024;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const REFUSED_HEADERS = ['authorization', 'proxy-authorization', 'dpop', 'cookie', 'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'forwarded', 'origin', 'referer'];

/** The fields an API request may carry, as src/shared/api.ts and the README describe them. */
export function isApiRequest(value: unknown): value is ApiRequest {
  if (!isPlain(value)) return false;
  for (const key of Object.keys(value)) if (!['method', 'path', 'query', 'json', 'headers', 'accountKey'].includes(key)) return false;
  const { method, path, query, json, headers, accountKey } = value;
  if (method !== undefined && !['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method as string)) return false;
  if (typeof path !== 'string' || path.length < 1 || path.length > 2048) return false;
  if (query !== undefined) {
    if (!isPlain(query) || Object.keys(query).length > 100) return false;
    for (const [key, item] of Object.entries(query)) {
      if (key.length < 1 || key.length > 256) return false;
      if (Array.isArray(item) ? item.length > 100 || !item.every((x, i) => i in item && isQueryScalar(x)) : !isQueryScalar(item)) return false;
    }
  }
  if (json !== undefined && !isJsonBody(json)) return false;
  if (headers !== undefined) {
    if (!isPlain(headers) || Object.keys(headers).length > 20) return false;
    for (const [name, item] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (!HEADER_NAME.test(name) || REFUSED_HEADERS.includes(lower) || ['proxy-', 'sec-', 'x-forwarded-'].some((p) => lower.startsWith(p))) return false;
      if (typeof item !== 'string' || item.length > 4096 || !/^[\t\x20-\x7e\x80-\xff]*$/.test(item)) return false;
    }
  }
  return accountKey === undefined || isAccountKey(accountKey);
}

/** The request as the engine must receive it: the given fields only (an explicit undefined is left out). */
export function cleanApiRequestCopy(request: ApiRequest): ApiRequest {
  return Object.fromEntries(Object.entries(request).filter(([, item]) => item !== undefined)) as unknown as ApiRequest;
}

export interface RecordedCall {
  method: string;
  args: unknown[];
}

function account(provider: string, key: string): AccountSummary {
  return {
    key,
    provider,
    providerLabel: provider,
    subject: 'subject-1',
    name: 'Ada Lovelace',
    roles: ['viewer'],
    signedIn: true,
    connectivity: 'online',
    stale: false,
  };
}

export class RecordingEngine implements SessionEngine {
  readonly calls: RecordedCall[] = [];
  /** Calls that carried input the contract forbids. Must stay empty. */
  readonly violations: string[] = [];
  /** Bumped by every accepted mutating call: the engine's observable state. */
  mutations = 0;
  private activeAccountKey: string | null = null;

  /** Everything a caller could observe about the engine, for before/after comparisons. */
  snapshot(): string {
    return JSON.stringify({ calls: this.calls.length, mutations: this.mutations, active: this.activeAccountKey, violations: this.violations.length });
  }

  getState(...args: unknown[]): SessionState {
    this.record('getState', args, args.length === 0);
    return { phase: 'ready', accounts: [], activeAccountKey: this.activeAccountKey, signIn: null, configPath: '/nowhere/config.yaml' };
  }

  async reload(...args: unknown[]): Promise<SessionState> {
    // Re-reading the config changes nothing a caller could tell apart here, but it is an engine action.
    this.record('reload', args, args.length === 0);
    return this.getStateQuietly();
  }

  async unlock(...args: unknown[]): Promise<SessionState> {
    const [passphrase] = args;
    this.record('unlock', args, args.length === 1 && typeof passphrase === 'string' && passphrase.length >= 1 && passphrase.length <= 1024);
    return this.getStateQuietly();
  }

  private getStateQuietly(): SessionState {
    return { phase: 'ready', accounts: [], activeAccountKey: this.activeAccountKey, signIn: null, configPath: '/nowhere/config.yaml' };
  }

  listProviders(...args: unknown[]): ProviderSummary[] {
    this.record('listProviders', args, args.length === 0);
    return [{ name: 'demo', label: 'Demo', embedded: true, mark: 'demo' }];
  }

  async signIn(...args: unknown[]): Promise<AccountSummary> {
    const [provider] = args;
    // The options, when given, are rebuilt by the router: only a login hint of the contract's shape.
    const options = args[1] as { loginHint?: unknown } | undefined;
    const validOptions = args.length === 2 && isSignInOptions(options) && options.loginHint !== undefined;
    this.mutate('signIn', args, isProviderName(provider) && (args.length === 1 || validOptions));
    this.activeAccountKey = `${String(provider)}:subject-1`;
    return account(String(provider), this.activeAccountKey);
  }

  async signInWithDevice(...args: unknown[]): Promise<AccountSummary> {
    const [provider] = args;
    this.mutate('signInWithDevice', args, args.length === 1 && isProviderName(provider));
    this.activeAccountKey = `${String(provider)}:subject-1`;
    return account(String(provider), this.activeAccountKey);
  }

  cancelSignIn(...args: unknown[]): void {
    this.mutate('cancelSignIn', args, args.length === 0);
  }

  async switchAccount(...args: unknown[]): Promise<void> {
    const [key] = args;
    this.mutate('switchAccount', args, args.length === 1 && isAccountKey(key));
    this.activeAccountKey = String(key);
  }

  async refreshNow(...args: unknown[]): Promise<AccountSummary> {
    const [key] = args;
    this.mutate('refreshNow', args, args.length === 0 || (args.length === 1 && isAccountKey(key)));
    return account('demo', typeof key === 'string' ? key : 'demo:subject-1');
  }

  async signOut(...args: unknown[]): Promise<SignOutResult> {
    const [options] = args;
    this.mutate('signOut', args, args.length === 0 || (args.length === 1 && isSignOutOptions(options)));
    const key = isSignOutOptions(options) && options.accountKey !== undefined ? options.accountKey : 'demo:subject-1';
    return { accountKey: key, revoked: false, revocation: 'not_supported', endSessionAvailable: false };
  }

  async reopenBrowser(...args: unknown[]): Promise<void> {
    this.mutate('reopenBrowser', args, args.length === 0);
  }

  async openEndSession(...args: unknown[]): Promise<void> {
    this.mutate('openEndSession', args, args.length === 1 && isAccountKey(args[0]));
  }

  async recentEvents(...args: unknown[]): Promise<AuthEvent[]> {
    this.record('recentEvents', args, args.length === 0 || (args.length === 1 && isEventLimit(args[0])));
    return [{ at: '2026-01-01T00:00:00.000Z', kind: 'restore', outcome: 'ok' }];
  }

  hasRole(...args: unknown[]): boolean {
    this.record('hasRole', args, isRole(args[0]) && (args.length === 1 || (args.length === 2 && isAccountKey(args[1]))));
    return false;
  }

  listUsers(...args: unknown[]): UserSummary[] {
    this.record('listUsers', args, args.length === 0);
    return [];
  }

  localAccountsInfo(...args: unknown[]): LocalAccountsInfo | null {
    this.record('localAccountsInfo', args, args.length === 0);
    return null;
  }

  async signInLocal(...args: unknown[]): Promise<AccountSummary> {
    this.mutate('signInLocal', args, args.length === 1 && isLocalSignInRequest(args[0]));
    return account('team', 'ada');
  }

  async register(...args: unknown[]): Promise<AccountSummary> {
    this.mutate('register', args, args.length === 1 && isRegistrationRequest(args[0]));
    return account('team', 'ada');
  }

  async changePassword(...args: unknown[]): Promise<void> {
    this.mutate('changePassword', args, args.length === 1 && isPasswordChangeRequest(args[0]));
  }

  async updateDetails(...args: unknown[]): Promise<AccountSummary> {
    this.mutate('updateDetails', args, args.length === 1 && isDetailsUpdate(args[0]));
    return account('team', 'ada');
  }

  beginTotp(...args: unknown[]): TotpEnrollment {
    this.mutate('beginTotp', args, args.length === 0 || (args.length === 1 && isAccountKey(args[0])));
    return { qrSvg: '<svg xmlns="http://www.w3.org/2000/svg"/>', label: 'Latchkey:ada', expiresAt: '2026-01-01T00:10:00.000Z' };
  }

  async confirmTotp(...args: unknown[]): Promise<TotpActivation> {
    this.mutate('confirmTotp', args, isTotpCode(args[0]) && (args.length === 1 || (args.length === 2 && isAccountKey(args[1]))));
    return { recoveryCodes: [] };
  }

  async disableTotp(...args: unknown[]): Promise<void> {
    this.mutate('disableTotp', args, isPassword(args[0]) && (args.length === 1 || (args.length === 2 && isAccountKey(args[1]))));
  }

  listApis(...args: unknown[]): ApiSummary[] {
    this.record('listApis', args, args.length === 0);
    return [{ name: 'demo', label: 'Demo API', provider: 'demo', baseUrl: 'http://127.0.0.1:4600/api', dashboard: 'demo-projects' }];
  }

  async fetchApi(...args: unknown[]): Promise<ApiResponse> {
    const [api, request] = args;
    this.record('fetchApi', args, args.length === 2 && isApiName(api) && isApiRequest(request));
    return { status: 200, headers: {}, bodyType: 'empty', body: null, accountKey: 'demo:subject-1', dpop: false };
  }

  onStateChange(): () => void {
    return () => undefined;
  }

  private record(method: string, args: unknown[], valid: boolean): void {
    if (!valid) {
      this.violations.push(`${method} called with ${describe(args)}`);
      throw new Error(`${method} was called with input the IPC contract forbids`);
    }
    this.calls.push({ method, args });
  }

  private mutate(method: string, args: unknown[], valid: boolean): void {
    this.record(method, args, valid);
    this.mutations += 1;
  }
}

/** A short description of arguments for a failure message (never the whole of a huge value). */
function describe(args: unknown[]): string {
  return args
    .map((arg) => {
      if (typeof arg === 'string') return JSON.stringify(arg.length > 40 ? `${arg.slice(0, 40)}...` : arg);
      if (typeof arg === 'object' && arg !== null) return Array.isArray(arg) ? `array(${arg.length})` : `object{${Object.keys(arg).slice(0, 5).join(',')}}`;
      return typeof arg === 'bigint' ? `${arg}n` : String(arg);
    })
    .join(', ');
}
