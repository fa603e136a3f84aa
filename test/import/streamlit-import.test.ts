/**
 * `latchkey import streamlit-authenticator FILE`: the built CLI in a separate process, on a realistic
 * Streamlit-Authenticator file (test/fixtures/streamlit-authenticator/config.yaml) and a Latchkey config.yaml
 * with a person's comments. The dry run shows what would change and writes nothing; the import keeps the
 * comments, takes over accounts (bcrypt kept, plain text hashed), pre-authorized e-mails, the cookie's expiry
 * and the OAuth clients (secrets only when asked); the imported accounts then sign in, and nothing secret is
 * printed or written in plain text.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey } from '../../src/main/app';
import { DEFAULT_CONFIG_YAML } from '../../src/main/store/default-config';
import { assertCliBuilt, runCli } from '../helpers/cli-runner';
import { tempHome, type TempHome } from '../helpers/engine-fixture';
import { useCleanups } from '../helpers/test-lifecycle';

const defer = useCleanups();
const FIXTURE = join(__dirname, '..', 'fixtures', 'streamlit-authenticator', 'config.yaml');
const SECRETS = ['GOCSPX-fixture-not-a-secret', 'fixture~not~a~secret', 'some_signature_key', 'plain-text-by-hand', 'the usual one', '$2b$12$'];

beforeAll(() => {
  assertCliBuilt();
});

async function setUp(): Promise<{ at: TempHome; env: NodeJS.ProcessEnv; source: string }> {
  const at = await tempHome();
  defer(at.cleanup);
  await writeFile(at.configPath, `${DEFAULT_CONFIG_YAML}  password_hash_cost: 14 # quick hashes for this machine\n`, { mode: 0o600 });
  const source = join(at.dir, 'streamlit-config.yaml');
  await copyFile(FIXTURE, source);
  return { at, env: { ...process.env, LATCHKEY_CONFIG: at.configPath, LATCHKEY_KEYCHAIN_SERVICE: at.keychainService, BROWSER: 'false' }, source };
}

describe('latchkey import streamlit-authenticator', () => {
  it('shows in a dry run what it would take over, and writes nothing', async () => {
    const { at, env, source } = await setUp();
    const before = await readFile(at.configPath, 'utf8');
    const run = await runCli(env, 'import', 'streamlit-authenticator', source, '--dry-run');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(dry run: nothing is written)');
    expect(run.stdout).toContain('+ account jsmith (John Smith <jsmith@gmail.com>): bcrypt hash kept (replaced by scrypt at its first sign-in); roles: admin, editor, viewer');
    expect(run.stdout).toContain('+ account rbriggs (Rebecca Briggs <rbriggs@gmail.com>): bcrypt hash kept (replaced by scrypt at its first sign-in); roles: viewer; 2 failed attempts kept; was logged in there: signs in anew here');
    expect(run.stdout).toContain('+ account mkhan (Mo Khan <mkhan@gmail.com>): plain-text password hashed now; roles: none; password hint not copied');
    expect(run.stdout).toContain('+ providers.local: the provider of local accounts (local: true)');
    expect(run.stdout).toContain('+ access.allowed_emails: melsby@gmail.com (pre-authorized)');
    expect(run.stdout).toContain('+ access.registration: true');
    expect(run.stdout).toContain('+ session.expiry_days: 30 (cookie.expiry_days');
    expect(run.stdout).toContain('= cookie.name, cookie.key: not needed');
    expect(run.stdout).toContain("- oauth2.google: not added: Google's preset needs the client secret; run again with --with-client-secrets");
    expect(run.stdout).toContain('+ providers.microsoft: preset microsoft, client_id 00000000-0000-4000-8000-000000000000, tenant contoso.onmicrosoft.com, client secret not copied');
    expect(run.stdout).toContain('= api_key: not copied');
    for (const secret of SECRETS) expect(`${run.stdout}${run.stderr}`).not.toContain(secret);
    expect(await readFile(at.configPath, 'utf8')).toBe(before);
    expect(await readFile(source, 'utf8')).toBe(await readFile(FIXTURE, 'utf8'));
  });

  it('imports into config.yaml keeping its comments, and the accounts sign in (bcrypt upgraded, plain text hashed)', async () => {
    const { at, env, source } = await setUp();
    const run = await runCli(env, 'import', 'streamlit-authenticator', source);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Imported 3 account(s). Sign in with: latchkey login --local');
    const text = await readFile(at.configPath, 'utf8');
    expect(text.startsWith('# Latchkey configuration\n')).toBe(true);
    expect(text).toContain('# quick hashes for this machine');
    for (const secret of ['GOCSPX-fixture-not-a-secret', 'fixture~not~a~secret', 'some_signature_key', 'plain-text-by-hand', 'the usual one']) expect(text).not.toContain(secret);
    const doc = parse(text);
    expect(doc.providers.local).toEqual({ label: 'Local accounts', local: true });
    expect(doc.providers.microsoft).toEqual({ preset: 'microsoft', client_id: '00000000-0000-4000-8000-000000000000', tenant: 'contoso.onmicrosoft.com' });
    expect(doc.providers.google).toBeUndefined();
    expect(doc.access).toMatchObject({ roles_claim: 'roles', registration: true, allowed_emails: ['melsby@gmail.com', 'jsmith@gmail.com', 'rbriggs@gmail.com', 'mkhan@gmail.com'] });
    expect(doc.session.expiry_days).toBe(30);
    expect(doc.credentials.usernames.jsmith).toEqual({
      name: 'John Smith',
      email: 'jsmith@gmail.com',
      first_name: 'John',
      last_name: 'Smith',
      password: '$2b$12$lhOfbg3eMo9/TIcgFOvlbuYTGJQBdTLU/ek3SiDOooJNrIktqfKr6',
      provider: 'local',
      subject: 'jsmith',
      roles: ['admin', 'editor', 'viewer'],
      failed_login_attempts: 0,
      logged_in: false,
    });
    expect(doc.credentials.usernames.rbriggs).toMatchObject({ failed_login_attempts: 2, logged_in: false, roles: ['viewer'] });
    expect(doc.credentials.usernames.mkhan.password).toMatch(/^\$scrypt\$ln=14,/);

    const latchkey = await createLatchkey({ configPath: at.configPath, keychainService: at.keychainService, openBrowser: async () => undefined, embeddedProvider: false, role: 'cli' });
    defer(() => latchkey.close());
    await latchkey.restore();
    expect((await latchkey.engine.signInLocal({ identifier: 'jsmith', password: 'abc' })).roles).toEqual(['admin', 'editor', 'viewer']);
    expect(latchkey.engine.hasRole('admin')).toBe(true);
    expect((await latchkey.engine.signInLocal({ identifier: 'rbriggs@gmail.com', password: 'def' })).name).toBe('Rebecca Briggs');
    expect((await latchkey.engine.signInLocal({ identifier: 'mkhan', password: 'plain-text-by-hand' })).name).toBe('Mo Khan');
    const after = parse(await readFile(at.configPath, 'utf8')).credentials.usernames;
    expect(after.jsmith.password).toMatch(/^\$scrypt\$ln=14,/);
    expect(after.rbriggs.failed_login_attempts).toBe(0);

    // Importing again changes no account that is already there.
    const again = await runCli(env, 'import', 'streamlit-authenticator', source);
    expect(again.stdout).toContain('- account jsmith: skipped (config.yaml already has an account "jsmith"; it is left as it is)');
    expect(parse(await readFile(at.configPath, 'utf8')).credentials.usernames.jsmith.password).toBe(after.jsmith.password);
  });

  it('copies client secrets only when asked, and refuses a file that is not Streamlit-Authenticator config', async () => {
    const { at, env, source } = await setUp();
    const run = await runCli(env, 'import', 'streamlit-authenticator', source, '--with-client-secrets');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('GOCSPX-fixture-not-a-secret');
    const doc = parse(await readFile(at.configPath, 'utf8'));
    expect(doc.providers.google).toEqual({ preset: 'google', client_id: '1234567890-fixture.apps.googleusercontent.com', client_secret: 'GOCSPX-fixture-not-a-secret' });
    expect(doc.providers.microsoft.client_secret).toBe('fixture~not~a~secret');

    const broken = join(at.dir, 'broken.yaml');
    await writeFile(broken, 'credentials:\n  usernames:\n    x: [not, a, user]\n');
    const refused = await runCli(env, 'import', 'streamlit-authenticator', broken);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('does not look like a Streamlit-Authenticator config');
    expect((await runCli(env, 'import', 'streamlit-authenticator', join(at.dir, 'missing.yaml'))).stderr).toContain('Cannot read');
  });
});
