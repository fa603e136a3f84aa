/**
 * bcrypt verification (Provos & Mazières, 1999: EksBlowfish), for the hashes Streamlit-Authenticator writes
 * (`$2b$12$…`, from Python's bcrypt). Latchkey only verifies these — new hashes are scrypt — and replaces each
 * with a scrypt hash at the account's next successful sign-in. Written here because no dependency may be
 * added; checked against published test vectors and hashes made by the system's crypt(3).
 *
 * $2a$, $2b$ and $2y$ are read alike (the password's UTF-8 bytes and a NUL, at most 72 bytes). $2x$ (the
 * variant that reproduces an old sign-extension bug) is not a format Latchkey accepts.
 */
import { timingSafeEqual } from 'node:crypto';
import { AuthError } from '../../../shared/errors';
import { blowfishInitialState } from './blowfish-init';
import { BCRYPT_HASH } from './password-hash-format';

/** bcrypt's own base64 alphabet. */
const ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const INDEX = new Map([...ALPHABET].map((char, index) => [char, index]));
/** "OrpheanBeholderScryDoubt", the text bcrypt encrypts 64 times. */
const MAGIC = Uint32Array.from([0x4f727068, 0x65616e42, 0x65686f6c, 0x64657253, 0x63727944, 0x6f756274]);
const MAX_KEY_BYTES = 72;
export const MIN_BCRYPT_COST = 4;
/** 2^16 rounds take seconds here; a higher cost in a file is more likely an attack on the sign-in than a hash. */
export const MAX_BCRYPT_COST = 16;

function decodeBase64(text: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const digit = (i: number): number => INDEX.get(text[i] ?? '') ?? 0;
  let o = 0;
  for (let i = 0; o < length; i += 4) {
    const [a, b, c, d] = [digit(i), digit(i + 1), digit(i + 2), digit(i + 3)];
    out[o++] = (a << 2) | ((b & 0x30) >> 4);
    if (o < length) out[o++] = ((b & 0x0f) << 4) | ((c & 0x3c) >> 2);
    if (o < length) out[o++] = ((c & 0x03) << 6) | d;
  }
  return out;
}

function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += ALPHABET[a >> 2];
    if (b === undefined) {
      out += ALPHABET[(a & 0x03) << 4];
      break;
    }
    out += ALPHABET[((a & 0x03) << 4) | (b >> 4)];
    if (c === undefined) {
      out += ALPHABET[(b & 0x0f) << 2];
      break;
    }
    out += ALPHABET[((b & 0x0f) << 2) | (c >> 6)];
    out += ALPHABET[c & 0x3f];
  }
  return out;
}

/** Blowfish's state and its block function, as EksBlowfish uses them. */
class Blowfish {
  readonly p: Uint32Array;
  readonly s: Uint32Array;
  readonly #block = new Uint32Array(2);

  constructor() {
    const initial = blowfishInitialState();
    this.p = initial.p;
    this.s = initial.s;
  }

  /** Encrypts the two words at `data[offset]` in place. */
  encrypt(data: Uint32Array, offset: number): void {
    const { p, s } = this;
    let left = data[offset] as number;
    let right = data[offset + 1] as number;
    left ^= p[0] as number;
    for (let i = 1; i <= 16; i += 2) {
      right ^= ((((s[left >>> 24] as number) + (s[0x100 | ((left >>> 16) & 0xff)] as number)) ^ (s[0x200 | ((left >>> 8) & 0xff)] as number)) + (s[0x300 | (left & 0xff)] as number)) ^ (p[i] as number);
      left ^= ((((s[right >>> 24] as number) + (s[0x100 | ((right >>> 16) & 0xff)] as number)) ^ (s[0x200 | ((right >>> 8) & 0xff)] as number)) + (s[0x300 | (right & 0xff)] as number)) ^ (p[i + 1] as number);
    }
    data[offset] = right ^ (p[17] as number);
    data[offset + 1] = left;
  }

  /** Blowfish's key schedule, with bcrypt's salt mixed in when given (ExpandKey(state, salt, key)). */
  expand(key: Uint8Array, salt: Uint8Array | null): void {
    const keyStream = cycle(key);
    for (let i = 0; i < 18; i += 1) this.p[i] = (this.p[i] as number) ^ keyStream();
    const saltStream = salt ? cycle(salt) : () => 0;
    const block = this.#block;
    block[0] = 0;
    block[1] = 0;
    for (const table of [this.p, this.s]) {
      for (let i = 0; i < table.length; i += 2) {
        block[0] = (block[0] as number) ^ saltStream();
        block[1] = (block[1] as number) ^ saltStream();
        this.encrypt(block, 0);
        table[i] = block[0] as number;
        table[i + 1] = block[1] as number;
      }
    }
  }
}

/** 32-bit big-endian words read from `bytes` over and over. */
function cycle(bytes: Uint8Array): () => number {
  let position = 0;
  return () => {
    let word = 0;
    for (let i = 0; i < 4; i += 1) {
      word = ((word << 8) | (bytes[position] as number)) >>> 0;
      position = (position + 1) % bytes.length;
    }
    return word;
  };
}

/** The 31-character hash bcrypt makes of `password` with `cost` and the 16-byte `salt`. */
export function bcryptHash(password: string, cost: number, salt: Uint8Array): string {
  const utf8 = Buffer.from(password, 'utf8');
  const key = new Uint8Array(Math.min(utf8.length + 1, MAX_KEY_BYTES));
  key.set(utf8.subarray(0, key.length));
  const state = new Blowfish();
  state.expand(key, salt);
  const rounds = 2 ** cost;
  for (let i = 0; i < rounds; i += 1) {
    state.expand(key, null);
    state.expand(salt, null);
  }
  const text = MAGIC.slice();
  for (let i = 0; i < 64; i += 1) for (let j = 0; j < text.length; j += 2) state.encrypt(text, j);
  const bytes = new Uint8Array(24);
  for (let i = 0; i < 6; i += 1) {
    const word = text[i] as number;
    bytes.set([word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff], i * 4);
  }
  return encodeBase64(bytes.subarray(0, 23));
}

/** The parts of a bcrypt hash string, or an AuthError naming what is wrong with it (never the hash). */
export function parseBcrypt(stored: string): { cost: number; salt: Uint8Array; hash: string } {
  const match = BCRYPT_HASH.exec(stored);
  if (!match) throw new AuthError('invalid_argument', 'The stored password is not a bcrypt hash.');
  const cost = Number(match[2]);
  if (cost < MIN_BCRYPT_COST || cost > MAX_BCRYPT_COST) {
    throw new AuthError('invalid_argument', `The stored bcrypt hash has cost ${cost}; Latchkey accepts ${MIN_BCRYPT_COST} to ${MAX_BCRYPT_COST}.`, {
      hint: 'Give the account a new password: latchkey users reset-password NAME',
    });
  }
  return { cost, salt: decodeBase64(match[3] as string, 16), hash: match[4] as string };
}

/** Whether `password` matches the bcrypt hash `stored`, compared in constant time. */
export function verifyBcrypt(stored: string, password: string): boolean {
  const { cost, salt, hash } = parseBcrypt(stored);
  const computed = Buffer.from(bcryptHash(password, cost, salt));
  const expected = Buffer.from(hash);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
