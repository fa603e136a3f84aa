/**
 * Refreshing one account's tokens safely when several processes (the app, any number of `latchkey` CLI
 * runs) share one keychain entry and one rotating refresh token.
 *
 * Under a cross-process lock per account we re-read the stored tokens first: if another process refreshed
 * while we waited, its result is used and our (now spent) refresh token is never sent. Otherwise the grant
 * runs, and the rotated refresh token is written to the keychain before anyone uses the new tokens. A session
 * with a DPoP key sends its proof with the grant (its refresh token may be bound to that key); the key is read
 * from the vault with the tokens, so every process refreshes with the same one.
 */
import * as oidc from 'openid-client';
import { AuthError } from '../../shared/errors';
import { dpopHandle } from './dpop';
import { translateOidcError } from './oidc-errors';
import type { ProviderClient } from './provider-client';
import { tokenSetFrom } from './sign-in-flow';
import type { TokenSet, TokenVault } from './storage';

export interface RefreshOptions {
  accountKey: string;
  vault: TokenVault;
  client: () => Promise<ProviderClient>;
  now: () => number;
  /** The refresh token this process last knew; if the stored one differs, someone else already refreshed. */
  knownRefreshToken: string | undefined;
  /** Whether tokens refreshed by someone else are good enough (false only when fresh ones are still due). */
  acceptIfFresh: (tokens: TokenSet) => boolean;
}

export interface RefreshOutcome {
  tokens: TokenSet;
  /** False when another process had refreshed and we adopted its tokens. */
  performedGrant: boolean;
  claims?: Record<string, unknown>;
}

export async function refreshAccountTokens(options: RefreshOptions): Promise<RefreshOutcome> {
  // One lock for the whole read-grant-write: the vault's own per-account lock, which every writer of the
  // account's tokens (sign-in, sign-out, another process's refresh) takes too.
  return options.vault.update<RefreshOutcome>(options.accountKey, async (stored) => {
    if (!stored) {
      throw new AuthError('not_signed_in', 'This account has no stored session (it was signed out elsewhere).');
    }
    const rotatedElsewhere = stored.refreshToken !== options.knownRefreshToken;
    if (rotatedElsewhere && options.acceptIfFresh(stored)) return { result: { tokens: stored, performedGrant: false } };
    if (!stored.refreshToken) {
      throw new AuthError('invalid_grant', 'The provider issued no refresh token, and the access token has expired.', {
        hint: 'Sign in again. Ask for the offline_access scope to stay signed in longer.',
      });
    }
    const client = await options.client();
    const refreshToken = stored.refreshToken;
    const dpop = stored.dpopKey ? await dpopHandle(client.configuration, stored.dpopKey) : undefined;
    let response;
    try {
      response = await client.grant((configuration) => oidc.refreshTokenGrant(configuration, refreshToken, undefined, dpop ? { DPoP: dpop } : undefined));
    } catch (err) {
      throw translateOidcError(err, 'refresh');
    }
    const tokens = tokenSetFrom(response, options.now(), stored);
    const claims = response.id_token ? (response.claims() as Record<string, unknown> | undefined) : undefined;
    // Disk before use: the old refresh token is spent now; losing the new one would sign the person out. The
    // vault resolves only once the new tokens are durable.
    return { store: tokens, result: { tokens, performedGrant: true, ...(claims ? { claims } : {}) } };
  });
}
