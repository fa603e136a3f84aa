/**
 * `window.latchkey.accounts`: who may sign in, roles and local accounts, over the same transport and envelope
 * as the rest of the API (api.ts). Optional arguments are left out rather than sent as `undefined`.
 */
import type { AccountsApi } from '../shared/accounts-ipc';
import type { IpcArgs, IpcChannel, IpcValue } from '../shared/ipc';

type Call = <C extends IpcChannel>(channel: C, ...args: IpcArgs<C>) => Promise<IpcValue<C>>;
type Guard = <A extends unknown[], R>(method: (...args: A) => Promise<R>) => (...args: A) => Promise<R>;

export function createAccountsApi(call: Call): AccountsApi {
  return {
    hasRole: (role, accountKey) => (accountKey === undefined ? call('access:has-role', role) : call('access:has-role', role, accountKey)),
    listUsers: () => call('admin:users'),
    localInfo: () => call('local:info'),
    signInLocal: (request) => call('local:sign-in', request),
    register: (request) => call('local:register', request),
    changePassword: async (request) => {
      await call('local:change-password', request);
    },
    updateDetails: (update) => call('account:update-details', update),
    beginTotp: (accountKey) => (accountKey === undefined ? call('totp:begin') : call('totp:begin', accountKey)),
    confirmTotp: (code, accountKey) => (accountKey === undefined ? call('totp:confirm', code) : call('totp:confirm', code, accountKey)),
    disableTotp: async (password, accountKey) => {
      await (accountKey === undefined ? call('totp:disable', password) : call('totp:disable', password, accountKey));
    },
  };
}

/** The same API with every rejection made bridge-safe (see withBridgeSafeErrors). */
export function guardAccountsApi(api: AccountsApi, guard: Guard): AccountsApi {
  return {
    hasRole: guard(api.hasRole),
    listUsers: guard(api.listUsers),
    localInfo: guard(api.localInfo),
    signInLocal: guard(api.signInLocal),
    register: guard(api.register),
    changePassword: guard(api.changePassword),
    updateDetails: guard(api.updateDetails),
    beginTotp: guard(api.beginTotp),
    confirmTotp: guard(api.confirmTotp),
    disableTotp: guard(api.disableTotp),
  };
}
