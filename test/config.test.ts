/**
 * config.yaml: first start, round trips, comment preservation, file modes, atomic writes, hostile and
 * malformed files, and concurrent writers (in one process and across processes). Real files in temp folders.
 */
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAuthError, type AuthError } from '../src/shared/errors';
import { ConfigStore, defaultConfigPath, type AccountRecordInput } from '../src/main/store/config';
import { DEFAULT_CONFIG_YAML } from '../src/main/store/default-config';
import { bundleForChild, runNodeChild } from './helpers/bundle-for-child';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'config');
const POSIX = process.platform !== 'win32';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-config-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function alice(overrides: Partial<AccountRecordInput> = {}): AccountRecordInput {
  return {
    name: 'Alice Example',
    email: 'alice@example.com',
    first_name: 'Alice',
    last_name: 'Example',
    provider: 'demo',
    subject: 'alice',
    roles: ['viewer'],
    logged_in: true,
    last_login: '2026-11-26T18:00:00.000Z',
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAuthError(error)) throw new Error(`expected an AuthError, got ${String(error)}`);
  return error;
}

describe('first start', () => {
  it('writes a commented default file (0600) in a new private folder (0700), and it loads', async () => {
    const path = join(dir, 'nested', 'Latchkey', 'config.yaml');
    const config = await new ConfigStore({ path }).load();
    const text = await readFile(path, 'utf8');
    expect(text).toBe(DEFAULT_CONFIG_YAML);
    expect(text.startsWith('# Latchkey configuration')).toBe(true);
    expect(config.session.expiry_days).toBe(30);
    expect(Object.keys(config.providers)).toEqual(['demo']);
    expect(config.providers.demo).toMatchObject({ label: 'Demo', embedded: true, port: 4600 });
    expect(config.credentials.usernames).toEqual({});
    expect(config.active_account).toBeUndefined();
    if (POSIX) {
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'nested', 'Latchkey'))).mode & 0o777).toBe(0o700);
    }
    // A second start reads the file and leaves it alone.
    await new ConfigStore({ path }).load();
    expect(await readFile(path, 'utf8')).toBe(DEFAULT_CONFIG_YAML);
  });
});

describe('writing account records', () => {
  it('round-trips an account through the file', async () => {
    const path = join(dir, 'config.yaml');
    const store = new ConfigStore({ path });
    await store.load();
    const written = await store.upsertAccount('demo-alice', alice({ picture: `https://example.com/${'p'.repeat(120)}.png` }));
    await store.setActiveAccount('demo-alice');

    const reread = await new ConfigStore({ path }).load();
    expect(reread.credentials.usernames['demo-alice']).toEqual(written.credentials.usernames['demo-alice']);
    expect(reread.credentials.usernames['demo-alice']).toMatchObject({ ...alice(), picture: expect.stringMatching(/^https:/) });
    expect(reread.active_account).toBe('demo-alice');
    const text = await readFile(path, 'utf8');
    expect(text).toContain('roles: [ viewer ]');
    // Long values stay on one line, as a person would write them.
    expect(text).toMatch(/picture: https:\/\/example\.com\/p+\.png\n/);

    await store.patchAccount('demo-alice', { logged_in: false, signed_out_reason: 'signed out', email: undefined });
    const patched = (await new ConfigStore({ path }).load()).credentials.usernames['demo-alice'];
    expect(patched).toMatchObject({ logged_in: false, signed_out_reason: 'signed out', name: 'Alice Example' });
    expect(patched?.email).toBeUndefined();

    const removed = await store.removeAccount('demo-alice');
    expect(removed.credentials.usernames).toEqual({});
    expect(removed.active_account).toBeUndefined();
    expect((await new ConfigStore({ path }).load()).active_account).toBeUndefined();
  });

  it('keeps a subject that looks like a number a string', async () => {
    const path = join(dir, 'config.yaml');
    const store = new ConfigStore({ path });
    await store.load();
    await store.upsertAccount('demo-12345', alice({ subject: '12345', name: 'true' }));
    const record = (await new ConfigStore({ path }).load()).credentials.usernames['demo-12345'];
    expect(record?.subject).toBe('12345');
    expect(record?.name).toBe('true');
  });

  it("keeps the person's comments and ordering through updates", async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(
      path,
      [
        '# My own notes about this file.',
        'providers:',
        '  # the company login comes first for me',
        '  company:',
        '    label: Company SSO',
        '    issuer: https://login.example.com',
        '    client_id: latchkey-desktop   # registered by IT',
        '  demo: { label: Demo, embedded: true }',
        'session:',
        '  expiry_days: 7 # one week',
        'credentials:',
        '  usernames:',
        '    demo-alice:',
        '      name: Alice Example # display name',
        '      provider: demo',
        '      subject: alice',
        '      logged_in: true',
        '      last_login: 2026-11-26T18:00:00Z',
        '# trailing note',
        '',
      ].join('\n'),
    );
    const store = new ConfigStore({ path });
    await store.load();
    await store.patchAccount('demo-alice', { last_refresh: '2026-11-27T08:00:00.000Z', logged_in: false });
    await store.upsertAccount('company-bob', alice({ name: 'Bob', provider: 'company', subject: 'bob' }));
    await store.setActiveAccount('company-bob');
    const text = await readFile(path, 'utf8');
    for (const comment of [
      '# My own notes about this file.',
      '# the company login comes first for me',
      '# registered by IT',
      '# one week',
      '# display name',
      '# trailing note',
    ]) {
      expect(text).toContain(comment);
    }
    expect(text.indexOf('providers:')).toBeLessThan(text.indexOf('session:'));
    expect(text.indexOf('company:')).toBeLessThan(text.indexOf('demo: { label: Demo, embedded: true }'));
    expect(text).toContain('name: Alice Example # display name');
    expect(text.indexOf('demo-alice:')).toBeLessThan(text.indexOf('company-bob:'));
    const config = await new ConfigStore({ path }).load();
    expect(config.session.expiry_days).toBe(7);
    expect(config.credentials.usernames['demo-alice']).toMatchObject({ logged_in: false, last_refresh: '2026-11-27T08:00:00.000Z' });
    expect(config.active_account).toBe('company-bob');
  });

  it('writes an empty `usernames:` section as a block map', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'providers:\n  demo:\n    label: Demo\n    embedded: true\ncredentials:\n  usernames:\n');
    const store = new ConfigStore({ path });
    await store.load();
    await store.upsertAccount('demo-alice', alice());
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/^ {2}usernames:\n {4}demo-alice:\n {6}name: Alice Example$/m);
  });

  it('reads through YAML aliases but refuses to edit one (that would change both places)', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(
      path,
      [
        'providers:',
        '  demo: { label: Demo, embedded: true }',
        'credentials:',
        '  usernames:',
        '    demo-alice: &alice',
        '      name: Alice Example',
        '      provider: demo',
        '      subject: alice',
        '      logged_in: true',
        '      last_login: 2026-11-26T18:00:00Z',
        '    demo-alias: *alice',
        '',
      ].join('\n'),
    );
    const store = new ConfigStore({ path });
    await store.load();
    const before = await readFile(path);
    let seen: unknown;
    const error = await rejection(
      store.update((draft) => {
        seen = draft.getAccount('demo-alias');
        draft.patchAccount('demo-alias', { logged_in: false });
      }),
    );
    expect(seen).toMatchObject({ name: 'Alice Example' });
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('alias');
    expect(await readFile(path)).toEqual(before);
  });

  it('replaces the file atomically: mode 0600, no temp or lock files left behind', async () => {
    const path = join(dir, 'config.yaml');
    const store = new ConfigStore({ path });
    await store.load();
    for (let i = 0; i < 5; i++) await store.upsertAccount(`demo-user${i}`, alice({ subject: `user${i}` }));
    expect(await readdir(dir)).toEqual(['config.yaml']);
    if (POSIX) expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('refuses to write secret-looking fields into an account record, and leaves the file as it was', async () => {
    const path = join(dir, 'config.yaml');
    const store = new ConfigStore({ path });
    await store.load();
    await store.upsertAccount('demo-alice', alice());
    const before = await readFile(path);
    for (const field of ['refresh_token', 'accessToken', 'password', 'client_secret']) {
      const error = await rejection(store.upsertAccount('demo-alice', { ...alice(), [field]: 'hunter2-secret-value' } as AccountRecordInput));
      expect(error.code).toBe('invalid_argument');
      expect(error.message).toContain(field);
      expect(error.message).not.toContain('hunter2');
      const patchError = await rejection(store.patchAccount('demo-alice', { [field]: 'hunter2-secret-value' } as Partial<AccountRecordInput>));
      expect(patchError.code).toBe('invalid_argument');
    }
    expect(await readFile(path)).toEqual(before);
  });

  it('refuses a change that would make the file invalid', async () => {
    const path = join(dir, 'config.yaml');
    const store = new ConfigStore({ path });
    await store.load();
    const before = await readFile(path);
    const error = await rejection(store.upsertAccount('nowhere-alice', alice({ provider: 'nowhere' })));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('nowhere');
    expect((await rejection(store.setActiveAccount('nobody'))).code).toBe('unknown_account');
    expect((await rejection(store.patchAccount('nobody', { logged_in: false }))).code).toBe('unknown_account');
    expect(await readFile(path)).toEqual(before);
  });
});

describe('concurrent writers', () => {
  it('lands both of two updates racing in one process', async () => {
    const path = join(dir, 'config.yaml');
    const store = new ConfigStore({ path });
    await store.load();
    const other = new ConfigStore({ path });
    await Promise.all([
      store.upsertAccount('demo-alice', alice()),
      other.upsertAccount('demo-bob', alice({ name: 'Bob', subject: 'bob' })),
      store.setActiveAccount(null),
    ]);
    const config = await new ConfigStore({ path }).load();
    expect(Object.keys(config.credentials.usernames).sort()).toEqual(['demo-alice', 'demo-bob']);
  });

  it('re-reads the file on update, keeping what someone else wrote in between', async () => {
    const path = join(dir, 'config.yaml');
    const store = new ConfigStore({ path });
    await store.load();
    // Someone else (another process, or the person in an editor) changes the file after our load().
    const edited = (await readFile(path, 'utf8')).replace('expiry_days: 30', 'expiry_days: 3 # changed by hand');
    await writeFile(path, edited);
    await new ConfigStore({ path }).upsertAccount('demo-bob', alice({ name: 'Bob', subject: 'bob' }));

    const result = await store.upsertAccount('demo-alice', alice());
    expect(Object.keys(result.credentials.usernames).sort()).toEqual(['demo-alice', 'demo-bob']);
    expect(result.session.expiry_days).toBe(3);
    expect(await readFile(path, 'utf8')).toContain('expiry_days: 3 # changed by hand');
  });

  it('lands every update of two processes writing at the same time', async () => {
    const path = join(dir, 'config.yaml');
    await new ConfigStore({ path }).load();
    const child = await bundleForChild('test/helpers/config-child.ts');
    const runs = await Promise.all(['one', 'two'].map((prefix) => runNodeChild(child, ['upsert', path, prefix, '10'])));
    for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0 });
    const keys = Object.keys((await new ConfigStore({ path }).load()).credentials.usernames);
    expect(keys).toHaveLength(20);
    for (const prefix of ['one', 'two']) for (let i = 0; i < 10; i++) expect(keys).toContain(`${prefix}-${i}`);
  });
});

/** Each fixture and where its (first) problem is; null where a position does not apply. */
const MALFORMED: Array<[file: string, at: string | null, mentions: string]> = [
  ['syntax-error.yaml', '6:1', 'Flow map'],
  ['tab-indentation.yaml', '3:1', 'Tabs'],
  ['wrong-type.yaml', '2:16', 'session.expiry_days'],
  ['negative-expiry.yaml', '2:16', 'must be 0 or more'],
  ['duplicate-keys.yaml', '5:3', 'unique'],
  ['alias-bomb.yaml', '3:8', 'aliases'],
  ['unknown-provider-in-record.yaml', '9:17', 'no provider named "corp"'],
  ['unknown-key.yaml', '2:3', 'session.expiry_day: unknown key'],
  ['http-issuer.yaml', '4:13', 'must use https'],
  ['empty-client-id.yaml', '5:16', 'client_id: must not be empty'],
  ['refresh-token-in-record.yaml', '13:7', 'refresh_token: looks like a secret'],
  ['huge-number.yaml', '2:16', 'expiry_days: is too large'],
  ['huge-port.yaml', '5:11', 'providers.demo.port'],
  ['top-level-list.yaml', '1:1', 'must be a mapping'],
  ['bad-provider-name.yaml', '2:3', 'provider names'],
  ['multiple-documents.yaml', '3:1', 'more than one YAML document'],
  ['active-account-missing.yaml', '7:17', 'no account "demo-bob"'],
  ['bad-last-login.yaml', '11:18', 'logged_in: must be true or false'],
  ['reserved-authorization-param.yaml', '8:7', 'set by Latchkey itself'],
  ['preset-and-issuer.yaml', '5:13', 'either issuer or preset'],
  ['not-embedded.yaml', '4:15', 'embedded must be true'],
];

describe('malformed and hostile files', () => {
  it('has a fixture for every case and a case for every fixture', async () => {
    expect((await readdir(FIXTURES)).sort()).toEqual(MALFORMED.map(([file]) => file).sort());
  });

  it.each(MALFORMED)('%s: config_invalid at %s, the file untouched, update() refused', async (file, at, mentions) => {
    const path = join(dir, file);
    await copyFile(join(FIXTURES, file), path);
    const original = await readFile(path);
    const store = new ConfigStore({ path });

    const error = await rejection(store.load());
    expect(error.code).toBe('config_invalid');
    expect(error.message.startsWith(at === null ? `${path}: ` : `${path}:${at}: `), error.message).toBe(true);
    expect(error.message).toContain(mentions);
    expect(error.location?.file).toBe(path);
    if (at !== null) expect(`${error.location?.line}:${error.location?.column}`).toBe(at);
    expect(error.hint).toBe(`Fix or delete ${path}; Latchkey will not change it until it is valid.`);
    expect(error.message).not.toContain('not-a-real-token');
    expect(await readFile(path)).toEqual(original);

    const updateError = await rejection(store.upsertAccount('demo-alice', alice()));
    expect(updateError.code).toBe('config_invalid');
    // A store that never loaded the file re-reads it under the lock and refuses too.
    expect((await rejection(new ConfigStore({ path }).upsertAccount('demo-alice', alice()))).code).toBe('config_invalid');
    expect(await readFile(path)).toEqual(original);
    expect(await readdir(dir)).toEqual([file]);
  });

  it('refuses a file larger than any config', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, `# ${'x'.repeat(1_100_000)}\n`);
    const error = await rejection(new ConfigStore({ path }).load());
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('larger than');
  });

  it('writes nothing after an invalid load until a later load succeeds', async () => {
    const path = join(dir, 'config.yaml');
    await copyFile(join(FIXTURES, 'negative-expiry.yaml'), path);
    const store = new ConfigStore({ path });
    expect((await rejection(store.load())).code).toBe('config_invalid');
    // The person fixes the file; this store still refuses until it has loaded the fixed file.
    const fixed = (await readFile(path, 'utf8')).replace('expiry_days: -1', 'expiry_days: 5');
    await writeFile(path, fixed);
    expect((await rejection(store.upsertAccount('demo-alice', alice()))).code).toBe('config_invalid');
    expect(await readFile(path, 'utf8')).toBe(fixed);
    await store.load();
    await store.upsertAccount('demo-alice', alice());
    expect((await new ConfigStore({ path }).load()).credentials.usernames['demo-alice']?.name).toBe('Alice Example');
  });

  it('starts over with a fresh default when the person deletes an invalid file', async () => {
    const path = join(dir, 'config.yaml');
    await copyFile(join(FIXTURES, 'syntax-error.yaml'), path);
    const store = new ConfigStore({ path });
    await rejection(store.load());
    await rm(path);
    expect((await store.load()).providers.demo?.embedded).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(DEFAULT_CONFIG_YAML);
  });
});

describe('provider settings', () => {
  it('fills in defaults and preset issuers', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(
      path,
      [
        'providers:',
        '  local: { label: Local, issuer: "http://127.0.0.1:9000", client_id: app }',
        '  google: { label: Google, preset: google, client_id: g.apps.googleusercontent.com, client_secret: not-confidential }',
        '  work: { label: Work, preset: microsoft, tenant: contoso.onmicrosoft.com, client_id: w, authorization_params: { domain_hint: contoso.com } }',
        '  personal: { label: Personal, preset: microsoft, client_id: p, scopes: [openid, email] }',
        '',
      ].join('\n'),
    );
    const { providers, session } = await new ConfigStore({ path }).load();
    expect(session.expiry_days).toBe(30);
    expect(providers.local).toMatchObject({ embedded: false, issuer: 'http://127.0.0.1:9000', scopes: ['openid', 'profile', 'email', 'offline_access'] });
    expect(providers.google).toMatchObject({ issuer: 'https://accounts.google.com', client_secret: 'not-confidential' });
    expect(providers.work).toMatchObject({ issuer: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0', authorization_params: { domain_hint: 'contoso.com' } });
    expect(providers.personal).toMatchObject({ issuer: 'https://login.microsoftonline.com/consumers/v2.0', scopes: ['openid', 'email'] });
  });
});

describe('defaultConfigPath', () => {
  it('matches Electron userData for "Latchkey" on each OS', () => {
    expect(defaultConfigPath({}, 'linux', '/home/alice')).toBe('/home/alice/.config/Latchkey/config.yaml');
    expect(defaultConfigPath({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/alice')).toBe('/xdg/Latchkey/config.yaml');
    expect(defaultConfigPath({ XDG_CONFIG_HOME: 'relative' }, 'linux', '/home/alice')).toBe('/home/alice/.config/Latchkey/config.yaml');
    expect(defaultConfigPath({}, 'darwin', '/Users/alice')).toBe('/Users/alice/Library/Application Support/Latchkey/config.yaml');
    expect(defaultConfigPath({ APPDATA: 'C:\\Users\\alice\\AppData\\Roaming' }, 'win32', 'C:\\Users\\alice')).toBe(
      'C:\\Users\\alice\\AppData\\Roaming\\Latchkey\\config.yaml',
    );
    expect(defaultConfigPath({}, 'win32', 'C:\\Users\\alice')).toBe('C:\\Users\\alice\\AppData\\Roaming\\Latchkey\\config.yaml');
  });

  it('honours LATCHKEY_CONFIG', () => {
    expect(defaultConfigPath({ LATCHKEY_CONFIG: '/etc/latchkey/team.yaml', XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/alice')).toBe('/etc/latchkey/team.yaml');
    expect(defaultConfigPath({ LATCHKEY_CONFIG: 'D:\\portable\\latchkey.yaml' }, 'win32', 'C:\\Users\\alice')).toBe('D:\\portable\\latchkey.yaml');
    expect(defaultConfigPath({ LATCHKEY_CONFIG: '' }, 'linux', '/home/alice')).toBe('/home/alice/.config/Latchkey/config.yaml');
  });
});
