/**
 * Changing the passphrase store's passphrase (PassphraseKeyStore.changePassphrase, `latchkey passphrase
 * change`), with real files and real scrypt at the real parameters: the new passphrase opens the store and the
 * old one no longer does; the file gets a new salt and the current parameters; a wrong old passphrase or a too
 * short new one changes nothing; a write by another run between our read and our change is kept; a reader
 * during the change only ever sees the old file or the new one; the token files need no rewriting.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError } from '../src/shared/errors';
import { CURRENT_KDF, MIN_KDF, deriveKey, sealData, type KdfParams } from '../src/main/store/passphrase-crypto';
import { PassphraseKeyStore } from '../src/main/store/passphrase-key-store';
import { SecretVault, type TokenSet } from '../src/main/store/secrets';

const OLD = 'correct horse battery staple';
const NEW = 'a different and longer passphrase';

interface SavedFile {
  format: string;
  version: number;
  kdf: KdfParams;
  check: string;
  sealed: { iv: string; data: string; tag: string };
}

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-passphrase-change-'));
  file = join(dir, 'secrets', 'passphrase-store.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

function storeWith(passphrase: string): PassphraseKeyStore {
  return new PassphraseKeyStore({ file, ask: async () => passphrase });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof AuthError ? error.code : `not an AuthError: ${String(error)}`),
  );
}

async function saved(): Promise<SavedFile> {
  return JSON.parse(await readFile(file, 'utf8')) as SavedFile;
}

function tokens(refreshToken: string): TokenSet {
  return { accessToken: `at-for-${refreshToken}`, refreshToken, tokenType: 'Bearer', expiresAt: 1_900_000_000_000, obtainedAt: 1_800_000_000_000 };
}

describe('changing the passphrase of the passphrase store', () => {
  it('the new passphrase opens the store with every entry; the old one is passphrase_wrong; the run keeps working', async () => {
    const store = storeWith(OLD);
    await store.set('demo:alice', 'entry-alice');
    await store.set('demo:bob', 'entry-bob');
    await store.changePassphrase(OLD, NEW);
    // The run that changed it carries on with the new key, asking nothing.
    await store.set('demo:carol', 'entry-carol');
    expect(await store.get('demo:alice')).toBe('entry-alice');
    store.release();

    const later = storeWith(NEW);
    expect(await later.findAll()).toEqual(
      new Map([
        ['demo:alice', ['entry-alice']],
        ['demo:bob', ['entry-bob']],
        ['demo:carol', ['entry-carol']],
      ]),
    );
    later.release();
    const before = await readFile(file);
    expect(await codeOf(storeWith(OLD).get('demo:alice'))).toBe('passphrase_wrong');
    expect(await codeOf(new PassphraseKeyStore({ file }).unlock(OLD))).toBe('passphrase_wrong');
    expect(await codeOf(new PassphraseKeyStore({ file }).checkPassphrase(OLD))).toBe('passphrase_wrong');
    await new PassphraseKeyStore({ file }).checkPassphrase(NEW);
    expect(await readFile(file)).toEqual(before);
    const text = before.toString('utf8');
    expect(text).not.toContain(NEW);
    expect(text).not.toContain(OLD);
    expect(text).not.toContain('entry-alice');
  });

  it('records a new salt, a new check value and the current scrypt parameters', async () => {
    const store = storeWith(OLD);
    await store.set('demo:alice', 'entry-alice');
    const first = await saved();
    await store.changePassphrase(OLD, NEW);
    const second = await saved();
    expect(second.format).toBe('latchkey-passphrase-store');
    expect(second.version).toBe(1);
    expect(second.kdf).toMatchObject({ name: 'scrypt', ...CURRENT_KDF });
    expect(Buffer.from(second.kdf.salt, 'base64')).toHaveLength(16);
    expect(second.kdf.salt).not.toBe(first.kdf.salt);
    expect(second.check).not.toBe(first.check);
    expect(second.sealed.iv).not.toBe(first.sealed.iv);
    // The same passphrase again is a change too: a new salt (and the current parameters), still opened by it.
    await store.changePassphrase(NEW, NEW);
    const third = await saved();
    expect(third.kdf.salt).not.toBe(second.kdf.salt);
    expect(third.check).not.toBe(second.check);
    store.release();
    expect(await storeWith(NEW).get('demo:alice')).toBe('entry-alice');
  });

  /** Writes a store file as Latchkey would, but with the given scrypt parameters, holding one entry. */
  async function writeStoreWith(params: Pick<KdfParams, 'N' | 'r' | 'p'>): Promise<void> {
    const kdf: KdfParams = { name: 'scrypt', ...params, salt: Buffer.alloc(16, 7).toString('base64') };
    const derived = await deriveKey(OLD, kdf);
    const check = derived.check.toString('base64');
    // The header as the store binds it to the seal (passphrase-key-store.ts, headerBytes).
    const header = Buffer.from(JSON.stringify(['latchkey-passphrase-store', 1, kdf.name, kdf.N, kdf.r, kdf.p, kdf.salt, check]), 'utf8');
    const sealed = sealData(derived.key, header, Buffer.from(JSON.stringify({ entries: { 'demo:alice': 'entry-alice' } }), 'utf8'));
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, JSON.stringify({ format: 'latchkey-passphrase-store', version: 1, kdf, check, sealed }), { mode: 0o600 });
    expect(await storeWith(OLD).get('demo:alice')).toBe('entry-alice');
  }

  // Only meaningful while the weakest accepted parameters are below the ones new stores get.
  it.skipIf(MIN_KDF.N === CURRENT_KDF.N && MIN_KDF.r === CURRENT_KDF.r && MIN_KDF.p === CURRENT_KDF.p)(
    'a store made with lower (still accepted) parameters gets the current ones',
    async () => {
      await writeStoreWith(MIN_KDF);
      await new PassphraseKeyStore({ file }).changePassphrase(OLD, NEW);
      expect((await saved()).kdf).toMatchObject({ name: 'scrypt', ...CURRENT_KDF });
      expect(await storeWith(NEW).get('demo:alice')).toBe('entry-alice');
    },
  );

  it('a store with other accepted parameters than the current ones is given the current ones', async () => {
    const other = { N: CURRENT_KDF.N, r: CURRENT_KDF.r + 1, p: CURRENT_KDF.p };
    await writeStoreWith(other);
    expect((await saved()).kdf).toMatchObject(other);
    await new PassphraseKeyStore({ file }).changePassphrase(OLD, NEW);
    expect((await saved()).kdf).toMatchObject({ name: 'scrypt', ...CURRENT_KDF });
    expect(await storeWith(NEW).get('demo:alice')).toBe('entry-alice');
  });

  it('a wrong old passphrase is passphrase_wrong and a too short new one weak_password: the file stays byte for byte', async () => {
    const store = storeWith(OLD);
    await store.set('demo:alice', 'entry-alice');
    store.release();
    const before = await readFile(file);

    const changer = new PassphraseKeyStore({ file });
    const refused = await changer.changePassphrase('not the passphrase', NEW).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'passphrase_wrong' });
    expect((refused as AuthError).message).not.toContain('not the passphrase');
    expect(await readFile(file)).toEqual(before);
    for (const short of ['', 'short', '1234567']) {
      expect(await codeOf(changer.changePassphrase(OLD, short))).toBe('weak_password');
      expect(await readFile(file)).toEqual(before);
    }
    // Nothing was opened for the run by the failed attempts, and the old passphrase still opens the store.
    expect(changer.needs()).toBe('unlock');
    expect(await storeWith(OLD).get('demo:alice')).toBe('entry-alice');
    expect(await codeOf(storeWith(NEW).get('demo:alice'))).toBe('passphrase_wrong');
    expect(await readdir(dirname(file))).toEqual(['passphrase-store.json']);
  });

  it('with no store yet there is nothing to change, and nothing is made', async () => {
    const changer = new PassphraseKeyStore({ file });
    expect(await codeOf(changer.changePassphrase(OLD, NEW))).toBe('invalid_argument');
    expect(await codeOf(changer.checkPassphrase(OLD))).toBe('invalid_argument');
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps an entry another run wrote between the change\'s first read and its write', async () => {
    const changer = storeWith(OLD);
    await changer.set('demo:alice', 'entry-alice');
    const other = storeWith(OLD);
    await other.ready();
    // The change reads the file, then derives both keys (scrypt, hundreds of milliseconds) before taking the
    // lock; the other run's write lands in that window, and the change must re-read under the lock.
    const changing = changer.changePassphrase(OLD, NEW);
    await other.set('demo:bob', 'entry-bob');
    await changing;
    // The other run still holds the old key: it now refuses the replaced file rather than overwrite it.
    const refused = await other.set('demo:carol', 'entry-carol').catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'secret_store_damaged' });
    expect((refused as AuthError).hint).toMatch(/passphrase change/);
    other.release();
    const reopened = storeWith(NEW);
    expect(await reopened.findAll()).toEqual(
      new Map([
        ['demo:alice', ['entry-alice']],
        ['demo:bob', ['entry-bob']],
      ]),
    );
  });

  it('a reader during the change sees the whole old file or the whole new one, never a mix', async () => {
    const store = storeWith(OLD);
    for (let n = 1; n <= 20; n++) await store.set(`demo:user-${n}`, `entry-${n}`);
    const oldCheck = (await saved()).check;
    let done = false;
    const seen: string[] = [];
    const reading = (async () => {
      while (!done) {
        seen.push((JSON.parse(await readFile(file, 'utf8')) as SavedFile).check);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      await store.changePassphrase(OLD, NEW);
    } finally {
      done = true;
      await reading;
    }
    const newCheck = (await saved()).check;
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.filter((check) => check !== oldCheck && check !== newCheck))).toEqual(new Set());
    // No temporary file is left beside it.
    expect(await readdir(dirname(file))).toEqual(['passphrase-store.json']);
  });

  it('the token files sealed with the per-account keys open after the change, unchanged on disk', async () => {
    const tokenDir = join(dir, 'secrets', 'passphrase-store');
    const store = storeWith(OLD);
    const vault = new SecretVault({ keys: store, dir: tokenDir });
    await vault.set('demo:alice', tokens('rt-1'));
    const names = await readdir(tokenDir);
    const before = await Promise.all(names.map((name) => readFile(join(tokenDir, name))));
    await store.changePassphrase(OLD, NEW);
    vault.release();
    expect(await readdir(tokenDir)).toEqual(names);
    expect(await Promise.all(names.map((name) => readFile(join(tokenDir, name))))).toEqual(before);

    const later = new SecretVault({ keys: storeWith(NEW), dir: tokenDir });
    expect(await later.get('demo:alice')).toEqual(tokens('rt-1'));
    later.release();
    const stale = new SecretVault({ keys: storeWith(OLD), dir: tokenDir });
    expect(await codeOf(stale.get('demo:alice'))).toBe('passphrase_wrong');
    stale.release();
  });
});
