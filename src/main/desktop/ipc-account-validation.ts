/**
 * Argument schemas of the account channels (src/shared/accounts-ipc.ts). Like every IPC argument they arrive
 * as `unknown` from a renderer treated as untrusted: strict plain objects, bounded strings, nothing echoed in
 * a message — which matters doubly here, since these objects carry passwords.
 */
import { z } from 'zod';
import { accountKeySchema, isPlainObject } from './ipc-validation';

/** Longest password accepted over IPC (the policy's own maximum is checked by the engine). */
export const PASSWORD_MAX_CHARS = 1024;

const secret = z.string().min(1).max(PASSWORD_MAX_CHARS);
const namePart = z.string().max(100);

function plainStrictObject<T extends z.ZodRawShape>(shape: T) {
  return z.custom<Record<string, unknown>>(isPlainObject, { message: 'must be a plain object' }).pipe(z.strictObject(shape));
}

export const roleSchema = z.string().min(1).max(100);

export const localSignInSchema = plainStrictObject({
  identifier: z.string().min(1).max(320),
  password: secret,
  newPassword: secret.optional(),
  totpCode: z.string().min(1).max(32).optional(),
});

/** A TOTP or recovery code as typed. */
export const totpCodeSchema = z.string().min(1).max(32);

export const registrationSchema = plainStrictObject({
  username: z.string().min(1).max(64),
  email: z.string().min(3).max(254),
  firstName: namePart.optional(),
  lastName: namePart.optional(),
  password: secret,
});

export const passwordChangeSchema = plainStrictObject({
  accountKey: accountKeySchema.optional(),
  currentPassword: secret,
  newPassword: secret,
});

export const detailsUpdateSchema = plainStrictObject({
  accountKey: accountKeySchema,
  firstName: namePart.optional(),
  lastName: namePart.optional(),
  name: z.string().min(1).max(200).optional(),
  email: z.string().min(3).max(254).optional(),
});

/** A parsed object rebuilt with only the fields that were given (no `undefined` holes reach the engine). */
export function given<T extends object>(parsed: T): T {
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined)) as T;
}
