/**
 * Whether an API's 401 is worth one refresh of the session.
 *
 * RFC 6750 §3.1 (and RFC 9449 §7.1 for DPoP) has the resource server say `error="invalid_token"` when the token
 * expired or was revoked: then a refresh is what helps. Many APIs, GitHub's among them, answer a bare 401 with no
 * error at all. For those a refresh is tried only when the token is not brand new: a token obtained a moment ago
 * that is refused is not expired, so a new one would be refused too, and a script calling such an endpoint in a
 * loop would otherwise hammer the provider's token endpoint. A 401 that names another error
 * (`invalid_request`, `insufficient_scope`) is answered as it is: a refresh cannot fix the request.
 */

/** A token younger than this that gets a bare 401 is refused for another reason than its age. */
export const FRESH_TOKEN_MS = 60_000;

/** The `error` parameter of a WWW-Authenticate challenge (any scheme), or undefined when it names none. */
export function challengeError(wwwAuthenticate: string | null): string | undefined {
  if (!wwwAuthenticate) return undefined;
  // `error=` as a parameter of its own: not `error_description=` or `error_uri=`.
  const match = /(?:^|[\s,])error\s*=\s*(?:"([^"]*)"|([^\s,]+))/i.exec(wwwAuthenticate);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Whether a 401 with this challenge, for a token obtained at `obtainedAt`, should be followed by one refresh. */
export function renewAfter401(wwwAuthenticate: string | null, obtainedAt: number, now: number): boolean {
  const error = challengeError(wwwAuthenticate);
  if (error !== undefined) return error === 'invalid_token';
  return now - obtainedAt >= FRESH_TOKEN_MS;
}
