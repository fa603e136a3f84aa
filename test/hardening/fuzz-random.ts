/**
 * A small seeded random source for the fuzz tests. Every run picks a fresh seed (so repeated runs cover more
 * ground), and a failing run prints it: `LATCHKEY_FUZZ_SEED=<seed>` replays exactly the same inputs.
 */
import { randomInt } from 'node:crypto';

export interface Rng {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Random bytes, all 256 values possible. */
  bytes(length: number): Buffer;
  /** `length` characters drawn from `alphabet`. */
  string(length: number, alphabet?: string): string;
}

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

/** The seed of this run: `LATCHKEY_FUZZ_SEED` when set (to replay a failure), otherwise a fresh one. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env['LATCHKEY_FUZZ_SEED'];
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error('LATCHKEY_FUZZ_SEED must be an integer in [0, 2^32)');
    return seed;
  }
  return randomInt(0, 0xffffffff);
}

/** sfc32, seeded through splitmix32: fast, well distributed, and the same sequence on every platform. */
export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 0x100000000;
  };
  // Let the state mix before the first value is used.
  for (let i = 0; i < 12; i += 1) next();

  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick() from an empty list');
      return items[int(0, items.length - 1)] as T;
    },
    bytes(length) {
      const out = Buffer.alloc(length);
      for (let i = 0; i < length; i += 1) out[i] = int(0, 255);
      return out;
    },
    string(length, alphabet = PRINTABLE) {
      let out = '';
      for (let i = 0; i < length; i += 1) out += alphabet[int(0, alphabet.length - 1)];
      return out;
    },
  };
}
