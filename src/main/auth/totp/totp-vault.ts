/**
 * Where a local account's TOTP secret lives: in the keychain vault, beside its session, as a token-set-like
 * entry under `<account>#totp` — never in config.yaml (which only says `totp: true`), a log or the window.
 * The entry also holds the SHA-256 digests of the unused recovery codes and the last step a code was accepted
 * for (a code is good once: an observed code cannot be replayed).
 */
import { createHash } from 'node:crypto';
import type { TokenVault } from '../storage';

export const TOTP_TOKEN_TYPE = 'latchkey-totp';

export interface TotpSecret {
  /** base32 */
  secret: string;
  /** SHA-256 hex digests of the recovery codes not used yet. */
  recovery: string[];
  lastStep: number;
}

export function totpVaultKey(accountKey: string): string {
  return `${accountKey}#totp`;
}

/** Recovery codes are compared without case, spaces or dashes. */
export function recoveryDigest(code: string): string {
  return createHash('sha256').update(code.toUpperCase().replace(/[\s-]/g, '')).digest('hex');
}

export async function readTotp(vault: TokenVault, accountKey: string): Promise<TotpSecret | null> {
  const entry = await vault.get(totpVaultKey(accountKey));
  if (!entry || entry.tokenType !== TOTP_TOKEN_TYPE) return null;
  const parsed = JSON.parse(entry.accessToken) as Partial<TotpSecret>;
  if (typeof parsed.secret !== 'string' || !Array.isArray(parsed.recovery) || typeof parsed.lastStep !== 'number') return null;
  return { secret: parsed.secret, recovery: parsed.recovery.filter((d): d is string => typeof d === 'string'), lastStep: parsed.lastStep };
}

export async function writeTotp(vault: TokenVault, accountKey: string, value: TotpSecret, now: number): Promise<void> {
  await vault.set(totpVaultKey(accountKey), { accessToken: JSON.stringify(value), tokenType: TOTP_TOKEN_TYPE, obtainedAt: now });
}

export async function deleteTotp(vault: TokenVault, accountKey: string): Promise<void> {
  await vault.delete(totpVaultKey(accountKey));
}
