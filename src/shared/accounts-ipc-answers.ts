/**
 * Answer schemas of the account channels, for the development builds' check of every IPC answer
 * (ipc-answers.ts). Loose objects like the rest: a new optional field needs no change here.
 */
import { z } from 'zod';
import type { LocalAccountsInfo, TotpActivation, TotpEnrollment, UserSummary } from './accounts';
import type { AccountsChannel } from './accounts-ipc';
import type { IpcValue } from './ipc';
import type { AccountSummary } from './session';

export function accountAnswerSchemas(accountSummary: z.ZodType<AccountSummary>): { [C in AccountsChannel]: z.ZodType<IpcValue<C>> } {
  const userSummary: z.ZodType<UserSummary> = z.looseObject({
    key: z.string(),
    name: z.string(),
    email: z.string().optional(),
    provider: z.string(),
    local: z.boolean(),
    roles: z.array(z.string()),
    providerRoles: z.array(z.string()),
    signedIn: z.boolean(),
    failedLoginAttempts: z.number(),
    lockedUntil: z.string().optional(),
    mustChangePassword: z.boolean(),
    totp: z.boolean(),
    lastLogin: z.string().optional(),
  });
  const localInfo: z.ZodType<LocalAccountsInfo> = z.looseObject({
    provider: z.string(),
    label: z.string(),
    registration: z.boolean(),
    passwordRules: z.array(z.string()),
    minLength: z.number(),
  });
  return {
    'access:has-role': z.boolean(),
    'admin:users': z.array(userSummary),
    'local:info': localInfo.nullable(),
    'local:sign-in': accountSummary,
    'local:register': accountSummary,
    'local:change-password': z.null(),
    'account:update-details': accountSummary,
    'totp:begin': z.looseObject({ qrSvg: z.string(), label: z.string(), expiresAt: z.string() }) satisfies z.ZodType<TotpEnrollment>,
    'totp:confirm': z.looseObject({ recoveryCodes: z.array(z.string()) }) satisfies z.ZodType<TotpActivation>,
    'totp:disable': z.null(),
  };
}
