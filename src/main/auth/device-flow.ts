/**
 * One sign-in on another device (RFC 8628, the OAuth 2.0 Device Authorization Grant), for a machine whose
 * browser cannot reach Latchkey's loopback redirect (a server over SSH, a kiosk): Latchkey asks the provider
 * for a device code and a short user code, the person enters the user code at the provider's page on any
 * device (a phone scanning the QR code), and Latchkey polls the token endpoint until the provider answers.
 *
 * Polling keeps RFC 8628 §3.5: the provider's `interval` (5 s when it names none), five seconds more on each
 * `slow_down` (or the provider's new `interval`, when larger: GitHub sends one), `authorization_pending` means
 * wait, `expired_token` and `access_denied` end it, and a failed connection backs off before the next try.
 * Each poll is a token request through the provider client's `grant()`, so Microsoft's templated issuer is
 * checked as for the browser flow; the ID token is validated by openid-client (issuer, audience, times) and
 * the profile read by the same readers. Where the provider binds tokens (DPoP), the polls carry proofs of a
 * new key that the session keeps. This module obtains tokens and the profile; persisting them is the
 * session's job (sign-in-persist.ts). The device code never leaves this module.
 */
import * as oidc from 'openid-client';
import { AuthError, toAuthError } from '../../shared/errors';
import { stripControlAndFormat } from '../../shared/untrusted-text';
import { createDpopKey, dpopHandle, keyToKeep, shouldUseDpop } from './dpop';
import { isSecureOrLoopback } from './loopback-hosts';
import { translateOidcError } from './oidc-errors';
import { readProfile, type ProfileClaims } from './profile-readers';
import type { ProviderClient } from './provider-client';
import { tokenSetFrom } from './sign-in-flow';
import type { TokenSet } from './storage';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.2: the interval when the provider names none. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 5;
/** RFC 8628 §3.5: what each `slow_down` adds. */
export const SLOW_DOWN_SECONDS = 5;
/** The longest wait after failed connections (they back off exponentially from the interval). */
const MAX_BACKOFF_SECONDS = 60;

/** What the person needs to see: nothing that redeems the grant. */
export interface DeviceAuthorization {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  startedAt: number;
  expiresAt: number;
  /** Seconds between polls, as now. */
  interval: number;
}

export interface DeviceSignInResult {
  tokens: TokenSet;
  profile: ProfileClaims;
}

export interface DeviceRun {
  authorization: DeviceAuthorization;
  /** Resolves once tokens are obtained and validated; rejects with AuthError (`cancelled`, `timeout`, `access_denied`...). */
  result: Promise<DeviceSignInResult>;
  cancel(): void;
}

export interface BeginDeviceSignInOptions {
  client: ProviderClient;
  now?: () => number;
  /** Called when the provider asked to slow down, with the new interval in seconds. */
  onInterval?: (seconds: number) => void;
}

/** The provider's answer to a poll, as the loop needs it. */
type PollAnswer = { kind: 'tokens'; response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers } | { kind: 'pending' } | { kind: 'slow_down'; interval?: number };

function untrusted(value: string): string {
  return stripControlAndFormat(value).slice(0, 200);
}

/** A waiting period that a cancel ends early (then it rejects with `cancelled`). */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(cancelled());
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function cancelled(): AuthError {
  return new AuthError('cancelled', 'The sign-in on another device was cancelled.');
}

function expired(label: string, cause?: unknown): AuthError {
  return new AuthError('timeout', `The code for ${label} expired before the sign-in was confirmed. Nothing was kept.`, {
    hint: 'Start again and enter the new code before it expires.',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The OAuth error of an answer openid-client refused, with what came along (a slow_down's `interval`). */
function oauthAnswer(err: unknown): { error: string; interval?: number } | undefined {
  const e = err as { code?: unknown; error?: unknown; cause?: unknown } | null;
  if (!e || e.code !== 'OAUTH_RESPONSE_BODY_ERROR' || typeof e.error !== 'string') return undefined;
  const body = e.cause as { interval?: unknown } | undefined;
  const interval = body && typeof body.interval === 'number' && Number.isFinite(body.interval) && body.interval > 0 ? body.interval : undefined;
  return { error: e.error, ...(interval !== undefined ? { interval } : {}) };
}

/**
 * Asks the provider for a device code. The returned run's `result` settles when the provider has answered
 * a poll with tokens (and the profile is read), or with a refusal, or on expiry or cancel.
 */
export async function beginDeviceSignIn(options: BeginDeviceSignInOptions): Promise<DeviceRun> {
  const now = options.now ?? Date.now;
  const { client } = options;
  const provider = client.provider;
  if (typeof client.metadata.device_authorization_endpoint !== 'string') {
    throw new AuthError('provider_error', `${provider.label} does not offer sign-in on another device: its metadata names no device_authorization_endpoint (RFC 8628).`, {
      hint: `Sign in in the browser instead (latchkey login --provider ${provider.name}), or use a provider that offers the device flow.`,
    });
  }
  const oidcProtocol = provider.protocol === 'oidc';
  // Decided before the provider is asked: a provider that cannot do a required DPoP is refused here.
  const dpopKey = shouldUseDpop(provider, client.metadata) ? await createDpopKey() : undefined;
  const dpop = dpopKey ? await dpopHandle(client.configuration, dpopKey) : undefined;

  const parameters: Record<string, string> = {};
  if (provider.scopes.length > 0) parameters.scope = provider.scopes.join(' ');
  let answer: oidc.DeviceAuthorizationResponse;
  try {
    answer = await oidc.initiateDeviceAuthorization(client.configuration, parameters);
  } catch (err) {
    // A client the provider does not let start a device flow (GitHub's device_flow_disabled, Google's client
    // that is not of the "TVs and Limited Input devices" type).
    const refusal = oauthAnswer(err)?.error;
    throw refusal === 'unauthorized_client' || refusal === 'invalid_client' ? notAllowed(provider, refusal, err) : translateOidcError(err, 'sign-in');
  }
  const startedAt = now();
  const authorization: DeviceAuthorization = {
    userCode: untrusted(answer.user_code),
    verificationUri: answer.verification_uri,
    startedAt,
    expiresAt: startedAt + answer.expires_in * 1000,
    interval: typeof answer.interval === 'number' && answer.interval > 0 ? answer.interval : DEFAULT_POLL_INTERVAL_SECONDS,
  };
  checkPageUrl(provider.label, answer.verification_uri);
  if (typeof answer.verification_uri_complete === 'string') {
    checkPageUrl(provider.label, answer.verification_uri_complete);
    authorization.verificationUriComplete = answer.verification_uri_complete;
  }
  const deviceCode = answer.device_code;
  const controller = new AbortController();

  const poll = async (): Promise<PollAnswer> => {
    try {
      const response = await client.grant((configuration) =>
        oidc.genericGrantRequest(configuration, DEVICE_CODE_GRANT, { device_code: deviceCode }, dpop ? { DPoP: dpop } : undefined),
      );
      return { kind: 'tokens', response };
    } catch (err) {
      const oauth = oauthAnswer(err);
      if (oauth?.error === 'authorization_pending') return { kind: 'pending' };
      if (oauth?.error === 'slow_down') return { kind: 'slow_down', ...(oauth.interval !== undefined ? { interval: oauth.interval } : {}) };
      if (oauth?.error === 'expired_token') throw expired(provider.label, err);
      // Some providers no longer know an expired code at all.
      if (oauth?.error === 'invalid_grant' && now() >= authorization.expiresAt) throw expired(provider.label, err);
      // Microsoft names a refusal authorization_declined.
      if (oauth?.error === 'access_denied' || oauth?.error === 'authorization_declined') {
        throw new AuthError('access_denied', `The sign-in with ${provider.label} was refused on the other device. Nothing was kept.`, { cause: err });
      }
      if (oauth?.error === 'unauthorized_client') throw notAllowed(provider, oauth.error, err);
      throw translateOidcError(err, 'sign-in');
    }
  };

  const stopped = aborted(controller.signal);
  stopped.catch(() => undefined);
  const result = (async (): Promise<DeviceSignInResult> => {
    let failures = 0;
    for (;;) {
      const backoff = failures === 0 ? authorization.interval : Math.min(MAX_BACKOFF_SECONDS, authorization.interval * 2 ** failures);
      await wait(backoff * 1000, controller.signal);
      // Past the code's lifetime the provider can only say expired_token; a provider that keeps saying
      // "pending" is not polled for ever.
      if (now() > authorization.expiresAt + authorization.interval * 2000) throw expired(provider.label);
      let polled: PollAnswer;
      try {
        polled = await Promise.race([poll(), stopped]);
      } catch (err) {
        const error = toAuthError(err);
        // A connection that failed says nothing about the grant: back off and ask again (RFC 8628 §3.5).
        if (error.code === 'network' && !controller.signal.aborted) {
          failures += 1;
          continue;
        }
        throw error;
      }
      failures = 0;
      if (polled.kind === 'pending') continue;
      if (polled.kind === 'slow_down') {
        authorization.interval = Math.max(authorization.interval + SLOW_DOWN_SECONDS, polled.interval ?? 0);
        options.onInterval?.(authorization.interval);
        continue;
      }
      const { response } = polled;
      if (oidcProtocol && typeof response.id_token !== 'string') {
        throw new AuthError('invalid_callback', `Sign-in failed: ${provider.label} answered without an ID token.`);
      }
      const tokens = tokenSetFrom(response, now());
      const kept = keyToKeep(response.token_type, provider.dpop, dpopKey);
      if (kept) tokens.dpopKey = kept;
      const claims = oidcProtocol ? (response.claims() as Record<string, unknown> | undefined) : undefined;
      const profile = await readProfile(client, tokens.accessToken, claims, kept ? dpop : undefined);
      return { tokens, profile };
    }
  })();
  // Nobody may be listening yet when a cancel lands: the caller attaches its handlers right after this returns.
  result.catch(() => undefined);

  return { authorization, result, cancel: () => controller.abort() };
}

/** The provider does not let this client use the device flow (GitHub's device_flow_disabled, a Google client of another type). */
function notAllowed(provider: ProviderClient['provider'], error: string, cause: unknown): AuthError {
  return new AuthError('invalid_client', `${provider.label} does not let this client sign in on another device (${error}).`, {
    cause,
    hint: `Check client_id "${provider.clientId}" and turn the device flow on for it at the provider (GitHub: "Enable Device Flow" in the app's settings; Microsoft: "Allow public client flows"; Google: a client of type "TVs and Limited Input devices", in a provider entry of its own).`,
  });
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(cancelled());
    else signal.addEventListener('abort', () => reject(cancelled()), { once: true });
  });
}

/** The page the person is sent to: a web page of the provider (https, or plain http on this machine). */
function checkPageUrl(label: string, value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !isSecureOrLoopback(url)) {
    throw new AuthError('provider_error', `${label} named a verification page that is not an https address (${untrusted(value).slice(0, 120)}).`);
  }
}
