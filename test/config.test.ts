/**
 * config.yaml: first start, round trips, comment preservation, file modes, atomic writes, hostile and
 * malformed files, and concurrent writers (in one process and across processes). Real files in temp folders.
 */
import { spawnSync } from 'node:child_process';
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
  ['preset-and-issuer.yaml', '5:13', 'use authority (and tenant) with preset: microsoft'],
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

/**
 * Loads `content` as config.yaml and expects config_invalid: returns the error after checking that neither
 * update() from the same store nor one from a fresh store writes, and that the bytes stay as they were.
 */
async function expectRefused(content: string | Uint8Array): Promise<{ error: AuthError; path: string }> {
  const path = join(dir, 'config.yaml');
  await writeFile(path, content);
  const original = await readFile(path);
  const store = new ConfigStore({ path });
  const error = await rejection(store.load());
  expect(error.code, error.message).toBe('config_invalid');
  expect(error.location?.file).toBe(path);
  expect((await rejection(store.upsertAccount('demo-alice', alice()))).code).toBe('config_invalid');
  expect((await rejection(new ConfigStore({ path }).upsertAccount('demo-alice', alice()))).code).toBe('config_invalid');
  expect(await readFile(path)).toEqual(original);
  expect(await readdir(dir)).toEqual(['config.yaml']);
  return { error, path };
}

describe('files the parser must not take at face value', () => {
  it.each([
    ['empty', ''],
    ['whitespace only', '  \n\n\t\n'],
    ['comments only', '# Latchkey configuration\n#\n# (everything else was deleted)\n'],
    ['a byte-order mark only', '\uFEFF'],
    ['a document marker only', '---\n'],
  ])('refuses an %s file instead of reading it as "all defaults", and never overwrites it', async (_name, content) => {
    const { error, path } = await expectRefused(content);
    expect(error.message).toBe(`${path}: is empty`);
    expect(error.location).toEqual({ file: path });
    expect(error.hint).toBe(`Delete ${path} and Latchkey writes a fresh default, or restore your copy.`);
    // Deleting it is the way back to a default.
    await rm(path);
    expect((await new ConfigStore({ path }).load()).providers.demo?.embedded).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(DEFAULT_CONFIG_YAML);
  });

  it('refuses bytes that are not UTF-8 at the first bad byte, and never replaces them', async () => {
    const text = Buffer.from('providers:\n  demo:\n    label: Caf\u00e9 \u{1F600} ok\n    embedded: true\n# n\u00e4\n', 'utf8');
    // Line 6, after "ok: ": a lone continuation byte, then an overlong "/" and a truncated 3-byte sequence.
    const bad = Buffer.concat([text, Buffer.from('ok: '), Buffer.from([0x80, 0xc0, 0xaf, 0xe2, 0x82]), Buffer.from('\n')]);
    const { error, path } = await expectRefused(bad);
    expect(error.message).toBe(`${path}:6:5: is not UTF-8 text (save it as UTF-8 in your editor)`);
    expect(error.location).toEqual({ file: path, line: 6, column: 5 });
    // Columns count as the parser's do (UTF-16 units): é is one, the emoji two.
    const inLine = Buffer.concat([Buffer.from('session:\n  expiry_days: 30 # é😀'), Buffer.from([0xff]), Buffer.from('\n')]);
    expect((await expectRefused(inLine)).error.location).toMatchObject({ line: 2, column: 24 });
    // A byte-order mark is not part of the text.
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('session: { expiry_days: 5 }\n')]);
    await writeFile(join(dir, 'config.yaml'), withBom);
    expect((await new ConfigStore({ path: join(dir, 'config.yaml') }).load()).session.expiry_days).toBe(5);
  });

  it.each([
    ['a !!js/function on text', 'providers:\n  demo:\n    label: !!js/function "function () {}"\n    embedded: true\n', '3:12'],
    ['a custom tag on a number', 'session:\n  expiry_days: !days 30\n', '2:16'],
    ['a !!binary on a mapping', 'session: !!binary\n  expiry_days: 30\n', '1:10'],
    ['a YAML 1.1 !!timestamp', 'credentials:\n  usernames:\n    demo-a: { name: A, provider: demo, subject: a, logged_in: true, last_login: !!timestamp 2026-11-26 }\n', '3:81'],
  ])('refuses %s (an unknown tag) where it is, instead of dropping the tag', async (_name, content, at) => {
    const { error, path } = await expectRefused(content);
    expect(error.message.startsWith(`${path}:${at}: `), error.message).toBe(true);
    expect(error.message).toContain('remove the !tag');
  });

  it.each([
    ['__proto__ as an account key', 'credentials:\n  usernames:\n    __proto__:\n      name: 1234\n      is_admin: true\n', '3:5', 'credentials.usernames.__proto__'],
    ['a quoted __proto__ deep in a provider', 'providers:\n  demo:\n    label: Demo\n    embedded: true\n    "__proto__": { port: 1 }\n', '5:5', 'providers.demo.__proto__'],
    ['__proto__ reached through an alias key', 'x: &k __proto__\nproviders:\n  *k : {}\n', '3:3', 'providers.__proto__'],
    ['constructor as a provider name', 'providers:\n  constructor:\n    label: C\n    embedded: true\n', '2:3', 'providers.constructor'],
    ['prototype as an account key', 'credentials:\n  usernames:\n    prototype: {}\n', '3:5', 'credentials.usernames.prototype'],
  ])('refuses %s with its location, before the schema could lose it', async (_name, content, at, where) => {
    const { error, path } = await expectRefused(content);
    expect(error.message.startsWith(`${path}:${at}: ${where}: `), error.message).toBe(true);
    expect(error.message).toContain('reserved');
  });

  it('quotes at most about 80 characters of a value from the file', async () => {
    const provider = `p${'q'.repeat(10_000)}`;
    const { error, path } = await expectRefused(
      `credentials:\n  usernames:\n    demo-alice:\n      name: A\n      provider: ${provider}\n      subject: a\n      logged_in: true\n      last_login: 2026-11-26T18:00:00Z\n`,
    );
    expect(error.message).toBe(`${path}:5:17: credentials.usernames.demo-alice.provider: no provider named "p${'q'.repeat(79)}…" in providers (configured: demo)`);
    const key = `k${'e'.repeat(1_000)}`;
    const long = await expectRefused(`session:\n  ${key}: 1\n`);
    expect(long.error.message).toBe(`${long.path}:2:3: session.k${'e'.repeat(79)}…: unknown key (check the spelling)`);
  });

  it('turns control and format characters from the file into "?" in the message', async () => {
    const { error, path } = await expectRefused('providers:\n  "\\e]0;owned\\a\\e[2J\\u202Edemo\\u200B": { label: D, embedded: true }\n');
    expect(error.message).toBe(`${path}:2:3: providers.?]0;owned??[2J?demo?: provider names use lowercase letters, digits, - and _`);
    expect(error.hint).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });

  it.each([
    ['flow lists', (n: number) => `session: ${'['.repeat(n)}${']'.repeat(n)}\n`],
    ['flow mappings', (n: number) => `session: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`],
    ['block lists on one line', (n: number) => `${'- '.repeat(n)}x\n`],
    ['explicit keys on one line', (n: number) => `${'? '.repeat(n)}x\n`],
  ])('refuses 50,000 levels of %s in this process, at line 1, before the parser recurses', async (_name, make) => {
    const { error, path } = await expectRefused(make(50_000));
    expect(error.message.startsWith(`${path}:1:`), error.message).toBe(true);
    expect(error.message).toContain('nested too deeply');
    expect(error.location?.line).toBe(1);
  });

  it('refuses deep block nesting by indentation, and accepts ordinary nesting', async () => {
    const indented = Array.from({ length: 400 }, (_, level) => `${' '.repeat(level)}a:`).join('\n');
    const { error } = await expectRefused(`${indented} 1\n`);
    expect(error.message).toContain('nested too deeply');
    expect(error.location?.line).toBeGreaterThan(1);
    // Lists under keys at the same column, flow values, comments with brackets: an ordinary config loads.
    const path = join(dir, 'config.yaml');
    await writeFile(
      path,
      [
        '# [[[[ {{{{ not nesting',
        'providers:',
        '  company:',
        '    label: "Company [SSO] {beta}"',
        '    issuer: https://login.example.com',
        '    client_id: app',
        '    scopes:',
        '    - openid',
        '    - email',
        '    authorization_params: { hd: example.com, prompt: "[x]" }',
        'credentials:',
        '  usernames:',
        '    company-alice:',
        '      name: Alice',
        '      provider: company',
        '      subject: alice',
        '      roles: [viewer, admin]',
        '      logged_in: true',
        '      last_login: 2026-11-26T18:00:00Z',
        '',
      ].join('\n'),
    );
    const config = await new ConfigStore({ path }).load();
    expect(config.providers.company).toMatchObject({ label: 'Company [SSO] {beta}', scopes: ['openid', 'email'] });
    expect(config.credentials.usernames['company-alice']?.roles).toEqual(['viewer', 'admin']);
  });
});

describe('temp files of killed writers', () => {
  it('removes those of dead processes after a write, and keeps those of live ones and unrelated files', async () => {
    const path = join(dir, 'config.yaml');
    const store = new ConfigStore({ path });
    await store.load();
    // A process that has exited: its pid is free (not reused within this test, in practice).
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const live = process.ppid;
    const names = {
      deadConfig: `.config.yaml.${dead}.0123456789ab.tmp`,
      deadOther: `.0f1e2d.bin.${dead}.abcdefabcdef.tmp`,
      live: `.config.yaml.${live}.0123456789ab.tmp`,
      ours: `.config.yaml.${process.pid}.0123456789ab.tmp`,
      unrelated: `.config.yaml.${dead}.tmp`,
      notes: 'notes.txt',
    };
    for (const name of Object.values(names)) await writeFile(join(dir, name), 'partial');
    await store.upsertAccount('demo-alice', alice());
    expect((await readdir(dir)).sort()).toEqual(['config.yaml', names.live, names.ours, names.unrelated, names.notes].sort());
    expect((await new ConfigStore({ path }).load()).credentials.usernames['demo-alice']?.name).toBe('Alice Example');
  });
});

describe('provider settings', () => {
  it('keeps provider entries as written: preset defaults are filled in by provider resolution, not the schema', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(
      path,
      [
        'providers:',
        '  local: { label: Local, issuer: "http://127.0.0.1:9000", client_id: app }',
        '  google: { preset: google, client_id: g.apps.googleusercontent.com, client_secret: not-confidential }',
        '  work: { label: Work, preset: microsoft, tenant: contoso.onmicrosoft.com, client_id: w, authorization_params: { domain_hint: contoso.com } }',
        '  personal: { label: Personal, preset: microsoft, client_id: p, scopes: [openid, email] }',
        '',
      ].join('\n'),
    );
    const { providers, session } = await new ConfigStore({ path }).load();
    expect(session.expiry_days).toBe(30);
    expect(providers.local).toEqual({ label: 'Local', issuer: 'http://127.0.0.1:9000', client_id: 'app' });
    // No label and no scopes written: the preset's apply (a schema default would replace Google's own scopes).
    expect(providers.google).toEqual({ preset: 'google', client_id: 'g.apps.googleusercontent.com', client_secret: 'not-confidential' });
    expect(providers.work).toMatchObject({ tenant: 'contoso.onmicrosoft.com', authorization_params: { domain_hint: 'contoso.com' } });
    expect(providers.personal).toMatchObject({ scopes: ['openid', 'email'] });
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
