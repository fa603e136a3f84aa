/**
 * The fetch every request to a provider goes through, and GitHub's token-endpoint adapter.
 *
 * The guard enforces the loopback rule per request, not per provider: plain http only to a loopback host,
 * whatever the issuer is. A discovery document served from 127.0.0.1 therefore cannot send the code, the
 * PKCE verifier or tokens over plain http to another host.
 *
 * GitHub's token endpoint answers form-encoded unless asked for JSON, and reports errors with HTTP 200 and an
 * `error` field (its documented behaviour). openid-client expects RFC 6749 §5.2: the adapter turns such an
 * answer into a 400 with the matching OAuth error, so the one error translation (oidc-errors.ts) applies.
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
};

/** Most a token answer may be; anything larger is not a token answer. */
const MAX_TOKEN_ANSWER_BYTES = 256 * 1024;

/** Wraps `base` so that answers of GitHub's token endpoint look like RFC 6749 answers. */
export function githubTokenEndpointFetch(base: Fetch, tokenEndpoint: string): Fetch {
  const target = new URL(tokenEndpoint);
  return async (input, init) => {
    const url = urlOf(input);
    if (url.origin !== target.origin || url.pathname !== target.pathname) return base(input, init);
    const headers = new Headers(init?.headers);
    headers.set('accept', 'application/json');
    const response = await base(input, { ...init, headers });
    const text = await response.text();
    if (text.length > MAX_TOKEN_ANSWER_BYTES) return new Response(null, { status: 502 });
    let body: Record<string, unknown> | undefined;
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('application/x-www-form-urlencoded')) {
      body = Object.fromEntries(new URLSearchParams(text));
    } else {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      } catch {
        body = undefined;
      }
    }
    if (!body) return new Response(text, { status: response.status, headers: response.headers });
    let status = response.status;
    if (typeof body.error === 'string') {
      body.error = GITHUB_TOKEN_ERRORS[body.error] ?? body.error;
      if (status < 400) status = 400;
    }
    // Numbers arrive as text in a form-encoded answer.
    for (const field of ['expires_in', 'refresh_token_expires_in']) {
      if (typeof body[field] === 'string' && /^\d+$/.test(body[field] as string)) body[field] = Number(body[field]);
    }
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
}
