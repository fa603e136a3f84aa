/**
 * The token vault against the real system keychain. On Linux run it inside a private keychain:
 *   sh scripts/with-private-keychain.sh npx vitest run test/secrets.test.ts
 * Every test uses its own keychain service name and temp folder.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsyncEntry, findCredentialsAsync } from '@napi-rs/keyring';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keychainHint } from '../src/main/store/keychain';
import { SecretVault, type TokenSet, type VaultProblem } from '../src/main/store/secrets';
import { bundleForChild, runNodeChild } from './helpers/bundle-for-child';

const POSIX = process.platform !== 'win32';

let dir: string;
let service: string;
let problems: VaultProblem[];
let vault: SecretVault;
const usedAccounts = new Set<string>();

function rawEntry(account: string): AsyncEntry {
  return new AsyncEntry(service, account, { linux: { store: 'secret-service' } });
}

function tokens(overrides: Partial<TokenSet> = {}): TokenSet {
  return {
    accessToken: `at-${randomBytes(16).toString('hex')}`,
    refreshToken: `rt-${randomBytes(16).toString('hex')}`,
    idToken: `id-${randomBytes(16).toString('hex')}`,
    tokenType: 'Bearer',
    scope: 'openid profile email offline_access',
    expiresAt: 1_900_000_000_000,
    obtainedAt: 1_800_000_000_000,
    ...overrides,
  };
}

function account(name: string): string {
  usedAccounts.add(name);
  return name;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-vault-'));
  service = `latchkey-test-${randomBytes(6).toString('hex')}`;
  problems = [];
  vault = new SecretVault({ service, dir: join(dir, 'secrets'), onProblem: (problem) => problems.push(problem) });
});

afterEach(async () => {
  for (const name of usedAccounts) await rawEntry(name).deleteCredential().catch(() => undefined);
  usedAccounts.clear();
  await rm(dir, { recursive: true, force: true });
});

describe('SecretVault with the system keychain', () => {
  it('passes check() when the keychain works, leaving no probe entry behind', async () => {
    await vault.check();
    expect(await findCredentialsAsync(service)).toEqual([]);
  });

  it('round-trips a token set through set/get/delete', async () => {
    const key = account('demo-alice');
    const stored = tokens();
    expect(await vault.get(key)).toBeNull();
    await vault.set(key, stored);
    expect(await vault.get(key)).toEqual(stored);

    const rotated = tokens({ refreshToken: 'rt-rotated', obtainedAt: 1_800_000_100_000 });
    await vault.set(key, rotated);
    expect(await vault.get(key)).toEqual(rotated);
    // Another vault on the same service and folder (another process, after a restart) sees it too.
    expect(await new SecretVault({ service, dir: join(dir, 'secrets') }).get(key)).toEqual(rotated);

    await vault.delete(key);
    expect(await vault.get(key)).toBeNull();
    await vault.delete(key); // idempotent
    expect(problems).toEqual([]);
  });

  it('stores a 64 KB token set (beyond any keychain entry limit)', async () => {
    const key = account('demo-big');
    const big = tokens({ accessToken: `big-${'A'.repeat(64 * 1024)}` });
    await vault.set(key, big);
    expect(await vault.get(key)).toEqual(big);
  });

  it('keeps only ciphertext on disk, in a private folder and file', async () => {
    const key = account('demo-alice');
    const stored = tokens();
    await vault.set(key, stored);
    const files = await readdir(join(dir, 'secrets'));
    expect(files).toEqual([`${createHash('sha256').update(key).digest('hex')}.bin`]);
    const blob = await readFile(vault.blobPath(key));
    for (const secret of [stored.accessToken, stored.refreshToken as string, stored.idToken as string]) {
      expect(blob.includes(Buffer.from(secret))).toBe(false);
      expect(blob.includes(Buffer.from(secret.slice(3, 19)))).toBe(false);
    }
    expect(blob.includes(Buffer.from('accessToken'))).toBe(false);
    expect(blob.includes(Buffer.from(key))).toBe(false);
    if (POSIX) {
      expect((await stat(vault.blobPath(key))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'secrets'))).mode & 0o777).toBe(0o700);
    }
  });

  it('keeps the encryption key (and the id of the last write) in the keychain entry, and removes it on delete', async () => {
    const key = account('demo-alice');
    await vault.set(key, tokens());
    const stored = await rawEntry(key).getPassword();
    expect(stored).toMatch(/^v2:[A-Za-z0-9+/]{43}=:[0-9a-f]{32}$/);
    expect(Buffer.from((stored as string).split(':')[1] as string, 'base64')).toHaveLength(32);
    await vault.delete(key);
    expect(await rawEntry(key).getPassword()).toBeNull();
    await expect(stat(vault.blobPath(key))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('answers null and reports a problem for a tampered blob', async () => {
    const key = account('demo-alice');
    const stored = tokens();
    await vault.set(key, stored);
    const blob = await readFile(vault.blobPath(key));
    blob[blob.length - 5] = (blob[blob.length - 5] as number) ^ 0x01;
    await writeFile(vault.blobPath(key), blob);
    expect(await vault.get(key)).toBeNull();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'undecryptable', accountKey: key });
    expect(JSON.stringify(problems)).not.toContain(stored.accessToken);
  });

  it('answers null and reports a problem when the key is gone from the keychain', async () => {
    const key = account('demo-alice');
    await vault.set(key, tokens());
    await rawEntry(key).deleteCredential();
    expect(await vault.get(key)).toBeNull();
    expect(problems).toMatchObject([{ kind: 'key_missing', accountKey: key }]);
  });

  it("refuses another account's blob (the account key is bound into the encryption)", async () => {
    const alice = account('demo-alice');
    const bob = account('demo-bob');
    await vault.set(alice, tokens());
    await vault.set(bob, tokens());
    await writeFile(vault.blobPath(bob), await readFile(vault.blobPath(alice)));
    expect(await vault.get(bob)).toBeNull();
    expect(problems).toMatchObject([{ kind: 'undecryptable', accountKey: bob }]);
  });

  it('refuses an older copy of the token file put back in place (no silent rollback)', async () => {
    const key = account('demo-alice');
    const old = tokens({ refreshToken: 'rt-old' });
    await vault.set(key, old);
    const oldBlob = await readFile(vault.blobPath(key));
    const rotated = tokens({ refreshToken: 'rt-rotated' });
    await vault.set(key, rotated);
    await writeFile(vault.blobPath(key), oldBlob);
    expect(await vault.get(key)).toBeNull();
    expect(problems).toMatchObject([{ kind: 'rolled_back', accountKey: key }]);
    expect(problems[0]?.message).toContain(vault.blobPath(key));
    expect(JSON.stringify(problems)).not.toContain('rt-old');
  });

  it('refuses a token file that is a symlink (to an older copy), without reading through it', async () => {
    const key = account('demo-alice');
    await vault.set(key, tokens({ refreshToken: 'rt-old' }));
    const copy = join(dir, 'old-copy.bin');
    await writeFile(copy, await readFile(vault.blobPath(key)));
    await vault.set(key, tokens({ refreshToken: 'rt-rotated' }));
    await rm(vault.blobPath(key));
    await symlink(copy, vault.blobPath(key));
    const refused = await vault.get(key).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'data_folder_unsafe' });
    expect((refused as Error).message).toContain(vault.blobPath(key));
    expect((refused as { hint?: string }).hint).toContain(`rm ${vault.blobPath(key)}`);
  });

  it('reads a write whose keychain update never happened (a crash between the two), then settles it', async () => {
    const key = account('demo-alice');
    await vault.set(key, tokens({ refreshToken: 'rt-1' }));
    const entryBefore = (await rawEntry(key).getPassword()) as string;
    const blobBefore = await readFile(vault.blobPath(key));
    const newer = tokens({ refreshToken: 'rt-2' });
    await vault.set(key, newer);
    // As if the process had died after renaming the new blob into place, before the keychain learnt its id.
    await rawEntry(key).setPassword(entryBefore);
    expect(await vault.get(key)).toEqual(newer);
    // The read completed the write: the keychain names the new blob now, so the old one no longer opens.
    const entryAfter = await rawEntry(key).getPassword();
    expect(entryAfter).not.toBe(entryBefore);
    await writeFile(vault.blobPath(key), blobBefore);
    expect(await vault.get(key)).toBeNull();
    expect(problems).toMatchObject([{ kind: 'rolled_back', accountKey: key }]);
  });

  it('chains each write to what the keychain holds, even when another vault (process) wrote in between', async () => {
    const key = account('demo-alice');
    const other = new SecretVault({ service, dir: join(dir, 'secrets') });
    await vault.set(key, tokens({ refreshToken: 'rt-1' }));
    expect(await vault.get(key)).not.toBeNull();
    await other.set(key, tokens({ refreshToken: 'rt-2' }));
    const entryBetween = (await rawEntry(key).getPassword()) as string;
    const mine = tokens({ refreshToken: 'rt-3' });
    await vault.set(key, mine);
    // Had this write named its own earlier write (rt-1) as the one it replaces, a crash before the keychain
    // update would leave a blob that nobody accepts. It names the other vault's write, so it stays readable.
    await rawEntry(key).setPassword(entryBetween);
    expect(await other.get(key)).toEqual(mine);
    expect(problems).toEqual([]);
  });

  it('reads token files of the earlier format (key-only keychain entry) and moves them to the new one on the next write', async () => {
    const key = account('demo-legacy');
    const legacy = tokens({ refreshToken: 'rt-legacy' });
    const vaultKey = randomBytes(32);
    // The earlier format: "LKV" 0x01 | IV | tag | AES-256-GCM ciphertext, AAD = header + account key; the keychain held the key alone.
    const header = Buffer.from([0x4c, 0x4b, 0x56, 0x01]);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', vaultKey, iv);
    cipher.setAAD(Buffer.concat([header, Buffer.from(key, 'utf8')]));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(legacy), 'utf8'), cipher.final()]);
    const legacyBlob = Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
    await mkdir(join(dir, 'secrets'), { mode: 0o700 });
    await writeFile(vault.blobPath(key), legacyBlob, { mode: 0o600 });
    await rawEntry(key).setPassword(vaultKey.toString('base64'));

    expect(await vault.get(key)).toEqual(legacy);
    const rotated = tokens({ refreshToken: 'rt-rotated' });
    await vault.set(key, rotated);
    expect(await rawEntry(key).getPassword()).toMatch(/^v2:/);
    expect((await readFile(vault.blobPath(key)))[3]).toBe(2);
    expect(await vault.get(key)).toEqual(rotated);
    // Once moved on, the earlier-format file is an older copy like any other.
    await writeFile(vault.blobPath(key), legacyBlob);
    expect(await vault.get(key)).toBeNull();
    expect(problems).toMatchObject([{ kind: 'rolled_back', accountKey: key }]);
  });

  it('never reports a problem to a reader while another process keeps writing', async () => {
    const key = account('demo-churn');
    await vault.set(key, tokens({ obtainedAt: 0 }));
    const child = await bundleForChild('test/helpers/vault-child.ts');
    const writer = runNodeChild(child, ['churn', service, join(dir, 'secrets'), key, '40']);
    let reads = 0;
    let last = 0;
    let done = false;
    void writer.then(() => (done = true));
    while (!done) {
      const seen = await vault.get(key);
      expect(seen).not.toBeNull();
      // Never older than what this reader has already seen.
      expect(seen?.obtainedAt).toBeGreaterThanOrEqual(last);
      last = seen?.obtainedAt ?? last;
      reads += 1;
    }
    const run = await writer;
    expect(run.code, run.stderr).toBe(0);
    expect(reads).toBeGreaterThan(1);
    expect(problems).toEqual([]);
    expect((await vault.get(key))?.obtainedAt).toBe(40);
  }, 60_000);

  it('never interleaves a set() and a delete() of the same account', async () => {
    const key = account('demo-alice');
    const last = tokens({ accessToken: 'at-last' });
    await Promise.all([vault.set(key, tokens()), vault.delete(key), vault.set(key, tokens()), vault.delete(key), vault.set(key, last)]);
    expect(await vault.get(key)).toEqual(last);
    expect(problems).toEqual([]);
    await Promise.all([vault.set(key, tokens()), vault.delete(key)]);
    expect(await vault.get(key)).toBeNull();
    expect(await rawEntry(key).getPassword()).toBeNull();
  });

  it('rejects a token set without an access token, without storing anything', async () => {
    const key = account('demo-alice');
    await expect(vault.set(key, { obtainedAt: 1 } as TokenSet)).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(await rawEntry(key).getPassword()).toBeNull();
  });
});

describe('SecretVault without a keychain', () => {
  it('fails with keychain_unavailable and the fix for this OS, and writes no plaintext', async () => {
    const child = await bundleForChild('test/helpers/vault-child.ts');
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const blobDir = join(dir, 'child-secrets');
    const run = await runNodeChild(child, ['check', service, blobDir], { env });
    expect(run.code, run.stderr).toBe(0);
    const outcomes = JSON.parse(run.stdout) as Record<string, { ok: boolean; code?: string; message?: string; hint?: string }>;
    if (process.platform !== 'linux') {
      // Only Linux reaches its keychain over D-Bus; elsewhere this environment changes nothing.
      expect(outcomes.check?.ok).toBe(true);
      return;
    }
    for (const name of ['check', 'set']) {
      expect(outcomes[name]).toMatchObject({ ok: false, code: 'keychain_unavailable', hint: keychainHint('linux') });
      expect(outcomes[name]?.message).toMatch(/^The system keychain is not available: /);
    }
    expect(outcomes.get).toEqual({ ok: true });
    expect(keychainHint('linux')).toBe(
      'Install and unlock a Secret Service keyring (gnome-keyring or KWallet) and make sure a D-Bus session is running. ' +
        'Where there is no keychain to use (a server, a container), Latchkey can keep secrets in a passphrase-sealed file instead: ' +
        'set storage: passphrase in config.yaml, or LATCHKEY_STORAGE=passphrase.',
    );
    const written = await readdir(blobDir).catch(() => []);
    expect(written.filter((name) => name.endsWith('.bin'))).toEqual([]);
  });

  it('names a fix for each OS, and the opt-in for machines without a keychain', () => {
    expect(keychainHint('darwin')).toMatch(/^Unlock the login keychain in Keychain Access\. .*storage: passphrase.*LATCHKEY_STORAGE=passphrase\.$/);
    expect(keychainHint('win32')).toMatch(/^Check Credential Manager\. .*storage: passphrase.*LATCHKEY_STORAGE=passphrase\.$/);
  });
});

describe('the private keychain', () => {
  it('is what these tests run against (never the developer keychain)', () => {
    if (process.platform === 'linux') expect(process.env.LATCHKEY_KEYCHAIN_READY, 'run me through scripts/with-private-keychain.sh').toBe('1');
  });
});
