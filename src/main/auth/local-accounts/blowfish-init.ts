/**
 * Blowfish's initial state: the 18 P-array words and the four 256-word S-boxes are the hexadecimal digits of
 * π after the point, in order (Schneier, 1993). They are computed here from π itself (Machin's formula,
 * π = 16·atan(1/5) − 4·atan(1/239), in fixed point with 64 guard bits) rather than pasted as a table of 1,042
 * numbers: nothing to mistype, and the test checks the well-known first words of P and each S-box. Computed
 * once per process, on the first bcrypt verification (about a quarter of a second).
 */

const P_WORDS = 18;
const S_WORDS = 4 * 256;
const WORDS = P_WORDS + S_WORDS;
const GUARD_BITS = 64n;

/** atan(1/x) scaled by 2^bits. */
function arctanInverse(x: bigint, one: bigint): bigint {
  const xSquared = x * x;
  let power = one / x;
  let sum = power;
  let sign = -1n;
  for (let n = 3n; ; n += 2n) {
    power /= xSquared;
    const term = power / n;
    if (term === 0n) return sum;
    sum += sign * term;
    sign = -sign;
  }
}

let cached: { p: Uint32Array; s: Uint32Array } | undefined;

/** Fresh copies of the initial P-array (18 words) and S-boxes (1,024 words, S0 to S3 in a row). */
export function blowfishInitialState(): { p: Uint32Array; s: Uint32Array } {
  if (!cached) {
    const bits = BigInt(WORDS * 32) + GUARD_BITS;
    const one = 1n << bits;
    const pi = 16n * arctanInverse(5n, one) - 4n * arctanInverse(239n, one);
    let fraction = pi - 3n * one;
    const words = new Uint32Array(WORDS);
    for (let i = 0; i < WORDS; i += 1) {
      fraction <<= 32n;
      words[i] = Number(fraction >> bits);
      fraction &= one - 1n;
    }
    cached = { p: words.slice(0, P_WORDS), s: words.slice(P_WORDS) };
  }
  return { p: cached.p.slice(), s: cached.s.slice() };
}
