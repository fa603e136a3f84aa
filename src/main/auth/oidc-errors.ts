/**
 * Translates what openid-client (and fetch) throw into Latchkey's coded AuthError, at the edge, so the rest
 * of the engine decides by code. The rule that matters most: only a definitive answer from the provider
 * (`invalid_grant`) may sign an account out; anything that looks like "could not reach the provider" is
 * `network`, which never deletes credentials.
 */
import { AuthError, type AuthErrorCode } from '../../shared/errors';
import { stripControlAndFormat } from '../../shared/untrusted-text';

/** What was being attempted, for the message ("Token refresh failed: ..."). */
export type OidcOperation = 'discovery' | 'sign-in' | 'refresh' | 'userinfo' | 'revocation';

const OPERATION_WORDS: Record<OidcOperation, string> = {
  discovery: 'Could not load the provider configuration',
  'sign-in': 'Sign-in failed',
  refresh: 'Token refresh failed',
  userinfo: 'Could not load the profile',
  revocation: 'Revocation failed',
};

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/** OAuth error codes (RFC 6749 §5.2, §4.1.2.1) mapped to ours. */
function codeForOAuthError(error: string): AuthErrorCode {
  switch (error) {
    case 'invalid_grant':
      return 'invalid_grant';
    case 'invalid_client':
    case 'unauthorized_client':
    case 'unsupported_response_type':
      return 'invalid_client';
    case 'access_denied':
    case 'consent_required':
    case 'login_required':
    case 'interaction_required':
      return 'access_denied';
    case 'temporarily_unavailable':
    case 'server_error':
    case 'use_dpop_nonce':
      // The provider is there but cannot answer now (or wants a fresher DPoP nonce than the one retry used):
      // transient, like a network failure.
      return 'network';
    default:
      return 'provider_error';
  }
}

function isNetworkFailure(err: unknown, depth = 0): boolean {
  if (depth > 5 || err === null || typeof err !== 'object') return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
  if (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code)) return true;
  if (e.name === 'TypeError' && typeof e.message === 'string' && /fetch failed|network/i.test(e.message)) return true;
  return isNetworkFailure(e.cause, depth + 1);
}

function authErrorInside(err: unknown): AuthError | undefined {
  let current = err as { cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 6; depth++) {
    if (current instanceof AuthError) return current;
    current = typeof current === 'object' ? (current.cause as typeof current) : undefined;
  }
  return undefined;
}

function httpStatusOf(err: unknown): number | undefined {
  const e = err as { status?: unknown; cause?: unknown } | null;
  if (e && typeof e.status === 'number') return e.status;
  const cause = e?.cause as { status?: unknown } | undefined;
  if (cause && typeof cause === 'object' && typeof cause.status === 'number') return cause.status;
  return undefined;
}

/** Provider-supplied text is shown to people: keep it short and single-line. */
function tidy(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const oneLine = stripControlAndFormat(text.replace(/\s+/g, ' ')).trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 197)}...` : oneLine;
}

/**
 * Converts anything openid-client or fetch threw into an AuthError with the right code. The original error
 * stays available as `cause` for diagnostics (it never contains our tokens: openid-client errors carry the
 * provider's response, not the request).
 */
export function translateOidcError(err: unknown, operation: OidcOperation): AuthError {
  // Our own refusals (the request guard) travel through openid-client as a cause: keep them as they are.
  const own = authErrorInside(err);
  if (own) return own;
  const prefix = OPERATION_WORDS[operation];
  const e = err as { code?: unknown; error?: unknown; error_description?: unknown; message?: unknown } | null;

  // An OAuth error answer from the token/revocation endpoint, or in the authorization redirect.
  if (e && typeof e.error === 'string' && (e.code === 'OAUTH_RESPONSE_BODY_ERROR' || e.code === 'OAUTH_AUTHORIZATION_RESPONSE_ERROR')) {
    const oauthCode = codeForOAuthError(e.error);
    // Any definite answer to a refresh other than "try later" means this refresh token will never work again —
    // except a refused DPoP proof (a clock far off, say), which says nothing about the refresh token.
    const code = operation === 'refresh' && oauthCode !== 'network' && e.error !== 'invalid_dpop_proof' ? 'invalid_grant' : oauthCode;
    const description = tidy(typeof e.error_description === 'string' ? e.error_description : undefined);
    const hint = code === 'invalid_client'
      ? 'Check client_id (and client_secret, if the provider gave one) for this provider in config.yaml, and that the client allows loopback redirects to http://127.0.0.1.'
      : undefined;
    return new AuthError(code, `${prefix}: the provider answered "${tidy(e.error) ?? 'an error'}"${description ? ` (${description})` : ''}.`, { cause: err, ...(hint ? { hint } : {}) });
  }

  if (isNetworkFailure(err)) {
    return new AuthError('network', `${prefix}: the provider could not be reached.`, {
      cause: err,
      hint: 'Check your network connection. You stay signed in; Latchkey retries by itself.',
    });
  }

  const status = httpStatusOf(err);
  if (status !== undefined && status >= 500) {
    return new AuthError('network', `${prefix}: the provider is having trouble (HTTP ${status}).`, { cause: err });
  }

  // A refusal without a well-formed OAuth error body (e.g. HTTP 400 with an empty body) is still a refusal.
  if (status !== undefined && status >= 400) {
    if (status === 408 || status === 429) {
      return new AuthError('network', `${prefix}: the provider asked to try again later (HTTP ${status}).`, { cause: err });
    }
    if (operation === 'refresh') {
      return new AuthError('invalid_grant', `${prefix}: the provider refused the refresh token (HTTP ${status}${status === 400 ? ', no explanation given' : ''}).`, { cause: err });
    }
    if (operation !== 'discovery') {
      return new AuthError('provider_error', `${prefix}: the provider refused the request (HTTP ${status}).`, {
        cause: err,
        ...(operation === 'sign-in' ? { hint: 'Check client_id, client_secret and the redirect URI registered for this provider.' } : {}),
      });
    }
  }

  const libraryCode = typeof e?.code === 'string' ? e.code : '';
  if (operation === 'discovery') {
    return new AuthError('provider_error', `${prefix}: ${tidy(String(e?.message ?? err))}`, {
      cause: err,
      hint: 'Check the issuer URL of this provider in config.yaml: it must serve /.well-known/openid-configuration.',
    });
  }
  if (/COMPARISON|TIMESTAMP|INVALID_RESPONSE|KEY_SELECTION|PARSE|NOT_CONFORM|NOT_JSON/.test(libraryCode)) {
    return new AuthError(operation === 'sign-in' ? 'invalid_callback' : 'provider_error',
      `${prefix}: the provider's answer did not pass validation (${tidy(String(e?.message ?? ''))}).`, { cause: err });
  }
  return new AuthError('internal', `${prefix}: ${tidy(String(e?.message ?? err)) ?? 'unexpected error'}.`, { cause: err });
}
