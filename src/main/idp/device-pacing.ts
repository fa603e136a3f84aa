/**
 * The demo provider's device code polling as RFC 8628 §3.2 and §3.5 describe it, where oidc-provider stops
 * short: it names no `interval` in its device authorization answer, never answers `slow_down`, and once a code
 * has expired it no longer finds it and answers `invalid_grant`. This middleware adds what is missing: the
 * answer carries `interval`; a poll that comes sooner than `minimumPollSeconds` after the previous one for the
 * same device code, while the person has not answered yet, is told `slow_down` instead of
 * `authorization_pending`; and a poll for a code this provider issued and that has expired is told
 * `expired_token`. Codes are remembered in memory by a digest (never the code itself), and forgotten a while
 * after they expire.
 */
import { createHash } from 'node:crypto';
import type { Middleware } from 'koa';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface DevicePacingOptions {
  /** The `interval` named in device authorization answers. */
  intervalSeconds: number;
  /** Polls closer together than this are told to slow down (default: the interval). */
  minimumPollSeconds?: number;
  /** How long poll times are remembered (the device code lifetime). */
  forgetAfterSeconds: number;
  now?: () => number;
}

/** A little slack for timers and the network: a client that waits exactly `interval` is never told to slow down. */
const SLACK_MS = 250;

interface OidcContext {
  oidc?: { route?: string; params?: Record<string, unknown> };
}

export function devicePacing(options: DevicePacingOptions): Middleware {
  const now = options.now ?? Date.now;
  const minimumMs = (options.minimumPollSeconds ?? options.intervalSeconds) * 1000 - SLACK_MS;
  /** Per device code digest: when it expires, and when it was last polled while pending. */
  const codes = new Map<string, { expiresAt: number; lastPoll?: number }>();
  const digest = (code: string): string => createHash('sha256').update(code).digest('base64url');

  const forgetOld = (at: number): void => {
    for (const [key, code] of codes) {
      if (at - code.expiresAt > options.forgetAfterSeconds * 1000) codes.delete(key);
    }
  };

  return async (ctx, next) => {
    await next();
    const oidc = (ctx as unknown as OidcContext).oidc;
    const body = ctx.body as Record<string, unknown> | undefined;
    const at = now();
    if (oidc?.route === 'device_authorization' && ctx.status === 200 && body && typeof body.device_code === 'string') {
      forgetOld(at);
      const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : options.forgetAfterSeconds;
      codes.set(digest(body.device_code), { expiresAt: at + expiresIn * 1000 });
      ctx.body = { ...body, interval: options.intervalSeconds };
      return;
    }
    if (oidc?.route !== 'token' || oidc.params?.grant_type !== DEVICE_CODE_GRANT || typeof oidc.params.device_code !== 'string') return;
    const code = codes.get(digest(oidc.params.device_code));
    if (code === undefined || ctx.status !== 400) return;
    if (body?.error === 'invalid_grant' && at >= code.expiresAt) {
      ctx.body = { error: 'expired_token', error_description: 'the device code has expired' };
      return;
    }
    // Only polls that reached the grant count (not a DPoP nonce challenge, which comes before it).
    if (body?.error !== 'authorization_pending') return;
    const previous = code.lastPoll;
    code.lastPoll = at;
    if (previous !== undefined && at - previous < minimumMs) {
      ctx.body = { error: 'slow_down', error_description: `poll at most every ${options.minimumPollSeconds ?? options.intervalSeconds} seconds` };
    }
  };
}
