/**
 * The fetch every request to a provider goes through, and GitHub's token-endpoint adapter.
 *
 * The guard enforces the loopback rule per request, not per provider: plain http only to a loopback host,
 * whatever the issuer is. A discovery document served from 127.0.0.1 therefore cannot send the code, the
 * PKCE verifier or tokens over plain http to another host.
 *
 * GitHub's token endpoint answers form-encoded unless asked for JSON, and reports errors with HTTP 200 and an
 * `error` field (its documented behaviour), polling of its device flow included (`authorization_pending`,
 * `slow_down` with a new `interval`, `expired_token`, `access_denied`, `incorrect_device_code`,
 * `device_flow_disabled`). openid-client expects RFC 6749 §5.2 / RFC 8628 §3.5: the adapter turns such an
 * answer into a 400 with the matching OAuth error, so the one error translation (oidc-errors.ts) applies.
 *
 * Device authorization answers (RFC 8628 §3.2) get the same treatment for every provider: asked for as JSON,
 * read when form-encoded (GitHub), numbers sent as text made numbers, and Google's `verification_url`
 * (its documented name) read as `verification_uri`.
 */
import { AuthError } from '../../shared/errors';
import { isSecureOrLoopback } from './loopback-hosts';

type Fetch = typeof fetch;

function urlOf(input: Parameters<Fetch>[0]): URL {
  return new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
}

/** A fetch that refuses plain http to anything but a loopback host, and any scheme but http(s). */
export function guardedFetch(base: Fetch): Fetch {
  return (input, init) => {
    const url = urlOf(input);
    if (!isSecureOrLoopback(url)) {
      return Promise.reject(
        new AuthError('provider_error', `Refused to send a request to ${url.origin}: plain http is allowed only to this machine (127.0.0.1, localhost, [::1]).`, {
          hint: 'The provider (or its discovery document) names an insecure endpoint. Use https endpoints.',
        }),
      );
    }
    return base(input, init);
  };
}

/** GitHub error codes (documented for its OAuth flows) in RFC 6749 terms. */
const GITHUB_TOKEN_ERRORS: Record<string, string> = {
  bad_verification_code: 'invalid_grant',
  bad_refresh_token: 'invalid_grant',
  redirect_uri_mismatch: 'invalid_grant',
  incorrect_client_credentials: 'invalid_client',
  unverified_user_email: 'access_denied',
  // Device flow (RFC 8628 names pass through as they are: authorization_pending, slow_down, expired_token,
  // access_denied).
  incorrect_device_code: 'invalid_grant',
  device_flow_disabled: 'unauthorized_client',
};

/** Fields that arrive as text in a form-encoded answer but are numbers. */
const NUMERIC_FIELDS = ['expires_in', 'refresh_token_expires_in', 'interval'];

function numbersFromText(body: Record<string, unknown>): void {
  for (const field of NUMERIC_FIELDS) {
    if (typeof body[field] === 'string' && /^\d+$/.test(body[field] as string)) body[field] = Number(body[field]);
  }
}

/**
 * A GitHub token endpoint answer in RFC 6749 / RFC 8628 terms: an `error` becomes the standard code with a
 * 400 (GitHub sends 200), numbers sent as text become numbers. Other fields (a slow_down's `interval`) stay.
 */
export function githubTokenAnswer(status: number, body: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
  const adapted = { ...body };
  let adaptedStatus = status;
  if (typeof adapted.error === 'string') {
    adapted.error = GITHUB_TOKEN_ERRORS[adapted.error] ?? adapted.error;
    if (adaptedStatus < 400) adaptedStatus = 400;
  }
  numbersFromText(adapted);
  return { status: adaptedStatus, body: adapted };
}

/**
 * A device authorization answer in RFC 8628 §3.2 terms: Google's `verification_url` as `verification_uri`
 * (when the standard name is absent), numbers sent as text as numbers. Everything else stays as sent.
 */
export function deviceAuthorizationAnswer(body: Record<string, unknown>): Record<string, unknown> {
  const adapted = { ...body };
  if (adapted.verification_uri === undefined && typeof adapted.verification_url === 'string') adapted.verification_uri = adapted.verification_url;
  numbersFromText(adapted);
  return adapted;
}

/** The body of an answer: JSON, or form-encoded (GitHub without `Accept: application/json`); undefined otherwise. */
function parseAnswer(text: string, contentType: string): Record<string, unknown> | undefined {
  if (contentType.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isEndpoint(input: Parameters<Fetch>[0], target: URL): boolean {
  const url = urlOf(input);
  return url.origin === target.origin && url.pathname === target.pathname;
}

/** Wraps `base` so that answers of the device authorization endpoint look like RFC 8628 §3.2 answers. */
export function deviceAuthorizationFetch(base: Fetch, endpoint: string): Fetch {
  const target = new URL(endpoint);
  return async (input, init) => {
    if (!isEndpoint(input, target)) return base(input, init);
    const headers = new Headers(init?.headers);
    headers.set('accept', 'application/json');
    const response = await base(input, { ...init, headers });
    const text = await response.text();
    if (text.length > MAX_TOKEN_ANSWER_BYTES) return new Response(null, { status: 502 });
    const body = parseAnswer(text, response.headers.get('content-type') ?? '');
    if (!body) return new Response(text, { status: response.status, headers: response.headers });
    // An error answered with 200 (GitHub) is still an error (RFC 8628 §3.2 answers errors as RFC 6749 §5.2).
    if (typeof body.error === 'string') {
      const refusal = githubTokenAnswer(response.status, body);
      return new Response(JSON.stringify(refusal.body), { status: refusal.status, headers: { 'content-type': 'application/json' } });
    }
    const adapted = response.status === 200 ? deviceAuthorizationAnswer(body) : body;
    return new Response(JSON.stringify(adapted), { status: response.status, headers: { 'content-type': 'application/json' } });
  };
}

/** Most a token answer may be; anything larger is not a token answer. */
const MAX_TOKEN_ANSWER_BYTES = 256 * 1024;

/** Wraps `base` so that answers of GitHub's token endpoint look like RFC 6749 answers. */
export function githubTokenEndpointFetch(base: Fetch, tokenEndpoint: string): Fetch {
  const target = new URL(tokenEndpoint);
  return async (input, init) => {
    if (!isEndpoint(input, target)) return base(input, init);
    const headers = new Headers(init?.headers);
    headers.set('accept', 'application/json');
    const response = await base(input, { ...init, headers });
    const text = await response.text();
    if (text.length > MAX_TOKEN_ANSWER_BYTES) return new Response(null, { status: 502 });
    const body = parseAnswer(text, response.headers.get('content-type') ?? '');
    if (!body) return new Response(text, { status: response.status, headers: response.headers });
    const adapted = githubTokenAnswer(response.status, body);
    return new Response(JSON.stringify(adapted.body), { status: adapted.status, headers: { 'content-type': 'application/json' } });
  };
}
