/**
 * The shape of every answer the main process gives over IPC, as zod schemas. Development builds of the
 * preload check each answer (and each state event) against these, so a main process that answers
 * something else — a half-written event-log line, a field renamed on one side only — shows up as a coded
 * error where it happened, instead of as a renderer crash somewhere later.
 *
 * The schemas are typed against the contract (`IpcContract`, session.ts): a required field added there, or
 * a field whose type changes, is a compile error here, and every enum must list every member of its union.
 * Objects are loose (unknown fields pass through untouched), so a new optional field needs no change here.
 */
import { z } from 'zod';
import type { ApiBodyType, ApiDashboard, ApiResponse, ApiSummary } from './api';
import { AUTH_ERROR_CODES, type ErrorInfo } from './errors';
import { accountAnswerSchemas } from './accounts-ipc-answers';
import { diagnosticsAnswerSchemas } from './diagnostics-answers';
import { importAnswerSchemas } from './import-answers';
import type { IpcChannel, IpcEventName, IpcEvents, IpcValue } from './ipc';
import type { AccountSummary, AuthEvent, DeviceSignInProgress, ProviderMark, ProviderSummary, SessionState, SignInProgress, SignOutResult } from './session';

/** `true` only when `Listed` covers every member of `Union`: an enum schema that forgets one fails to compile. */
type Covers<Union, Listed> = [Exclude<Union, Listed>] extends [never] ? true : { missing: Exclude<Union, Listed> };

const PROVIDER_MARKS = ['demo', 'google', 'microsoft', 'github', 'openid', 'oauth'] as const satisfies readonly ProviderMark[];
const EVENT_KINDS = ['sign_in', 'refresh', 'sign_out', 'restore', 'failure'] as const satisfies readonly AuthEvent['kind'][];
const REVOCATIONS = ['revoked', 'not_supported', 'refused', 'failed'] as const satisfies readonly SignOutResult['revocation'][];
const CONNECTIVITY = ['online', 'offline'] as const satisfies readonly AccountSummary['connectivity'][];
const PHASES = ['ready', 'config_invalid', 'passphrase_required'] as const satisfies readonly SessionState['phase'][];
const OUTCOMES = ['ok', 'error'] as const satisfies readonly AuthEvent['outcome'][];
const BODY_TYPES = ['json', 'text', 'binary', 'empty'] as const satisfies readonly ApiBodyType[];
const DASHBOARDS = ['demo-projects', 'github-repositories'] as const satisfies readonly ApiDashboard[];

const enumsCoverTheirUnions: [
  Covers<ProviderMark, (typeof PROVIDER_MARKS)[number]>,
  Covers<AuthEvent['kind'], (typeof EVENT_KINDS)[number]>,
  Covers<SignOutResult['revocation'], (typeof REVOCATIONS)[number]>,
  Covers<AccountSummary['connectivity'], (typeof CONNECTIVITY)[number]>,
  Covers<SessionState['phase'], (typeof PHASES)[number]>,
  Covers<AuthEvent['outcome'], (typeof OUTCOMES)[number]>,
  Covers<ApiBodyType, (typeof BODY_TYPES)[number]>,
  Covers<ApiDashboard, (typeof DASHBOARDS)[number]>,
] = [true, true, true, true, true, true, true, true];
void enumsCoverTheirUnions;

/** Every channel's answer. The mapped type makes a forgotten channel a compile error. */
type AnswerSchemas = { [C in IpcChannel]: z.ZodType<IpcValue<C>> };
type EventSchemas = { [E in IpcEventName]: z.ZodType<IpcEvents[E]> };

/**
 * Built on first use, not at import: production preloads import this module but never call it, and
 * schemas built at the top level would keep zod in their bundle.
 */
function buildSchemas(): { answers: AnswerSchemas; events: EventSchemas } {
  const errorInfo: z.ZodType<ErrorInfo> = z.looseObject({
    code: z.enum(AUTH_ERROR_CODES),
    message: z.string(),
    hint: z.string().optional(),
    retryAt: z.string().optional(),
    location: z.looseObject({ file: z.string(), line: z.number().optional(), column: z.number().optional() }).optional(),
  });

  const accountSummary: z.ZodType<AccountSummary> = z.looseObject({
    key: z.string(),
    provider: z.string(),
    providerLabel: z.string(),
    subject: z.string(),
    name: z.string(),
    email: z.string().optional(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    picture: z.string().optional(),
    roles: z.array(z.string()),
    local: z.boolean().optional(),
    totp: z.boolean().optional(),
    signedIn: z.boolean(),
    signedInAt: z.string().optional(),
    lastRefreshAt: z.string().optional(),
    accessTokenExpiresAt: z.string().optional(),
    sessionEndsAt: z.string().optional(),
    sessionEndsBecause: z.enum(['refresh_token', 'expiry_days']).optional(),
    sessionEndsSoon: z.boolean().optional(),
    dpop: z.boolean().optional(),
    connectivity: z.enum(CONNECTIVITY),
    stale: z.boolean(),
    signedOutReason: z.string().optional(),
  });

  const providerSummary: z.ZodType<ProviderSummary> = z.looseObject({
    name: z.string(),
    label: z.string(),
    embedded: z.boolean(),
    mark: z.enum(PROVIDER_MARKS),
    issuer: z.string().optional(),
    redirectUris: z.array(z.string()).optional(),
    warning: z.string().optional(),
    details: z.array(z.string()).optional(),
    deviceFlow: z.boolean().optional(),
  });

  const signInProgress: z.ZodType<SignInProgress> = z.looseObject({
    provider: z.string(),
    authorizationUrl: z.string(),
    startedAt: z.string(),
    expiresAt: z.string(),
    redirectUri: z.string(),
    waitingHint: z.string().optional(),
    browserError: z.string().optional(),
  });

  const deviceSignInProgress: z.ZodType<DeviceSignInProgress> = z.looseObject({
    provider: z.string(),
    userCode: z.string(),
    verificationUri: z.string(),
    verificationUriComplete: z.string().optional(),
    qrSvg: z.string(),
    startedAt: z.string(),
    expiresAt: z.string(),
    interval: z.number().positive(),
  });

  const sessionState: z.ZodType<SessionState> = z.looseObject({
    phase: z.enum(PHASES),
    passphraseSetup: z.enum(['create', 'unlock']).optional(),
    accounts: z.array(accountSummary),
    activeAccountKey: z.string().nullable(),
    signIn: signInProgress.nullable(),
    deviceSignIn: deviceSignInProgress.optional(),
    lastSignInError: errorInfo.optional(),
    configError: errorInfo.optional(),
    configPath: z.string(),
  });

  const signOutResult: z.ZodType<SignOutResult> = z.looseObject({
    accountKey: z.string(),
    revoked: z.boolean(),
    revocation: z.enum(REVOCATIONS),
    revocationDetail: z.string().optional(),
    endSessionAvailable: z.boolean(),
    endSessionNote: z.string().optional(),
  });

  const authEvent: z.ZodType<AuthEvent> = z.looseObject({
    at: z.string(),
    kind: z.enum(EVENT_KINDS),
    accountKey: z.string().optional(),
    outcome: z.enum(OUTCOMES),
    code: z.string().optional(),
    detail: z.string().optional(),
  });

  const apiSummary: z.ZodType<ApiSummary> = z.looseObject({
    name: z.string(),
    label: z.string(),
    provider: z.string(),
    baseUrl: z.string(),
    dashboard: z.enum(DASHBOARDS).optional(),
  });

  // Header values are text; the body is whatever the API sent (JSON, text, base64 or null), so only its
  // container is checked here: what a panel makes of it is the panel's business (it checks every field it uses).
  const apiResponse: z.ZodType<ApiResponse> = z.looseObject({
    status: z.number().int().min(100).max(599),
    headers: z.record(z.string(), z.string()),
    bodyType: z.enum(BODY_TYPES),
    body: z.unknown(),
    accountKey: z.string(),
    dpop: z.boolean(),
  });

  const answers: AnswerSchemas = {
    'session:get': sessionState,
    'session:reload': sessionState,
    'session:unlock': sessionState,
    'providers:list': z.array(providerSummary),
    'session:sign-in': accountSummary,
    'session:sign-in-device': accountSummary,
    'session:cancel-sign-in': z.null(),
    'session:reopen-browser': z.null(),
    'session:switch-account': z.null(),
    'session:refresh': accountSummary,
    'session:sign-out': signOutResult,
    'session:open-end-session': z.null(),
    'events:recent': z.array(authEvent),
    ...accountAnswerSchemas(accountSummary),
    ...diagnosticsAnswerSchemas(),
    ...importAnswerSchemas(),
    'apis:list': z.array(apiSummary),
    'api:request': apiResponse,
  };

  const events: EventSchemas = {
    'session:changed': sessionState,
  };
  return { answers, events };
}

let schemas: ReturnType<typeof buildSchemas> | undefined;

export function ipcAnswerSchemas(): ReturnType<typeof buildSchemas> {
  schemas ??= buildSchemas();
  return schemas;
}

/** Where a value first differs from the schema, e.g. `[0]: expected object, received null`; null if it fits. */
function firstProblem(schema: z.ZodType, value: unknown): string | null {
  const result = schema.safeParse(value);
  if (result.success) return null;
  const issue = result.error.issues[0];
  if (issue === undefined) return 'it does not match the contract';
  const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
  return `${path === '' ? 'the answer' : path.replace(/^\./, '')}: ${issue.message}`;
}

/** Checks one invoke answer (the envelope's value); returns what is wrong, or null. */
export function checkIpcAnswer(channel: IpcChannel, value: unknown): string | null {
  return firstProblem(ipcAnswerSchemas().answers[channel], value);
}

/** Checks one main -> renderer event payload; returns what is wrong, or null. */
export function checkIpcEvent(event: IpcEventName, payload: unknown): string | null {
  return firstProblem(ipcAnswerSchemas().events[event], payload);
}
