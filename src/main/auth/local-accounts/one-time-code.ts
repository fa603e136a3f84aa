/**
 * One-time passwords an administrator hands to a person (`latchkey users add`, `reset-password`): there is no
 * mail server to send a reset link, so the code is printed once, stored only as a hash with
 * `change_at_next_login: true`, and the person chooses their own password at the next sign-in. 100 random
 * bits in Crockford's base32 (no I, L, O, U: nothing to misread), in groups of five.
 */
import { randomInt } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newOneTimeCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g += 1) {
    let group = '';
    for (let i = 0; i < 5; i += 1) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}
