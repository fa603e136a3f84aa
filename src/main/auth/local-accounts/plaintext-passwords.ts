/**
 * A `password:` written by hand into a local account's record (as Streamlit-Authenticator's documentation
 * tells people to do) is hashed the first time Latchkey reads the file, and the file is rewritten at once —
 * under its lock, keeping every comment — so the password does not stay readable there. Each account hashed
 * is reported (the CLI prints it, the app's activity list shows it); the password itself never is.
 */
import type { SessionCore } from '../session-core';
import { isPasswordHash } from './password-hash-format';
import { hashPassword } from './passwords';

/** Hashes every hand-written password of local accounts; resolves with the keys of the accounts concerned. */
export async function hashPlaintextPasswords(core: SessionCore): Promise<string[]> {
  const config = core.config;
  if (!config) return [];
  const pending = Object.entries(config.credentials.usernames).filter(
    ([, record]) => record.password !== undefined && !isPasswordHash(record.password) && core.isLocalProvider(record.provider),
  );
  if (pending.length === 0) return [];
  const cost = config.access.password_hash_cost;
  const hashes = new Map<string, { plain: string; hash: string }>();
  for (const [key, record] of pending) hashes.set(key, { plain: record.password as string, hash: await hashPassword(record.password as string, cost) });
  const done: string[] = [];
  core.setConfig(
    await core.options.store.update((draft) => {
      for (const [key, { plain, hash }] of hashes) {
        const current = draft.getAccount(key);
        // Only if it is still the text that was hashed (another process may have done this already).
        if (current?.password !== plain) continue;
        draft.setAccount(key, { ...current, password: hash });
        done.push(key);
      }
    }),
  );
  for (const key of done) {
    await core.options.events.record({ kind: 'restore', accountKey: key, outcome: 'ok', detail: 'the password written by hand in config.yaml was replaced by its hash' });
  }
  return done;
}
