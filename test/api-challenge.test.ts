/** When an API's 401 is followed by one refresh (api-challenge.ts): pure rules, no network. */
import { describe, expect, it } from 'vitest';
import { challengeError, FRESH_TOKEN_MS, renewAfter401 } from '../src/main/auth/api-challenge';

const NOW = 1_800_000_000_000;

describe('challengeError', () => {
  it('reads the error parameter, quoted or not, of any scheme', () => {
    expect(challengeError('Bearer realm="api", error="invalid_token", error_description="The access token expired"')).toBe('invalid_token');
    expect(challengeError('DPoP algs="ES256", error=invalid_token')).toBe('invalid_token');
    expect(challengeError('Bearer error="insufficient_scope", scope="repo"')).toBe('insufficient_scope');
  });

  it('does not take error_description or error_uri for the error', () => {
    expect(challengeError('Bearer error_description="invalid_token", error_uri="https://x.test/invalid_token"')).toBeUndefined();
    expect(challengeError('Bearer realm="api"')).toBeUndefined();
    expect(challengeError(null)).toBeUndefined();
    expect(challengeError('')).toBeUndefined();
  });
});

describe('renewAfter401', () => {
  it('refreshes on invalid_token whatever the age of the token', () => {
    expect(renewAfter401('Bearer error="invalid_token"', NOW, NOW)).toBe(true);
  });

  it('never refreshes on another named error: a new token cannot fix the request', () => {
    expect(renewAfter401('Bearer error="insufficient_scope"', NOW - 3_600_000, NOW)).toBe(false);
    expect(renewAfter401('Bearer error="invalid_request"', NOW - 3_600_000, NOW)).toBe(false);
  });

  it('refreshes on a bare 401 only when the token is not brand new', () => {
    expect(renewAfter401(null, NOW - 1_000, NOW)).toBe(false);
    expect(renewAfter401('Bearer realm="api"', NOW - FRESH_TOKEN_MS + 1, NOW)).toBe(false);
    expect(renewAfter401(null, NOW - FRESH_TOKEN_MS, NOW)).toBe(true);
    expect(renewAfter401('Bearer realm="api"', NOW - 3_600_000, NOW)).toBe(true);
  });
});
