/**
 * The data folder is refused, with the command that fixes it, when another user could change it: a folder
 * writable by group or others, owned by someone else, with a world-writable parent, or a config.yaml that is
 * a symlink or someone else's. Real folders in a temp dir; the "someone else" cases need root (to chown to
 * `nobody`) and say so when skipped.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLatchkey } from '../src/main/app';
import { assertPrivateDataFolder } from '../src/main/store/data-folder';
import type { AuthError } from '../src/shared/errors';

const POSIX = process.platform !== 'win32';
const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const NEEDS_ROOT = 'needs root: only root can hand a file to another user (chown)';

let base: string;
let dataDir: string;
let configPath: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'latchkey-datadir-'));
  dataDir = join(base, 'Latchkey');
  await mkdir(dataDir, { mode: 0o700 });
  configPath = join(dataDir, 'config.yaml');
});

afterEach(async () => {
  await chmod(base, 0o700).catch(() => undefined);
  await rm(base, { recursive: true, force: true });
});

async function refusal(path = configPath): Promise<AuthError> {
  const outcome = await assertPrivateDataFolder(path).then(
    () => null,
    (error: unknown) => error as AuthError,
  );
  if (outcome === null) throw new Error('the data folder was accepted');
  return outcome;
}

describe.skipIf(!POSIX)('the data folder check (POSIX)', () => {
  it('accepts a private folder, with or without config.yaml (a world-readable one too)', async () => {
    await expect(assertPrivateDataFolder(configPath)).resolves.toBeUndefined();
    await writeFile(configPath, 'session: {}\n', { mode: 0o600 });
    await mkdir(join(dataDir, 'secrets'), { mode: 0o700 });
    await mkdir(join(dataDir, 'locks'), { mode: 0o700 });
    await expect(assertPrivateDataFolder(configPath)).resolves.toBeUndefined();
    await chmod(configPath, 0o644);
    await expect(assertPrivateDataFolder(configPath)).resolves.toBeUndefined();
  });

  it.each([
    [0o777, 'group and others'],
    [0o770, 'its group'],
    [0o707, 'others'],
  ])('refuses a data folder with mode %o, naming it and the chmod that fixes it', async (mode, writers) => {
    await chmod(dataDir, mode);
    const error = await refusal();
    expect(error.code).toBe('data_folder_unsafe');
    expect(error.message).toContain(dataDir);
    expect(error.message).toContain(`writable by ${writers}`);
    expect(error.hint).toBe(`Make it private: chmod 700 ${dataDir}`);
  });

  it.each([
    ['secrets', 0o777],
    ['locks', 0o770],
  ])('refuses %s/ with mode %o', async (name, mode) => {
    const folder = join(dataDir, name);
    await mkdir(folder);
    await chmod(folder, mode);
    const error = await refusal();
    expect(error.code).toBe('data_folder_unsafe');
    expect(error.message).toContain(folder);
    expect(error.hint).toBe(`Make it private: chmod 700 ${folder}`);
  });

  it('refuses secrets/ that is a symlink to a folder elsewhere', async () => {
    const elsewhere = join(base, 'elsewhere');
    await mkdir(elsewhere, { mode: 0o700 });
    await symlink(elsewhere, join(dataDir, 'secrets'));
    const error = await refusal();
    expect(error).toMatchObject({ code: 'data_folder_unsafe' });
    expect(error.message).toContain('symbolic link');
    expect(error.hint).toContain(`mv ${join(dataDir, 'secrets')}`);
  });

  it('refuses a config.yaml that is a symlink, or writable by others', async () => {
    const target = join(base, 'somewhere-else.yaml');
    await writeFile(target, 'session: {}\n', { mode: 0o600 });
    await symlink(target, configPath);
    const linked = await refusal();
    expect(linked.code).toBe('data_folder_unsafe');
    expect(linked.message).toContain(`${configPath} is a symbolic link (to ${target})`);
    expect(linked.hint).toBe(`Replace the link with a copy of the file: cp ${target} ${configPath}.new && mv ${configPath}.new ${configPath}`);

    await rm(configPath);
    await writeFile(configPath, 'session: {}\n');
    await chmod(configPath, 0o666);
    const writable = await refusal();
    expect(writable.code).toBe('data_folder_unsafe');
    expect(writable.hint).toBe(`Make it private: chmod 600 ${configPath}`);
  });

  it('refuses a data folder inside a folder anyone can write (not sticky), and accepts a sticky one like /tmp', async () => {
    await chmod(base, 0o777);
    const error = await refusal();
    expect(error.code).toBe('data_folder_unsafe');
    expect(error.message).toContain(`The folder ${base}, which holds the data folder ${dataDir}`);
    expect(error.hint).toContain(`chmod go-w ${base}`);
    await chmod(base, 0o1777);
    await expect(assertPrivateDataFolder(configPath)).resolves.toBeUndefined();
  });

  it('judges a symlinked data folder by the real folder it points to', async () => {
    const link = join(base, 'link-to-data');
    await symlink(dataDir, link);
    await expect(assertPrivateDataFolder(join(link, 'config.yaml'))).resolves.toBeUndefined();
    await chmod(dataDir, 0o777);
    expect((await refusal(join(link, 'config.yaml'))).hint).toBe(`Make it private: chmod 700 ${dataDir}`);
  });

  it('quotes paths in the fix so the command works as printed', async () => {
    const odd = join(base, "it's mine");
    await mkdir(odd, { mode: 0o777 });
    await chmod(odd, 0o777);
    expect((await refusal(join(odd, 'config.yaml'))).hint).toBe(`Make it private: chmod 700 '${base}/it'\\''s mine'`);
  });

  it('refuses a data folder or config.yaml that belongs to another user', async (context) => {
    context.skip(!ROOT, NEEDS_ROOT);
    await chown(dataDir, NOBODY, NOBODY);
    const folder = await refusal();
    expect(folder.code).toBe('data_folder_unsafe');
    expect(folder.message).toContain(`belongs to another user (uid ${NOBODY})`);
    expect(folder.hint).toMatch(new RegExp(`^Make it yours and private: sudo chown -R \\S+ ${dataDir} && chmod 700 ${dataDir}$`));

    await chown(dataDir, 0, 0);
    await writeFile(configPath, 'session: {}\n', { mode: 0o600 });
    await chown(configPath, NOBODY, NOBODY);
    const file = await refusal();
    expect(file.message).toContain(`${configPath} belongs to another user (uid ${NOBODY})`);
    expect(file.hint).toContain(`chmod 600 ${configPath}`);
  });

  it('refuses a data folder inside a folder of another user', async (context) => {
    context.skip(!ROOT, NEEDS_ROOT);
    await chown(base, NOBODY, NOBODY);
    const error = await refusal();
    expect(error.message).toContain(`The folder ${base}, which holds the data folder ${dataDir}, belongs to another user (uid ${NOBODY})`);
  });

  it('is not applied on Windows (ACLs, not mode bits)', async () => {
    await chmod(dataDir, 0o777);
    await expect(assertPrivateDataFolder(configPath, { platform: 'win32' })).resolves.toBeUndefined();
  });

  it('makes createLatchkey refuse the folder before it writes anything', async () => {
    await chmod(dataDir, 0o770);
    const outcome = await createLatchkey({
      configPath,
      keychainService: `latchkey-test-${randomBytes(6).toString('hex')}`,
      openBrowser: async () => undefined,
      embeddedProvider: false,
      role: 'cli',
    }).then(
      () => null,
      (error: unknown) => error as AuthError,
    );
    expect(outcome).toMatchObject({ code: 'data_folder_unsafe', hint: `Make it private: chmod 700 ${dataDir}` });
    expect(await readdir(dataDir)).toEqual([]);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o770);
  });
});
