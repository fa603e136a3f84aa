/**
 * The oidc-provider configuration of the demo provider: one public native client (Latchkey), PKCE
 * required, rotating refresh tokens, revocation, userinfo, RP-initiated logout, DPoP (RFC 9449, with
 * server nonces) and sign-in on another device (RFC 8628, with its code and confirmation pages), with the demo
 * users.
 */
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { fileAdapterFactory } from './file-adapter';
import type { FileStore } from './file-store';
import { PAGE_CSP } from './html';
import { deviceCodePage, deviceConfirmPage, deviceDonePage, errorPage, logoutConfirmPage, signedOutPage, type DeviceCodeProblem } from './pages';
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
  /** How long a device code (RFC 8628) can be entered. */
  deviceCodeTtlSeconds: number;
}

function html(ctx: KoaContextWithOIDC, body: string): void {
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

/** The device pages are the provider's own, with the same policy as its other pages: no scripts. */
function devicePage(ctx: KoaContextWithOIDC, body: string): void {
  ctx.set('Content-Security-Policy', PAGE_CSP);
  html(ctx, body);
}

/** Which problem sends the person back to the code page (oidc-provider's re-render errors, by name). */
function deviceCodeProblem(err: Error | undefined): DeviceCodeProblem | undefined {
  if (err === undefined) return undefined;
  if (err.name === 'AbortedError') return 'aborted';
  if (['NoCodeError', 'NotFoundError', 'ExpiredError', 'AlreadyUsedError'].includes(err.name)) return 'wrong_code';
  return 'failed';
}

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export function buildConfiguration(input: ConfigurationInput): Configuration {
  return {
    adapter: fileAdapterFactory(input.store),
    clients: [
      {
        client_id: DEMO_CLIENT_ID,
        client_name: DEMO_CLIENT_NAME,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT],
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
      DeviceCode: input.deviceCodeTtlSeconds,
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
      // Sign-in on another device (RFC 8628): the code page, its confirmation (Continue / Abort) and the end page.
      // The code is entered in the provider's own pages; login and consent are the usual interactions.
      deviceFlow: {
        enabled: true,
        userCodeInputSource: (ctx, form, _out, err) => {
          const problem = deviceCodeProblem(err);
          devicePage(ctx, deviceCodePage(form, ...(problem === undefined ? [] : [problem])));
        },
        userCodeConfirmSource: (ctx, form, client, _deviceInfo, userCode) =>
          devicePage(ctx, deviceConfirmPage(form, { clientName: client.clientName ?? client.clientId, userCode })),
        successSource: (ctx) => devicePage(ctx, deviceDonePage(ctx.oidc.client?.clientName ?? DEMO_CLIENT_NAME)),
      },
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
