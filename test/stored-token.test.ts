/**
 * `latchkey token`'s way around the engine (commands/stored-token.ts): it answers only when the engine would
 * answer the same without doing anything (a fresh bearer token of a signed-in account within expiry_days), and
 * otherwise leaves the command to the engine. Real files and the real keychain:
 *   sh scripts/with-private-keychain.sh npx vitest run test/stored-token.test.ts
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOOKUP_FILE } from '../src/main/commands/config-lookup';
import { storedValidToken, type StoredToken } from '../src/main/commands/stored-token';
import { SecretVault, type TokenSet } from '../src/main/store/secrets';
import { tempHome, type TempHome } from './helpers/engine-fixture';

const KEY = 'local:alice';
const NOW = Date.now();
const DAY = 24 * 3_600_000;

let home: TempHome;
let vault: SecretVault;

function configYaml(options: { loggedIn?: boolean; extra?: string; provider?: string; expiryDays?: string; lastRefresh?: string; active?: string } = {}): string {
  const signedIn = new Date(NOW - 3_600_000).toISOString();
  return [
    'session:',
    `  expiry_days: ${options.expiryDays ?? '30'}`,
    'providers:',
    options.provider ?? '  local:\n    label: Local SSO\n    issuer: http://127.0.0.1:4600\n    client_id: latchkey-desktop',
    'credentials:',
    '  usernames:',
    `    "${KEY}":`,
    '      name: Alice',
    '      provider: local',
    '      subject: alice',
    `      logged_in: ${options.loggedIn ?? true}`,
    `      last_login: ${signedIn}`,
    `      signed_in_at: ${signedIn}`,
    ...(options.lastRefresh ? [`      last_refresh: ${options.lastRefresh}`] : []),
    `active_account: "${options.active ?? KEY}"`,
    options.extra ?? '',
  ].join('\n');
}

function tokens(overrides: Partial<TokenSet> = {}): TokenSet {
  return { accessToken: `at-${randomBytes(8).toString('hex')}`, refreshToken: 'rt', tokenType: 'Bearer', obtainedAt: NOW - 60_000, expiresAt: NOW + 3_600_000, ...overrides };
}

async function lookup(accountKey?: string): Promise<StoredToken | null> {
  return storedValidToken({ configPath: home.configPath, keychainService: home.keychainService, now: NOW, ...(accountKey ? { accountKey } : {}) });
}

beforeEach(async () => {
  home = await tempHome();
  await chmod(home.dir, 0o700);
  vault = new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') });
});

afterEach(async () => {
  await vault.delete(KEY).catch(() => undefined);
  vault.release();
  await home.cleanup();
});

describe('storedValidToken', () => {
  it('answers the stored access token of the active account when it is fresh', async () => {
    const stored = tokens();
    await writeFile(home.configPath, configYaml(), { mode: 0o600 });
    await vault.set(KEY, stored);
    expect(await lookup()).toEqual({ accessToken: stored.accessToken, dpopBound: false });
    expect(await lookup(KEY)).toEqual({ accessToken: stored.accessToken, dpopBound: false });
    // A DPoP-bound token is handed out too, saying so (the command adds a note on stderr).
    const bound = tokens({ tokenType: 'DPoP', dpopKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' } });
    await vault.set(KEY, bound);
    expect(await lookup()).toEqual({ accessToken: bound.accessToken, dpopBound: true });
  });

  it('leaves everything else to the engine', async () => {
    await vault.set(KEY, tokens());
    const cases: Array<[string, string]> = [
      ['signed out in config.yaml', configYaml({ loggedIn: false })],
      ['an access policy applies', configYaml({ extra: 'access:\n  allowed_domains: [example.com]\n' })],
      ['an allow-list of addresses', configYaml({ extra: 'access:\n  roles_claim: roles\n  allowed_emails: [alice@example.com]\n' })],
      ['an access section that is not a mapping', configYaml({ extra: 'access: everyone\n' })],
      ['a local-accounts provider', configYaml({ provider: '  local:\n    label: Local\n    local: true' })],
      ['expiry_days left to its default', configYaml().replace('  expiry_days: 30\n', '')],
      ['no active account', configYaml({ active: 'local:nobody' })],
      ['a repeated key', configYaml({ extra: 'active_account: "local:alice"\n' })],
      ['a reserved key', configYaml({ extra: '__proto__: {}\n' })],
      ['not YAML', configYaml({ extra: 'broken: [\n' })],
    ];
    for (const [what, text] of cases) {
      await writeFile(home.configPath, text, { mode: 0o600 });
      expect(await lookup(), what).toBeNull();
    }
  });

  it('answers when access: says nothing about who may stay signed in (roles, registration: the default config.yaml)', async () => {
    const stored = tokens();
    await vault.set(KEY, stored);
    for (const extra of ['access:\n  roles_claim: roles\n', 'access:\n  registration: true\n  default_roles: [viewer]\n  allowed_emails: []\n', 'access:\n']) {
      await writeFile(home.configPath, configYaml({ extra }), { mode: 0o600 });
      expect(await lookup(), extra).toEqual({ accessToken: stored.accessToken, dpopBound: false });
    }
  });

  it('leaves an expired token and a session past expiry_days to the engine', async () => {
    await writeFile(home.configPath, configYaml({ expiryDays: '1' }), { mode: 0o600 });
    await vault.set(KEY, tokens({ expiresAt: NOW - 1 }));
    expect(await lookup()).toBeNull();
    // Last used two days ago (the tokens' own time), expiry_days: 1: the engine signs it out.
    await vault.set(KEY, tokens({ obtainedAt: NOW - 2 * DAY, expiresAt: NOW + 3_600_000 }));
    await writeFile(home.configPath, configYaml({ expiryDays: '1' }).replace(/signed_in_at: .*/, `signed_in_at: ${new Date(NOW - 3 * DAY).toISOString()}`).replace(/last_login: .*/, `last_login: ${new Date(NOW - 3 * DAY).toISOString()}`), { mode: 0o600 });
    expect(await lookup()).toBeNull();
  });

  it('answers nothing without a config file or stored tokens, and refuses a data folder others can write', async () => {
    expect(await lookup()).toBeNull();
    await writeFile(home.configPath, configYaml(), { mode: 0o600 });
    expect(await lookup()).toBeNull();
    await vault.set(KEY, tokens());
    await chmod(home.dir, 0o777);
    await expect(lookup()).rejects.toMatchObject({ code: 'data_folder_unsafe' });
  });

  it('remembers what it read of config.yaml by the file\'s hash, and reads the file again when it changes', async () => {
    const stored = tokens();
    await writeFile(home.configPath, configYaml(), { mode: 0o600 });
    await vault.set(KEY, stored);
    expect(await lookup()).toMatchObject({ accessToken: stored.accessToken });
    const remembered = join(home.dir, LOOKUP_FILE);
    expect((await stat(remembered)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(remembered, 'utf8'))).toMatchObject({ asked: '', answer: { key: KEY, expiryDays: 30 } });
    // The same answer from memory; then a changed file is read again, whatever was remembered.
    expect(await lookup()).toMatchObject({ accessToken: stored.accessToken });
    await writeFile(home.configPath, configYaml({ loggedIn: false }), { mode: 0o600 });
    expect(await lookup()).toBeNull();
  });

  it('never takes a remembered answer for another file, another --account, or through a symlink', async () => {
    const stored = tokens();
    await writeFile(home.configPath, configYaml(), { mode: 0o600 });
    await vault.set(KEY, stored);
    await lookup();
    const remembered = join(home.dir, LOOKUP_FILE);
    const answer = JSON.parse(await readFile(remembered, 'utf8')) as { config: string };
    // An answer claiming to be for this file, but for another account asked for: not used.
    expect(await lookup('local:nobody')).toBeNull();
    // A planted answer for a file that says signed out: the hash differs, the file is read.
    await writeFile(home.configPath, configYaml({ loggedIn: false }), { mode: 0o600 });
    await writeFile(remembered, JSON.stringify({ ...answer, asked: '' }), { mode: 0o600 });
    expect(await lookup()).toBeNull();
    // A symlink in its place is not followed (the file is read instead).
    await writeFile(home.configPath, configYaml(), { mode: 0o600 });
    const elsewhere = join(home.dir, 'elsewhere.json');
    await writeFile(elsewhere, await readFile(remembered), { mode: 0o600 });
    await rm(remembered);
    await symlink(elsewhere, remembered);
    expect(await lookup()).toMatchObject({ accessToken: stored.accessToken });
  });
});
