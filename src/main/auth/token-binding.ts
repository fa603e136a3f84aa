/**
 * Whether a token set's access token is DPoP-bound. Apart from dpop.ts, which loads openid-client to make
 * proofs, so that `latchkey token` can say what a bound token needs without loading it.
 */
import type { TokenSet } from './storage';

/** Whether a token set's access token is DPoP-bound (it was issued as `token_type: DPoP` to a kept key). */
export function isDpopBound(tokens: Pick<TokenSet, 'dpopKey' | 'tokenType'>): boolean {
  return tokens.dpopKey !== undefined && tokens.tokenType?.toLowerCase() === 'dpop';
}
