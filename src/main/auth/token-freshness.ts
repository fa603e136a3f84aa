/**
 * When an access token counts as due for refresh. Refreshing a little before expiry means a request made with
 * the token does not fail on the way; for very short lifetimes (tests, some providers) the margin shrinks.
 */
import type { TokenSet } from './storage';

/** How long before expiry a token counts as due for refresh: 60 s, or a fifth of a short lifetime. */
export function refreshMarginMs(tokens: TokenSet): number {
  if (tokens.expiresAt === undefined) return 0;
  return Math.min(60_000, Math.max(0, (tokens.expiresAt - tokens.obtainedAt) * 0.2));
}

export function isAccessTokenFresh(tokens: TokenSet, now: number): boolean {
  if (tokens.expiresAt === undefined) return true; // the provider gave no lifetime: use it until refused
  return tokens.expiresAt - refreshMarginMs(tokens) > now;
}
