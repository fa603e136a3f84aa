/**
 * Local accounts through the engine, with the real keychain (private session) and real config files: adding
 * one, signing in by username or e-mail, the session restored in a new engine like a third-party one (its
 * secret only in the keychain), lockout with its persisted count and time-based unlock, Streamlit-Authenticator
 * bcrypt hashes upgraded, a hand-written password hashed when the file is read, registration, password
 * changes, details, one-time passwords and the allow-lists.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { LOCAL_SESSION_TOKEN_TYPE } from '../../src/main/auth/local-accounts/local-sessions';
import { SecretVault } from '../../src/main/store/secrets';
import { isAuthError } from '../../src/shared/errors';
import { tempHome, type TempHome } from '../helpers/engine-fixture';
import { useCleanups } from '../helpers/test-lifecycle';

const defer = useCleanups();
const PASSWORD = 'correct horse battery';
/** Streamlit-Authenticator's example hash of "abc" (its config.yaml, cost 12). */
const STREAMLIT_ABC = '$2b$12$lhOfbg3eMo9/TIcgFOvlbuYTGJQBdTLU/ek3SiDOooJNrIktqfKr6';

async function home(access: Record<string, unknown> = {}, usernames: Record<string, unknown> = {}): Promise<TempHome> {
  const at = await tempHome();
  defer(at.cleanup);
  await writeFile(
    at.configPath,
    stringify({
      session: { expiry_days: 30 },
      providers: { team: { label: 'Team', local: true } },
      access: { password_hash_cost: 14, ...access },
      credentials: { usernames },
    }),
    { mode: 0o600 },
  );
  return at;
}

async function engine(at: TempHome, now?: () => number): Promise<Latchkey> {
  const latchkey = await createLatchkey({
    configPath: at.configPath,
    keychainService: at.keychainService,
    openBrowser: async () => {
      throw new Error('no browser for local accounts');
    },
    embeddedProvider: false,
    role: 'cli',
    ...(now ? { now } : {}),
  });
  defer(() => latchkey.close());
  await latchkey.restore();
  return latchkey;
}

function vault(at: TempHome): SecretVault {
  return new SecretVault({ service: at.keychainService, dir: join(at.dir, 'secrets') });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed YAML document, inspected field by field
async function records(at: TempHome): Promise<Record<string, any>> {
  return parse(await readFile(at.configPath, 'utf8')).credentials.usernames;
}

async function refusal(promise: Promise<unknown>): Promise<Error & { code?: string; retryAt?: string }> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: Error) => error,
  );
}

describe('local accounts', () => {
  it('signs in by username or e-mail, keeps the session secret in the keychain only, and restores it like any session', async () => {
    const at = await home();
    const first = await engine(at);
    await first.users.add({ username: 'Ada', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', password: PASSWORD });
    const ada = await first.engine.signInLocal({ identifier: 'ada', password: PASSWORD });
    expect(ada).toMatchObject({ key: 'ada', name: 'Ada Lovelace', email: 'ada@example.com', provider: 'team', providerLabel: 'Team', local: true, signedIn: true });

    const tokens = await vault(at).get('ada');
    expect(tokens?.tokenType).toBe(LOCAL_SESSION_TOKEN_TYPE);
    expect(tokens?.accessToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const secret = tokens?.accessToken as string;
    const yaml = await readFile(at.configPath, 'utf8');
    const log = await readFile(join(at.dir, 'auth-events.jsonl'), 'utf8');
    for (const text of [yaml, log, JSON.stringify(first.engine.getState()), JSON.stringify(await first.users.list())]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(PASSWORD);
    }
    expect((await records(at)).ada).toMatchObject({ provider: 'team', subject: 'ada', logged_in: true, failed_login_attempts: 0, password: expect.stringMatching(/^\$scrypt\$ln=14,/) });
    expect(isAuthError(await refusal(first.getAccessToken('ada')), 'invalid_argument')).toBe(true);
    await first.close();

    // A new process: signed in at once, from the keychain, no password asked.
    const second = await engine(at);
    expect(second.engine.getState()).toMatchObject({ activeAccountKey: 'ada', accounts: [{ key: 'ada', signedIn: true, local: true }] });
    const refreshed = await second.engine.refreshNow('ada');
    expect(refreshed.lastRefreshAt).toBeDefined();
    const out = await second.engine.signOut();
    expect(out).toMatchObject({ accountKey: 'ada', revoked: true, endSessionAvailable: false });
    expect(await vault(at).get('ada')).toBeNull();
    expect((await records(at)).ada.logged_in).toBe(false);

    // By e-mail, in any case.
    expect((await second.engine.signInLocal({ identifier: 'ADA@Example.com', password: PASSWORD })).key).toBe('ada');
  });

  it('locks an account after max_login_attempts wrong passwords (counted in config.yaml, across processes) and unlocks with time', async () => {
    const at = await home({ max_login_attempts: 3, lockout_minutes: 10 });
    let now = Date.parse('2026-06-01T10:00:00.000Z');
    const clock = () => now;
    const app = await engine(at, clock);
    await app.users.add({ username: 'bo', email: 'bo@example.com', password: PASSWORD });
    for (let i = 0; i < 2; i += 1) {
      const wrong = await refusal(app.engine.signInLocal({ identifier: 'bo', password: 'not it' }));
      expect(wrong.code).toBe('invalid_credentials');
      expect(wrong.message).toBe('The username (or e-mail) and password do not match an account.');
    }
    expect((await records(at)).bo.failed_login_attempts).toBe(2);

    const cli = await engine(at, clock); // the third attempt from another process
    const locked = await refusal(cli.engine.signInLocal({ identifier: 'bo', password: 'still not it' }));
    expect(locked.code).toBe('locked_out');
    expect(locked.retryAt).toBe('2026-06-01T10:10:00.000Z');
    expect(locked.message).toContain('another 10 min 0 s');
    expect((await records(at)).bo).toMatchObject({ failed_login_attempts: 3, locked_until: '2026-06-01T10:10:00.000Z' });

    now += 4 * 60_000;
    const stillLocked = await refusal(app.engine.signInLocal({ identifier: 'bo', password: PASSWORD }));
    expect(stillLocked).toMatchObject({ code: 'locked_out', retryAt: '2026-06-01T10:10:00.000Z' });
    expect(stillLocked.message).toContain('another 6 min 0 s');

    now += 6 * 60_000 + 1_000;
    expect((await app.engine.signInLocal({ identifier: 'bo', password: PASSWORD })).signedIn).toBe(true);
    const bo = (await records(at)).bo;
    expect(bo.failed_login_attempts).toBe(0);
    expect(bo.locked_until).toBeUndefined();

    // An unknown name is refused with the same words, and the name typed is not logged.
    const unknown = await refusal(app.engine.signInLocal({ identifier: 'nobody-here', password: 'x' }));
    expect(unknown).toMatchObject({ code: 'invalid_credentials', message: 'The username (or e-mail) and password do not match an account.' });
    const events = await readFile(join(at.dir, 'auth-events.jsonl'), 'utf8');
    expect(events).not.toContain('nobody-here');
    expect(events).toContain('"code":"locked_out"');
  });

  it("accepts a Streamlit-Authenticator bcrypt hash and replaces it with scrypt at the first sign-in", async () => {
    const at = await home({}, { jsmith: { name: 'John Smith', email: 'jsmith@gmail.com', password: STREAMLIT_ABC, provider: 'team', subject: 'jsmith', roles: ['viewer'], failed_login_attempts: 0, logged_in: false } });
    const latchkey = await engine(at);
    expect((await refusal(latchkey.engine.signInLocal({ identifier: 'jsmith', password: 'abd' }))).code).toBe('invalid_credentials');
    await latchkey.engine.signInLocal({ identifier: 'jsmith', password: 'abc' });
    const stored = (await records(at)).jsmith.password as string;
    expect(stored).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$/);
    await latchkey.engine.signOut();
    expect((await latchkey.engine.signInLocal({ identifier: 'jsmith', password: 'abc' })).signedIn).toBe(true);
    expect((await records(at)).jsmith.password).toBe(stored);
    expect(await readFile(join(at.dir, 'auth-events.jsonl'), 'utf8')).toContain('stored password hash upgraded to scrypt');
  });

  it('hashes a password written by hand when the file is read, rewriting it with its comments, and says so', async () => {
    const at = await home();
    const text = (await readFile(at.configPath, 'utf8')).replace(
      'usernames: {}',
      'usernames:\n    kim:\n      name: Kim\n      password: hunter2-by-hand # set by the admin\n      provider: team\n      subject: kim\n      logged_in: false',
    );
    await writeFile(at.configPath, `# my notes\n${text}`);
    const latchkey = await engine(at);
    const after = await readFile(at.configPath, 'utf8');
    expect(after).not.toContain('hunter2-by-hand');
    expect(after).toMatch(/password: \$scrypt\$ln=14,r=8,p=1\$\S+ # set by the admin/);
    expect(after.startsWith('# my notes\n')).toBe(true);
    expect(latchkey.notices()).toEqual([`The password written by hand for "kim" in ${at.configPath} was replaced by its hash.`]);
    expect(await readFile(join(at.dir, 'auth-events.jsonl'), 'utf8')).not.toContain('hunter2');
    expect((await latchkey.engine.signInLocal({ identifier: 'kim', password: 'hunter2-by-hand' })).key).toBe('kim');
  });

  it('upgrades a hash made with less than access.password_hash_cost at the next sign-in', async () => {
    const at = await home();
    const latchkey = await engine(at);
    await latchkey.users.add({ username: 'lee', password: PASSWORD });
    const doc = parse(await readFile(at.configPath, 'utf8'));
    doc.access.password_hash_cost = 15;
    await writeFile(at.configPath, stringify(doc));
    await latchkey.engine.signInLocal({ identifier: 'lee', password: PASSWORD });
    expect((await records(at)).lee.password).toMatch(/^\$scrypt\$ln=15,/);
  });
});

describe('registration', () => {
  it('is refused while access.registration is off', async () => {
    const at = await home();
    const latchkey = await engine(at);
    expect((await refusal(latchkey.engine.register({ username: 'eve', email: 'eve@example.com', password: PASSWORD }))).code).toBe('registration_closed');
    expect(await records(at)).toEqual({});
  });

  it('admits only the allow-lists, applies the password policy and default roles, and refuses taken names and addresses', async () => {
    const at = await home({ registration: true, allowed_domains: ['example.com'], default_roles: ['viewer'], password_policy: { min_length: 12, require_digit: true } });
    const latchkey = await engine(at);
    expect((await refusal(latchkey.engine.register({ username: 'eve', email: 'eve@evil.example', password: 'long enough pass 1' }))).code).toBe('not_allowed');
    const weak = await refusal(latchkey.engine.register({ username: 'eve', email: 'eve@example.com', password: 'short1' }));
    expect(weak).toMatchObject({ code: 'weak_password' });
    expect(weak.message).toContain('at least 12 characters');
    expect(weak.message).not.toContain('short1');
    expect(await records(at)).toEqual({});

    const eve = await latchkey.engine.register({ username: 'Eve', email: 'eve@example.com', firstName: 'Eve', lastName: 'Ng', password: 'long enough pass 1' });
    expect(eve).toMatchObject({ key: 'eve', name: 'Eve Ng', roles: ['viewer'], signedIn: true, local: true });
    expect((await records(at)).eve).toMatchObject({ provider: 'team', roles: ['viewer'], first_name: 'Eve', last_name: 'Ng', logged_in: true });
    expect(latchkey.engine.hasRole('viewer')).toBe(true);
    expect((await refusal(latchkey.engine.register({ username: 'eve', email: 'other@example.com', password: 'long enough pass 2' }))).code).toBe('account_exists');
    expect((await refusal(latchkey.engine.register({ username: 'eve2', email: 'EVE@example.com', password: 'long enough pass 2' }))).code).toBe('account_exists');
  });
});

describe('a signed-in local account', () => {
  it('changes its password (the current one asked again, the policy applied) and its details, each at once in config.yaml', async () => {
    const at = await home({ allowed_domains: ['example.com'] });
    const latchkey = await engine(at);
    await latchkey.users.add({ username: 'ada', email: 'ada@example.com', password: PASSWORD });
    await latchkey.users.add({ username: 'bo', email: 'bo@example.com', password: PASSWORD });
    await latchkey.engine.signInLocal({ identifier: 'ada', password: PASSWORD });

    expect((await refusal(latchkey.engine.changePassword({ currentPassword: 'wrong', newPassword: 'a new long password' }))).code).toBe('invalid_credentials');
    expect((await refusal(latchkey.engine.changePassword({ currentPassword: PASSWORD, newPassword: 'short' }))).code).toBe('weak_password');
    await latchkey.engine.changePassword({ currentPassword: PASSWORD, newPassword: 'a new long password' });
    await latchkey.engine.signOut();
    expect((await refusal(latchkey.engine.signInLocal({ identifier: 'ada', password: PASSWORD }))).code).toBe('invalid_credentials');
    await latchkey.engine.signInLocal({ identifier: 'ada', password: 'a new long password' });

    expect((await refusal(latchkey.engine.updateDetails({ accountKey: 'ada', email: 'bo@example.com' }))).code).toBe('account_exists');
    expect((await refusal(latchkey.engine.updateDetails({ accountKey: 'ada', email: 'ada@elsewhere.example' }))).code).toBe('not_allowed');
    const updated = await latchkey.engine.updateDetails({ accountKey: 'ada', firstName: 'Ada', lastName: 'Lovelace', email: 'ada.l@example.com' });
    expect(updated).toMatchObject({ name: 'Ada Lovelace', email: 'ada.l@example.com', firstName: 'Ada', lastName: 'Lovelace' });
    expect((await records(at)).ada).toMatchObject({ name: 'Ada Lovelace', email: 'ada.l@example.com', first_name: 'Ada', last_name: 'Lovelace' });
    // bo is not signed in here: nobody can change bo's details from this session.
    expect((await refusal(latchkey.engine.updateDetails({ accountKey: 'bo', name: 'Not Bo' }))).code).toBe('not_signed_in');
  });

  it('is refused by the allow-lists like a third-party account', async () => {
    const at = await home();
    const latchkey = await engine(at);
    await latchkey.users.add({ username: 'ada', email: 'ada@example.com', password: PASSWORD });
    const doc = parse(await readFile(at.configPath, 'utf8'));
    doc.access.allowed_emails = ['someone@example.com'];
    await writeFile(at.configPath, stringify(doc));
    expect((await refusal(latchkey.engine.signInLocal({ identifier: 'ada', password: PASSWORD }))).code).toBe('not_allowed');
    expect(await vault(at).get('ada')).toBeNull();
  });
});

describe('one-time passwords', () => {
  it('must be replaced at the next sign-in; a reset ends the session and lifts a lock', async () => {
    const at = await home({ max_login_attempts: 1 });
    const latchkey = await engine(at);
    const added = await latchkey.users.add({ username: 'ana', email: 'ana@example.com' });
    const code = added.oneTimeCode as string;
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/);
    expect(await readFile(at.configPath, 'utf8')).not.toContain(code);
    expect((await records(at)).ana.change_at_next_login).toBe(true);

    expect((await refusal(latchkey.engine.signInLocal({ identifier: 'ana', password: code }))).code).toBe('password_change_required');
    expect((await refusal(latchkey.engine.signInLocal({ identifier: 'ana', password: code, newPassword: 'short' }))).code).toBe('weak_password');
    expect((await latchkey.engine.signInLocal({ identifier: 'ana', password: code, newPassword: 'my own long password' })).signedIn).toBe(true);
    expect((await records(at)).ana.change_at_next_login).toBeUndefined();

    // Locked by one wrong password, then reset by an administrator.
    await latchkey.engine.signOut();
    expect((await refusal(latchkey.engine.signInLocal({ identifier: 'ana', password: 'wrong' }))).code).toBe('locked_out');
    await latchkey.engine.signInLocal({ identifier: 'ana', password: 'x' }).catch(() => undefined);
    const reset = await latchkey.users.resetPassword('ana');
    expect(reset).not.toBe(code);
    expect((await records(at)).ana).toMatchObject({ change_at_next_login: true, failed_login_attempts: 0, logged_in: false });
    expect((await records(at)).ana.locked_until).toBeUndefined();
    expect((await refusal(latchkey.engine.signInLocal({ identifier: 'ana', password: reset }))).code).toBe('password_change_required');
    // The old password no longer works (and, with max_login_attempts 1, that one wrong attempt locks again).
    expect((await refusal(latchkey.engine.signInLocal({ identifier: 'ana', password: 'my own long password' }))).code).toBe('locked_out');
  });
});
