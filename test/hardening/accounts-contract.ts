/**
 * The IPC contract of the account channels (src/shared/accounts-ipc.ts) stated on its own, for the router fuzz
 * test: which argument lists are valid (independently of the router's zod schemas), what engine call each must
 * become, and near-valid arguments that hit both sides of every rule — including objects that carry a
 * password marker, which must never be echoed in a refusal.
 */
import { ACCOUNTS_CHANNELS, type AccountsChannel } from '../../src/shared/accounts-ipc';
import type { Rng } from './fuzz-random';
import { isAccountKey, type RecordedCall } from './recording-engine';

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const text = (value: unknown, min: number, max: number): boolean => typeof value === 'string' && value.length >= min && value.length <= max;
const optionalText = (value: unknown, min: number, max: number): boolean => value === undefined || text(value, min, max);
const onlyKeys = (value: Record<string, unknown>, keys: string[]): boolean => Object.keys(value).every((key) => keys.includes(key));

export function isAccountsChannel(channel: string): channel is AccountsChannel {
  return (ACCOUNTS_CHANNELS as readonly string[]).includes(channel);
}

export function isRole(value: unknown): value is string {
  return text(value, 1, 100);
}

export function isLocalSignInRequest(value: unknown): boolean {
  return (
    isPlain(value) &&
    onlyKeys(value, ['identifier', 'password', 'newPassword', 'totpCode']) &&
    text(value.identifier, 1, 320) &&
    text(value.password, 1, 1024) &&
    optionalText(value.newPassword, 1, 1024) &&
    optionalText(value.totpCode, 1, 32)
  );
}

/** A TOTP or recovery code, and a password, as the totp channels take them. */
export const isTotpCode = (value: unknown): value is string => text(value, 1, 32);
export const isPassword = (value: unknown): value is string => text(value, 1, 1024);

export function isRegistrationRequest(value: unknown): boolean {
  return (
    isPlain(value) &&
    onlyKeys(value, ['username', 'email', 'firstName', 'lastName', 'password']) &&
    text(value.username, 1, 64) &&
    text(value.email, 3, 254) &&
    optionalText(value.firstName, 0, 100) &&
    optionalText(value.lastName, 0, 100) &&
    text(value.password, 1, 1024)
  );
}

export function isPasswordChangeRequest(value: unknown): boolean {
  return (
    isPlain(value) &&
    onlyKeys(value, ['accountKey', 'currentPassword', 'newPassword']) &&
    (value.accountKey === undefined || isAccountKey(value.accountKey)) &&
    text(value.currentPassword, 1, 1024) &&
    text(value.newPassword, 1, 1024)
  );
}

export function isDetailsUpdate(value: unknown): boolean {
  return (
    isPlain(value) &&
    onlyKeys(value, ['accountKey', 'firstName', 'lastName', 'name', 'email']) &&
    isAccountKey(value.accountKey) &&
    optionalText(value.firstName, 0, 100) &&
    optionalText(value.lastName, 0, 100) &&
    optionalText(value.name, 1, 200) &&
    optionalText(value.email, 3, 254)
  );
}

/** The object as the engine must receive it: the given fields only. */
function given(value: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined));
}

/** What the contract says an account channel's argument list means: the engine call, or null if invalid. */
export function expectedAccountCall(channel: AccountsChannel, args: unknown[]): RecordedCall | null {
  const [first, second] = args;
  const one = args.length === 1;
  switch (channel) {
    case 'access:has-role':
      if (!isRole(first) || args.length < 1 || args.length > 2) return null;
      if (second === undefined) return { method: 'hasRole', args: [first] };
      return isAccountKey(second) ? { method: 'hasRole', args: [first, second] } : null;
    case 'admin:users':
      return args.length === 0 ? { method: 'listUsers', args: [] } : null;
    case 'local:info':
      return args.length === 0 ? { method: 'localAccountsInfo', args: [] } : null;
    case 'local:sign-in':
      return one && isLocalSignInRequest(first) ? { method: 'signInLocal', args: [given(first)] } : null;
    case 'local:register':
      return one && isRegistrationRequest(first) ? { method: 'register', args: [given(first)] } : null;
    case 'local:change-password':
      return one && isPasswordChangeRequest(first) ? { method: 'changePassword', args: [given(first)] } : null;
    case 'account:update-details':
      return one && isDetailsUpdate(first) ? { method: 'updateDetails', args: [given(first)] } : null;
    case 'totp:begin':
      if (args.length > 1) return null;
      if (first === undefined) return { method: 'beginTotp', args: [] };
      return isAccountKey(first) ? { method: 'beginTotp', args: [first] } : null;
    case 'totp:confirm':
    case 'totp:disable': {
      const method = channel === 'totp:confirm' ? 'confirmTotp' : 'disableTotp';
      const valid = channel === 'totp:confirm' ? isTotpCode(first) : isPassword(first);
      if (!valid || args.length < 1 || args.length > 2) return null;
      if (second === undefined) return { method, args: [first] };
      return isAccountKey(second) ? { method, args: [first, second] } : null;
    }
  }
}

/** Mostly `valid`, else one of `others`: both sides of each rule, with enough valid objects overall. */
function mostly(rng: Rng, valid: unknown, others: unknown[]): unknown {
  return rng.chance(0.8) ? valid : rng.pick(others);
}

/** Passwords the fuzzer sends: each carries the marker that must never come back in a message. */
function secretish(rng: Rng, marker: string): unknown {
  return mostly(rng, `${marker}-pw`, [`${marker}${'p'.repeat(1020)}`, `${marker}${'p'.repeat(1030)}`, '', 42, null, undefined, `${marker}\u0000\n`]);
}

/** A near-valid argument for an account channel (`random` supplies anything else). */
export function nearValidAccountArg(rng: Rng, channel: AccountsChannel, keyish: readonly string[], marker: string, random: (rng: Rng) => unknown): unknown {
  if (rng.chance(0.2)) return random(rng);
  const maybe = (value: () => unknown, chance = 0.6): unknown => (rng.chance(chance) ? value() : undefined);
  let object: Record<string, unknown>;
  switch (channel) {
    case 'access:has-role':
      return rng.pick(['admin', 'viewer', 'x'.repeat(100), 'x'.repeat(101), '', 7, `${marker}-role`]);
    case 'admin:users':
    case 'local:info':
    case 'totp:begin':
      return rng.chance(0.5) ? rng.pick(keyish) : random(rng);
    case 'totp:confirm':
      return mostly(rng, '123456', ['', 'x'.repeat(33), `${marker}-code`, 123456]);
    case 'totp:disable':
      return secretish(rng, marker);
    case 'local:sign-in':
      object = {
        identifier: mostly(rng, 'ada', ['ada@example.com', '', 'x'.repeat(321), `${marker}@example.com`, 5]),
        password: secretish(rng, marker),
        newPassword: maybe(() => secretish(rng, marker), 0.3),
        totpCode: maybe(() => mostly(rng, '123456', ['', 'x'.repeat(33), 123456]), 0.3),
      };
      break;
    case 'local:register':
      object = {
        username: mostly(rng, 'ada', ['', 'x'.repeat(65), `${marker}`, 3]),
        email: mostly(rng, 'ada@example.com', ['a', `${marker}@x.example`, 'x'.repeat(255), null]),
        firstName: maybe(() => mostly(rng, 'Ada', ['', 'x'.repeat(101), 1])),
        lastName: maybe(() => mostly(rng, 'Lovelace', ['x'.repeat(100), {}])),
        password: secretish(rng, marker),
      };
      break;
    case 'local:change-password':
      object = { accountKey: maybe(() => rng.pick(keyish), 0.4), currentPassword: secretish(rng, marker), newPassword: secretish(rng, marker) };
      break;
    case 'account:update-details':
      object = {
        accountKey: rng.chance(0.8) ? rng.pick(keyish) : undefined,
        name: maybe(() => rng.pick(['Ada L.', '', 'x'.repeat(201)]), 0.3),
        firstName: maybe(() => rng.pick(['Ada', 'x'.repeat(101)]), 0.3),
        email: maybe(() => rng.pick(['ada@example.org', 'ab', `${marker}@x.example`]), 0.3),
      };
      break;
  }
  for (const key of Object.keys(object)) if (object[key] === undefined && rng.chance(0.7)) delete object[key];
  if (rng.chance(0.1)) object[rng.pick(['role', 'roles', 'admin', '__proto__', 'Password'])] = true;
  return object;
}
