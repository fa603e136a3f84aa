/**
 * The demo provider's signing keys and cookie keys, generated on first start and kept in the data folder
 * so that a restart (or a second run of the app) issues tokens the relying party can still verify and
 * keeps the browser's provider session cookie valid.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { JWK } from 'oidc-provider';
import { quarantineFile, readJsonFile, writePrivateFileAtomic } from './private-files';

export interface ProviderKeys {
  /** Private JWKs: the first RSA key signs ID tokens (RS256, the default), the EC key offers ES256. */
  jwks: { keys: JWK[] };
  /** Keys for signed cookies; the first one signs, all verify. */
  cookieKeys: string[];
}

export const KEYS_FILE = 'keys.json';

function isProviderKeys(value: unknown): value is ProviderKeys {
  if (typeof value !== 'object' || value === null) return false;
  const { jwks, cookieKeys } = value as Partial<ProviderKeys>;
  return (
    typeof jwks === 'object' &&
    jwks !== null &&
    Array.isArray(jwks.keys) &&
    jwks.keys.length > 0 &&
    jwks.keys.every((key) => typeof key === 'object' && key !== null && typeof key.kty === 'string') &&
    Array.isArray(cookieKeys) &&
    cookieKeys.length > 0 &&
    cookieKeys.every((key) => typeof key === 'string' && key.length >= 32)
  );
}

function generateKeys(): ProviderKeys {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return {
    jwks: {
      keys: [
        { ...rsa, kid: randomUUID(), alg: 'RS256', use: 'sig' } as JWK,
        { ...ec, kid: randomUUID(), alg: 'ES256', use: 'sig' } as JWK,
      ],
    },
    cookieKeys: [randomBytes(32).toString('base64url')],
  };
}

/**
 * The keys of `dataDir` as they are on disk, or undefined when there are none (yet) or the file is damaged.
 * Only reads: for checking another process's provider, whose files this process must not repair.
 */
export async function readProviderKeys(dataDir: string): Promise<ProviderKeys | undefined> {
  const read = await readJsonFile(join(dataDir, KEYS_FILE));
  return read !== undefined && read !== 'unreadable' && isProviderKeys(read.value) ? read.value : undefined;
}

/**
 * Loads the keys of `dataDir`, creating them on first use. A damaged keys file is moved aside and
 * replaced: tokens signed with the old keys stop verifying, which is the honest outcome.
 */
export async function loadOrCreateKeys(dataDir: string, log: (line: string) => void): Promise<ProviderKeys> {
  const file = join(dataDir, KEYS_FILE);
  const read = await readJsonFile(file);
  if (read !== undefined) {
    if (read !== 'unreadable' && isProviderKeys(read.value)) return read.value;
    const aside = await quarantineFile(file);
    log(`demo provider: ${KEYS_FILE} was unreadable, moved to ${aside}; generating new keys`);
  }
  const keys = generateKeys();
  await writePrivateFileAtomic(file, `${JSON.stringify(keys, null, 2)}\n`);
  return keys;
}
