/**
 * A local account's session, kept exactly like a third-party one so that restore, sign-out, expiry
 * (`session.expiry_days`) and "signed in in another process" all work the same: a random session secret in
 * the keychain vault as a token-set-like entry (no expiry, no refresh token), the record's `logged_in` in
 * config.yaml. Keychain first, then YAML, then listeners: a record that says logged_in always has its secret
 * behind it. The secret never leaves the main process and never reaches YAML, a log or the window.
 */
import { randomBytes } from 'node:crypto';
import { AuthError } from '../../../shared/errors';
import type { AccountSummary } from '../../../shared/session';
import type { AccountRecord } from '../../store/schema';
import type { SessionCore } from '../session-core';
import type { AccountEdits, TokenSet } from '../storage';

/** The `tokenType` of a local session's vault entry. */
export const LOCAL_SESSION_TOKEN_TYPE = 'latchkey-local-session';

export function newLocalSessionSecret(now: number): TokenSet {
  return { accessToken: randomBytes(32).toString('base64url'), tokenType: LOCAL_SESSION_TOKEN_TYPE, obtainedAt: now };
}

/**
 * Starts a session for `key`: secret to the keychain, then `edit` (under config.yaml's lock, on the record
 * as it is on disk now) with `logged_in`, `last_login` and `signed_in_at` set, then the account becomes the
 * active one and listeners hear of it. `edit` may throw to refuse (the secret is then deleted again).
 */
export async function startLocalSession(
  core: SessionCore,
  key: string,
  edit: (current: AccountRecord, draft: AccountEdits) => AccountRecord,
): Promise<AccountSummary> {
  const tokens = newLocalSessionSecret(core.now());
  await core.options.vault.set(key, tokens);
  const nowIso = new Date(core.now()).toISOString();
  try {
    const config = await core.options.store.update((draft) => {
      const current = draft.getAccount(key);
      if (!current) throw new AuthError('unknown_account', `There is no account "${key}" in config.yaml.`);
      const next: AccountRecord = { ...edit(current, draft), logged_in: true, last_login: nowIso, signed_in_at: nowIso };
      delete next.signed_out_reason;
      draft.setAccount(key, next);
      draft.setActiveAccount(key);
    });
    core.setConfig(config);
  } catch (err) {
    await core.options.vault.delete(key).catch(() => undefined);
    throw err;
  }
  const runtime = core.runtimeFor(key);
  runtime.tokens = tokens;
  runtime.connectivity = 'online';
  runtime.retryAttempt = 0;
  delete runtime.unavailableReason;
  core.activeKey = key;
  await core.options.events.record({ kind: 'sign_in', accountKey: key, outcome: 'ok', detail: 'local account' });
  core.emit();
  return core.summary(key);
}

/**
 * What "refresh" means for a local session: its secret is still in the keychain (another process may have
 * signed it out) — then `last_refresh` is recorded; otherwise the account follows what is on disk.
 */
export async function confirmLocalSession(core: SessionCore, key: string): Promise<TokenSet> {
  const stored = await core.options.vault.get(key);
  if (!stored) {
    await core.signOutLocally(key, undefined);
    core.emit();
    throw new AuthError('not_signed_in', `Account "${key}" was signed out.`);
  }
  // Signed in again in another process (the CLI): same person, same machine — use the newer secret.
  core.runtimeFor(key).tokens = stored;
  const nowIso = new Date(core.now()).toISOString();
  core.setConfig(
    await core.options.store.update((draft) => {
      const existing = draft.getAccount(key);
      if (existing) draft.setAccount(key, { ...existing, last_refresh: nowIso });
    }),
  );
  await core.options.events.record({ kind: 'refresh', accountKey: key, outcome: 'ok', detail: 'local session confirmed' });
  core.emit();
  return stored;
}
