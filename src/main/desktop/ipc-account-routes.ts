/**
 * The routes of the account channels (src/shared/accounts-ipc.ts), part of the router's one table
 * (ipc-router.ts): each validates its whole argument list, then asks the engine. The admin list's role check
 * is the engine's, so it holds whoever asks.
 */
import { z } from 'zod';
import type { AccountsChannel } from '../../shared/accounts-ipc';
import { detailsUpdateSchema, given, localSignInSchema, PASSWORD_MAX_CHARS, passwordChangeSchema, registrationSchema, roleSchema, totpCodeSchema } from './ipc-account-validation';
import type { RouteDefinition } from './ipc-router';
import { accountKeySchema } from './ipc-validation';

export const ACCOUNT_ROUTES: { [C in AccountsChannel]: RouteDefinition<C> } = {
  'access:has-role': {
    names: ['role', 'accountKey'],
    required: 1,
    args: z.tuple([roleSchema, accountKeySchema.optional()]),
    run: (engine, [role, accountKey]) => (accountKey === undefined ? engine.hasRole(role) : engine.hasRole(role, accountKey)),
  },
  'admin:users': {
    names: [],
    required: 0,
    args: z.tuple([]),
    run: (engine) => engine.listUsers(),
  },
  'local:info': {
    names: [],
    required: 0,
    args: z.tuple([]),
    run: (engine) => engine.localAccountsInfo(),
  },
  'local:sign-in': {
    names: ['request'],
    required: 1,
    args: z.tuple([localSignInSchema]),
    run: (engine, [request]) => engine.signInLocal(given(request)),
  },
  'local:register': {
    names: ['request'],
    required: 1,
    args: z.tuple([registrationSchema]),
    run: (engine, [request]) => engine.register(given(request)),
  },
  'local:change-password': {
    names: ['request'],
    required: 1,
    args: z.tuple([passwordChangeSchema]),
    run: async (engine, [request]) => {
      await engine.changePassword(given(request));
      return null;
    },
  },
  'account:update-details': {
    names: ['update'],
    required: 1,
    args: z.tuple([detailsUpdateSchema]),
    run: (engine, [update]) => engine.updateDetails(given(update)),
  },
  'totp:begin': {
    names: ['accountKey'],
    required: 0,
    args: z.tuple([accountKeySchema.optional()]),
    run: (engine, [accountKey]) => (accountKey === undefined ? engine.beginTotp() : engine.beginTotp(accountKey)),
  },
  'totp:confirm': {
    names: ['code', 'accountKey'],
    required: 1,
    args: z.tuple([totpCodeSchema, accountKeySchema.optional()]),
    run: (engine, [code, accountKey]) => (accountKey === undefined ? engine.confirmTotp(code) : engine.confirmTotp(code, accountKey)),
  },
  'totp:disable': {
    names: ['password', 'accountKey'],
    required: 1,
    args: z.tuple([z.string().min(1).max(PASSWORD_MAX_CHARS), accountKeySchema.optional()]),
    run: async (engine, [password, accountKey]) => {
      await (accountKey === undefined ? engine.disableTotp(password) : engine.disableTotp(password, accountKey));
      return null;
    },
  },
};
