/**
 * The oidc-provider configuration of the demo provider: one public native client (Latchkey), PKCE
 * required, rotating refresh tokens, revocation, userinfo, RP-initiated logout and DPoP (RFC 9449, with
 * server nonces), with the demo users.
 */
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { fileAdapterFactory } from './file-adapter';
import type { FileStore } from './file-store';
import { errorPage, logoutConfirmPage, signedOutPage } from './pages';
import type { ProviderKeys } from './keys';
import { makeFindAccount } from './users';

export const DEMO_CLIENT_ID = 'latchkey-desktop';
export const DEMO_CLIENT_NAME = 'Latchkey';
/** Registered without a port: oidc-provider accepts any port on loopback redirects of native clients (RFC 8252 §7.3). */
export const DEMO_REDIRECT_URI = 'http://127.0.0.1/callback';
export const DEMO_POST_LOGOUT_REDIRECT_URI = 'http://127.0.0.1/signed-out';

const DAY = 24 * 60 * 60;

export interface ConfigurationInput {
  issuer: string;
  keys: ProviderKeys;
  store: FileStore;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** 32 bytes; the demo API uses the same secret, so one nonce serves the whole origin (dpop-nonce.ts). */
  dpopNonceSecret: Buffer;
}

function html(ctx: KoaContextWithOIDC, body: string): void {
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

export function buildConfiguration(input: ConfigurationInput): Configuration {
  return {
    adapter: fileAdapterFactory(input.store),
    clients: [
      {
        client_id: DEMO_CLIENT_ID,
        client_name: DEMO_CLIENT_NAME,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [DEMO_REDIRECT_URI],
        post_logout_redirect_uris: [DEMO_POST_LOGOUT_REDIRECT_URI],
      },
    ],
    jwks: input.keys.jwks,
    cookies: { keys: input.keys.cookieKeys },
    findAccount: makeFindAccount(input.issuer),
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'picture', 'roles'],
      email: ['email', 'email_verified'],
    },
    // Put the profile claims in the ID token too (not only at userinfo): Latchkey reads the profile from
    // the ID token at sign-in and uses userinfo to refresh it.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    // Every refresh returns a new refresh token and consumes the old one; presenting a consumed one again
    // fails with invalid_grant and revokes the whole grant, so a stolen-and-used token is noticed.
    rotateRefreshToken: true,
    // Refresh tokens only when offline access was granted (oidc-provider keeps offline_access only when
    // the request has prompt=consent, which Latchkey sends).
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: {
      AccessToken: input.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      // Rotation gives each new refresh token a fresh lifetime: a session lasts as long as it is used.
      RefreshToken: input.refreshTokenTtlSeconds,
      Interaction: 60 * 60,
      Session: 14 * DAY,
      // Outlives any single refresh token, so that rotation (not the grant) decides how long one stays signed in.
      Grant: Math.max(365 * DAY, input.refreshTokenTtlSeconds),
    },
    features: {
      devInteractions: { enabled: false },
      revocation: {
        enabled: true,
        // A public client may revoke only its own tokens.
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      // Tokens requested with a DPoP proof are bound to its key (a public client's refresh token too), and every
      // proof must carry a current server nonce, so clients are exercised on use_dpop_nonce as well.
      dPoP: { enabled: true, nonceSecret: input.dpopNonceSecret, requireNonce: () => true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => html(ctx, logoutConfirmPage(form)),
        postLogoutSuccessSource: (ctx) => html(ctx, signedOutPage()),
      },
    },
    // Latchkey's main process talks to the provider directly, never from a web page.
    clientBasedCORS: () => false,
    renderError: (ctx, out) => {
      html(ctx, errorPage({ error: out.error, ...(out.error_description === undefined ? {} : { description: out.error_description }) }));
    },
  };
}
