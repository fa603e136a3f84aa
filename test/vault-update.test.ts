/**
 * The vault's read-modify-write (update(), what a refresh uses) and its batched start-up read (prefetch()),
 * against the real system keychain. On Linux run it inside a private keychain:
 *   sh scripts/with-private-keychain.sh npx vitest run test/vault-update.test.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsyncEntry } from '@napi-rs/keyring';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretVault, type TokenSet, type VaultProblem } from '../src/main/store/secrets';
import { decodeEntry } from '../src/main/store/vault-entry';

let dir: string;
let service: string;
let problems: VaultProblem[];
let vault: SecretVault;
const usedAccounts = new Set<string>();

function rawEntry(account: string): AsyncEntry {
  return new AsyncEntry(service, account, { linux: { store: 'secret-service' } });
}

function tokens(refreshToken: string, obtainedAt = Date.now()): TokenSet {
  return { accessToken: `at-${randomBytes(8).toString('hex')}`, refreshToken, tokenType: 'Bearer', obtainedAt, expiresAt: obtainedAt + 3_600_000 };
}

function account(name: string): string {
  usedAccounts.add(name);
  return name;
}

function otherVault(): SecretVault {
  return new SecretVault({ service, dir: join(dir, 'secrets'), onProblem: (problem) => problems.push(problem) });
}

/** A refresh as token-refresh.ts does it: read, replace the refresh token, store. */
function rotate(target: SecretVault, key: string, next: string): Promise<TokenSet | null> {
  return target.update(key, async (stored) => {
    if (!stored) return { result: null };
    const rotated = tokens(next);
    return { store: rotated, result: rotated };
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-vault-update-'));
  service = `latchkey-test-${randomBytes(6).toString('hex')}`;
  problems = [];
  vault = otherVault();
});

afterEach(async () => {
  await vault.settled();
  for (const name of usedAccounts) await rawEntry(name).deleteCredential().catch(() => undefined);
  usedAccounts.clear();
  await rm(dir, { recursive: true, force: true });
});

describe('SecretVault.update()', () => {
  it('stores what the work returns; once settled, the keychain names that write and any vault reads it', async () => {
    const key = account('demo-alice');
    await vault.set(key, tokens('rt-1'));
    const stored = await rotate(vault, key, 'rt-2');
    expect(stored?.refreshToken).toBe('rt-2');
    // Durable when update() resolves: a reader in another vault (process) gets the new tokens at once.
    expect((await otherVault().get(key))?.refreshToken).toBe('rt-2');
    await vault.settled();
    const entry = decodeEntry(await rawEntry(key).getPassword());
    const again = await rotate(vault, key, 'rt-3');
    expect(again?.refreshToken).toBe('rt-3');
    await vault.settled();
    expect(decodeEntry(await rawEntry(key).getPassword())?.writeId).not.toEqual(entry?.writeId);
    expect(problems).toEqual([]);
  });

  it('stores nothing when the work returns no tokens, and answers null for an account without any', async () => {
    const key = account('demo-alice');
    expect(await vault.update(key, async (stored) => ({ result: stored }))).toBeNull();
    await vault.set(key, tokens('rt-1'));
    const before = await readFile(vault.blobPath(key));
    expect((await vault.update(key, async (stored) => ({ result: stored })))?.refreshToken).toBe('rt-1');
    expect(await readFile(vault.blobPath(key))).toEqual(before);
  });

  it('hands the newest tokens to the work when another vault (process) wrote in between', async () => {
    const key = account('demo-alice');
    await vault.set(key, tokens('rt-1'));
    await rotate(vault, key, 'rt-2');
    await rotate(otherVault(), key, 'rt-from-elsewhere');
    const seen = await vault.update(key, async (stored) => ({ result: stored?.refreshToken }));
    expect(seen).toBe('rt-from-elsewhere');
  });

  it('a keychain entry deleted by hand is caught before anything is written: no resurrected key, the session is lost', async () => {
    const key = account('demo-alice');
    await vault.set(key, tokens('rt-1'));
    await rotate(vault, key, 'rt-2');
    await vault.settled();
    await rawEntry(key).deleteCredential();
    await expect(rotate(vault, key, 'rt-3')).rejects.toMatchObject({ code: 'not_signed_in' });
    expect(problems).toMatchObject([{ kind: 'key_missing', accountKey: key }]);
    expect(await rawEntry(key).getPassword()).toBeNull();
  });

  it('refuses an older copy of the token file put back, even the very file it last wrote itself', async () => {
    const key = account('demo-alice');
    await vault.set(key, tokens('rt-1'));
    await rotate(vault, key, 'rt-2');
    await vault.settled();
    // Keep the file this vault wrote, let another process write, then put the kept file back (a rename: the same
    // inode this vault remembers, but not the same file any more).
    const kept = join(dir, 'kept.bin');
    await writeFile(kept, await readFile(vault.blobPath(key)), { mode: 0o600 });
    await rotate(otherVault(), key, 'rt-3');
    await rename(kept, vault.blobPath(key));
    const seen = await vault.update(key, async (stored) => ({ result: stored?.refreshToken ?? null }));
    expect(seen).toBeNull();
    expect(problems).toMatchObject([{ kind: 'rolled_back', accountKey: key }]);
  });

  it('a write interrupted before its keychain step is read, and settled, by the next update', async () => {
    const key = account('demo-alice');
    await vault.set(key, tokens('rt-1'));
    const entryBefore = (await rawEntry(key).getPassword()) as string;
    await rotate(vault, key, 'rt-2');
    await vault.settled();
    // As if the process had died between the token file and the keychain.
    await rawEntry(key).setPassword(entryBefore);
    const fresh = otherVault();
    expect(await fresh.update(key, async (stored) => ({ result: stored?.refreshToken }))).toBe('rt-2');
    expect(await rawEntry(key).getPassword()).not.toBe(entryBefore);
    expect(problems).toEqual([]);
  });
});

describe('SecretVault.prefetch()', () => {
  it('reads many accounts after one keychain search', async () => {
    const keys = Array.from({ length: 6 }, (_, i) => account(`demo-user-${i}`));
    for (const [i, key] of keys.entries()) await vault.set(key, tokens(`rt-${i}`));
    const reader = otherVault();
    await reader.prefetch(keys);
    for (const [i, key] of keys.entries()) expect((await reader.get(key))?.refreshToken).toBe(`rt-${i}`);
    expect(problems).toEqual([]);
  });

  it('does not use a value that went stale after the search: the account\'s own entry decides', async () => {
    const keys = [account('demo-alice'), account('demo-bob')];
    for (const key of keys) await vault.set(key, tokens('rt-1'));
    const reader = otherVault();
    await reader.prefetch(keys);
    // Written after the search: the value found for alice no longer vouches for her token file.
    await rotate(vault, 'demo-alice', 'rt-2');
    await vault.settled();
    expect((await reader.get('demo-alice'))?.refreshToken).toBe('rt-2');
    expect(problems).toEqual([]);
  });

  it('changes nothing when the search finds nothing', async () => {
    const key = account('demo-alice');
    await vault.set(key, tokens('rt-1'));
    const before = await rawEntry(key).getPassword();
    const reader = new SecretVault({ service: `${service}-other`, dir: join(dir, 'secrets') });
    await reader.prefetch([key, 'demo-bob']);
    await expect(reader.get(key)).resolves.toBeNull();
    expect(await rawEntry(key).getPassword()).toBe(before);
  });
});
