/**
 * The passphrase store (storage: passphrase) with real files, real scrypt at the real parameters, and real
 * processes writing side by side; and the token vault on top of it, with the same guarantees as on the OS
 * keychain (sealed token files, refusal of an older copy put back). No keychain is involved anywhere here.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError } from '../src/shared/errors';
import { CURRENT_KDF } from '../src/main/store/passphrase-crypto';
import { PassphraseKeyStore, type PassphrasePurpose } from '../src/main/store/passphrase-key-store';
import { openSecretStore } from '../src/main/store/secret-store';
import { resolveSecretStorage } from '../src/main/store/secret-storage';
import { SecretVault, type TokenSet, type VaultProblem } from '../src/main/store/secrets';
import { bundleForChild, runNodeChild } from './helpers/bundle-for-child';

const PASSPHRASE = 'correct horse battery staple';
const POSIX = process.platform !== 'win32';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-passphrase-'));
  file = join(dir, 'secrets', 'passphrase-store.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** A store that answers `passphrase` when asked, and counts the questions. */
function storeAnswering(passphrase: string): { store: PassphraseKeyStore; asked: PassphrasePurpose[] } {
  const asked: PassphrasePurpose[] = [];
  const store = new PassphraseKeyStore({
    file,
    ask: async (purpose) => {
      asked.push(purpose);
      return passphrase;
    },
  });
  return { store, asked };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const outcome = await promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof AuthError ? error.code : `not an AuthError: ${String(error)}`),
  );
  return outcome;
}

describe('the passphrase store', () => {
  it('round-trips entries, and another store (a later run) opens them with the same passphrase', async () => {
    const { store, asked } = storeAnswering(PASSPHRASE);
    expect(store.needs()).toBe('create');
    expect(await store.get('demo:alice')).toBeNull();
    // Reading a store that does not exist asks nothing.
    expect(asked).toEqual([]);
    await store.set('demo:alice', 'entry-alice');
    await store.set('demo:bob', 'entry-bob');
    expect(asked).toEqual(['create']);
    expect(store.needs()).toBeNull();
    expect(await store.get('demo:alice')).toBe('entry-alice');
    expect(await store.findAll()).toEqual(new Map([['demo:alice', ['entry-alice']], ['demo:bob', ['entry-bob']]]));
    expect(await store.delete('demo:bob')).toBe(true);
    expect(await store.delete('demo:bob')).toBe(false);
    store.release();

    const later = storeAnswering(PASSPHRASE);
    expect(later.store.needs()).toBe('unlock');
    expect(await later.store.get('demo:alice')).toBe('entry-alice');
    expect(await later.store.get('demo:bob')).toBeNull();
    // Asked once for the whole run, however many reads follow.
    await Promise.all([later.store.get('demo:alice'), later.store.findAll(), later.store.set('demo:carol', 'entry-carol')]);
    expect(later.asked).toEqual(['unlock']);
    later.store.release();
  });

  it('records its scrypt parameters and salt, keeps the file private, and never writes the passphrase or an entry in clear', async () => {
    const { store } = storeAnswering(PASSPHRASE);
    await store.set('demo:alice', 'entry-in-clear-would-show');
    const text = await readFile(file, 'utf8');
    const saved = JSON.parse(text) as { format: string; version: number; kdf: { name: string; N: number; r: number; p: number; salt: string }; check: string };
    expect(saved.format).toBe('latchkey-passphrase-store');
    expect(saved.version).toBe(1);
    expect(saved.kdf).toMatchObject({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1 });
    expect(CURRENT_KDF.N).toBeGreaterThanOrEqual(2 ** 17);
    expect(Buffer.from(saved.kdf.salt, 'base64')).toHaveLength(16);
    expect(text).not.toContain(PASSPHRASE);
    expect(text).not.toContain('entry-in-clear-would-show');
    expect(text).not.toContain('demo:alice');
    if (POSIX) {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'secrets'))).mode & 0o777).toBe(0o700);
    }
    // Two stores made with the same passphrase have different salts.
    store.release();
    const otherFile = join(dir, 'other', 'passphrase-store.json');
    const other = new PassphraseKeyStore({ file: otherFile, ask: async () => PASSPHRASE });
    await other.set('x', 'y');
    expect((JSON.parse(await readFile(otherFile, 'utf8')) as { kdf: { salt: string } }).kdf.salt).not.toBe(saved.kdf.salt);
  });

  it('refuses a wrong passphrase with passphrase_wrong and changes nothing', async () => {
    const { store } = storeAnswering(PASSPHRASE);
    await store.set('demo:alice', 'entry-alice');
    store.release();
    const before = await readFile(file);

    const wrong = storeAnswering('not the passphrase');
    const refused = await wrong.store.set('demo:bob', 'entry-bob').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuthError);
    expect(refused).toMatchObject({ code: 'passphrase_wrong' });
    expect((refused as AuthError).message).toContain(file);
    expect((refused as AuthError).message).not.toContain('not the passphrase');
    // The run asked once; a wrong answer stays wrong for the run (no second question).
    expect(await codeOf(wrong.store.get('demo:alice'))).toBe('passphrase_wrong');
    expect(wrong.asked).toEqual(['unlock']);
    expect(await readFile(file)).toEqual(before);

    // The app's way: unlock() with a wrong passphrase, then the right one.
    const app = new PassphraseKeyStore({ file });
    expect(await codeOf(app.get('demo:alice'))).toBe('passphrase_required');
    expect(await codeOf(app.unlock('still not it'))).toBe('passphrase_wrong');
    expect(app.needs()).toBe('unlock');
    await app.unlock(PASSPHRASE);
    expect(app.needs()).toBeNull();
    expect(await app.get('demo:alice')).toBe('entry-alice');
  });

  it('refuses a file that was changed: sealed bytes, tag, header, weakened parameters, not JSON', async () => {
    const { store } = storeAnswering(PASSPHRASE);
    await store.set('demo:alice', 'entry-alice');
    store.release();
    const original = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown> & { sealed: Record<string, string>; kdf: Record<string, unknown> };
    const flip = (b64: string): string => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] = (bytes[0] as number) ^ 0x01;
      return bytes.toString('base64');
    };
    const variants: Array<[string, string, string]> = [
      ['sealed bytes', JSON.stringify({ ...original, sealed: { ...original.sealed, data: flip(original.sealed.data as string) } }), 'secret_store_damaged'],
      ['tag', JSON.stringify({ ...original, sealed: { ...original.sealed, tag: flip(original.sealed.tag as string) } }), 'secret_store_damaged'],
      ['weakened parameters', JSON.stringify({ ...original, kdf: { ...original.kdf, N: 2 ** 10 } }), 'secret_store_damaged'],
      ['a newer version', JSON.stringify({ ...original, version: 2 }), 'secret_store_damaged'],
      ['not JSON', '{"format": "latchkey-passphrase-store", ', 'secret_store_damaged'],
      // Another salt derives another key: the check value no longer matches.
      ['the salt', JSON.stringify({ ...original, kdf: { ...original.kdf, salt: flip(original.kdf.salt as string) } }), 'passphrase_wrong'],
    ];
    for (const [what, text, code] of variants) {
      await writeFile(file, text, { mode: 0o600 });
      const reader = storeAnswering(PASSPHRASE);
      expect(await codeOf(reader.store.get('demo:alice')), what).toBe(code);
      // Nothing is written over a file that was refused.
      expect(await codeOf(reader.store.set('demo:bob', 'entry-bob')), what).toBe(code);
      expect(await readFile(file, 'utf8'), what).toBe(text);
    }
  });

  it('refuses an empty or short passphrase for a new store, and creates nothing', async () => {
    for (const short of ['', 'short', '1234567']) {
      const store = new PassphraseKeyStore({ file });
      expect(await codeOf(store.unlock(short))).toBe('weak_password');
      expect(store.needs()).toBe('create');
    }
    expect(await readdir(join(dir, 'secrets')).catch(() => [])).not.toContain('passphrase-store.json');
  });

  it('two processes writing different accounts at once lose none of each other\'s entries', async () => {
    const child = await bundleForChild('test/helpers/passphrase-store-child.ts');
    const { store } = storeAnswering(PASSPHRASE);
    await store.set('parent-0', 'value-parent-0');
    const runs = await Promise.all([
      runNodeChild(child, ['write', file, 'one', '12'], { input: `${PASSPHRASE}\n`, timeoutMs: 120_000 }),
      runNodeChild(child, ['write', file, 'two', '12'], { input: `${PASSPHRASE}\n`, timeoutMs: 120_000 }),
      (async () => {
        for (let n = 1; n <= 12; n++) await store.set(`parent-${n}`, `value-parent-${n}`);
      })(),
    ]);
    for (const run of runs.slice(0, 2) as Array<{ code: number | null; stderr: string; stdout: string }>) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe('done\n');
    }
    const all = await store.findAll();
    for (const prefix of ['one', 'two', 'parent']) {
      for (let n = 1; n <= 12; n++) expect(all.get(`${prefix}-${n}`), `${prefix}-${n}`).toEqual([`value-${prefix}-${n}`]);
    }
    expect(all.size).toBe(37);
  }, 180_000);
});

function tokens(refreshToken: string): TokenSet {
  return { accessToken: `at-for-${refreshToken}`, refreshToken, tokenType: 'Bearer', expiresAt: 1_900_000_000_000, obtainedAt: 1_800_000_000_000 };
}

describe('the token vault on the passphrase store', () => {
  it('stores, rotates and deletes tokens, sealed on disk, with nothing in clear', async () => {
    const store = new PassphraseKeyStore({ file, ask: async () => PASSPHRASE });
    const vault = new SecretVault({ keys: store, dir: join(dir, 'secrets', 'passphrase-store') });
    await vault.set('demo:alice', tokens('rt-1'));
    await vault.set('demo:alice', tokens('rt-2'));
    expect(await vault.get('demo:alice')).toEqual(tokens('rt-2'));
    // A later run with the same passphrase.
    const later = new SecretVault({ keys: new PassphraseKeyStore({ file, ask: async () => PASSPHRASE }), dir: join(dir, 'secrets', 'passphrase-store') });
    expect(await later.get('demo:alice')).toEqual(tokens('rt-2'));
    for (const name of await readdir(join(dir, 'secrets', 'passphrase-store'))) {
      const bytes = await readFile(join(dir, 'secrets', 'passphrase-store', name));
      expect(bytes.includes('rt-2'), name).toBe(false);
      expect(bytes.includes('at-for-rt-2'), name).toBe(false);
    }
    expect((await readFile(file)).includes('rt-2')).toBe(false);
    await vault.delete('demo:alice');
    expect(await vault.get('demo:alice')).toBeNull();
    expect(await store.get('demo:alice')).toBeNull();
  });

  it('refuses an older copy of the token file put back in place (no silent rollback)', async () => {
    const problems: VaultProblem[] = [];
    const store = new PassphraseKeyStore({ file, ask: async () => PASSPHRASE });
    const vault = new SecretVault({ keys: store, dir: join(dir, 'secrets', 'passphrase-store'), onProblem: (problem) => problems.push(problem) });
    await vault.set('demo:alice', tokens('rt-old'));
    const oldBlob = await readFile(vault.blobPath('demo:alice'));
    await vault.set('demo:alice', tokens('rt-rotated'));
    await writeFile(vault.blobPath('demo:alice'), oldBlob);
    expect(await vault.get('demo:alice')).toBeNull();
    expect(problems).toMatchObject([{ kind: 'rolled_back', accountKey: 'demo:alice' }]);
    expect(JSON.stringify(problems)).not.toContain('rt-old');
  });

  it('reports an account whose secrets are in the other store instead of taking it for signed out', async () => {
    const passphraseSide = openSecretStore({ kind: 'passphrase', dataDir: dir, keychainService: 'unused-here', askPassphrase: async () => PASSPHRASE });
    await passphraseSide.vault.set('demo:alice', tokens('rt-1'));
    expect(passphraseSide.info).toMatchObject({ kind: 'passphrase', location: file });
    // The keychain side is never reached: the token file is not in its folder, and that says where it is.
    const keychainSide = openSecretStore({ kind: 'keychain', dataDir: dir, keychainService: 'unused-here' });
    const refused = await keychainSide.vault.get('demo:alice').catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'secrets_in_other_store' });
    expect((refused as AuthError).message).toContain('the passphrase store');
    expect((refused as AuthError).hint).toContain('storage: passphrase');
    // An account nobody has is simply not there.
    expect(await keychainSide.vault.get('demo:nobody')).toBeNull();
    // Nothing was moved or removed: the passphrase side still has it.
    expect(await passphraseSide.vault.get('demo:alice')).toEqual(tokens('rt-1'));
  });
});

describe('choosing the store', () => {
  it('takes LATCHKEY_STORAGE over config.yaml, defaults to the OS keychain, and refuses anything else', () => {
    expect(resolveSecretStorage(undefined, {})).toBe('keychain');
    expect(resolveSecretStorage('passphrase', {})).toBe('passphrase');
    expect(resolveSecretStorage('passphrase', { LATCHKEY_STORAGE: 'keychain' })).toBe('keychain');
    expect(resolveSecretStorage(undefined, { LATCHKEY_STORAGE: 'passphrase' })).toBe('passphrase');
    expect(resolveSecretStorage('keychain', { LATCHKEY_STORAGE: '' })).toBe('keychain');
    expect(() => resolveSecretStorage(undefined, { LATCHKEY_STORAGE: 'plaintext' })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});
