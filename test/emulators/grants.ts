/**
 * Authorization codes and issued tokens, kept the way RFC 6749 requires of a server: a code is used at
 * most once, is bound to the client, redirect URI, PKCE challenge and user it was issued for, and
 * expires quickly (§4.1.2). Tokens are recorded with their grant (one sign-in), so revoking one token
 * can take the whole grant with it, as the providers emulated here document.
 */
import { randomToken, type Clock } from './common';

export interface AuthorizationGrant {
  clientId: string;
  /** The redirect_uri sent with the authorization request, or undefined when it was left out. */
  redirectUri: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
  nonce: string | undefined;
  scope: string[];
  /** The user's login (the value of the button that was clicked). */
  user: string;
  /** Provider-specific extras (Google's access_type, Microsoft's tenant, ...). */
  extra: Record<string, string>;
}

export type RedeemResult =
  | { ok: true; grant: AuthorizationGrant }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/** Codes live 60 s, unless an emulator says otherwise. */
export const CODE_TTL_SECONDS = 60;

export class CodeStore {
  private readonly codes = new Map<string, { grant: AuthorizationGrant; expiresAt: number; used: boolean }>();

  constructor(
    private readonly clock: Clock,
    private readonly prefix = '',
    private readonly ttlSeconds = CODE_TTL_SECONDS,
  ) {}

  issue(grant: AuthorizationGrant): string {
    const code = randomToken(this.prefix, 24);
    this.codes.set(code, { grant, expiresAt: this.clock.now() + this.ttlSeconds, used: false });
    return code;
  }

  /** Single use: the second redemption of a code fails with `used` even when the first one failed later. */
  redeem(code: string | null | undefined): RedeemResult {
    const entry = code ? this.codes.get(code) : undefined;
    if (!entry) return { ok: false, reason: 'unknown' };
    if (entry.used) return { ok: false, reason: 'used' };
    entry.used = true;
    if (this.clock.now() >= entry.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, grant: entry.grant };
  }
}

export type RevocationCause = 'revoked' | 'rotated' | 'refreshed';

export interface IssuedToken {
  token: string;
  kind: 'access' | 'refresh';
  user: string;
  clientId: string;
  scope: string[];
  /** Tokens from one sign-in share a grant id. */
  grantId: string;
  issuedAt: number;
  /** Seconds since the epoch (emulator clock), or undefined for tokens that do not expire. */
  expiresAt: number | undefined;
  revoked: boolean;
  /** Why: revoked by the client or provider API, replaced by rotation, or superseded by a refresh. */
  revokedBecause?: RevocationCause;
  /** Provider-specific extras copied from the grant (tenant, nonce, ...). */
  extra: Record<string, string>;
}

export class TokenLedger {
  /** Every access token issued, oldest first. */
  readonly accessTokens: IssuedToken[] = [];
  /** Every refresh token issued, oldest first. */
  readonly refreshTokens: IssuedToken[] = [];
  private readonly byValue = new Map<string, IssuedToken>();

  constructor(private readonly clock: Clock) {}

  newGrantId(): string {
    return randomToken('grant-', 9);
  }

  issue(
    kind: 'access' | 'refresh',
    fields: { prefix?: string; user: string; clientId: string; scope: string[]; grantId: string; ttlSeconds?: number; extra?: Record<string, string> },
  ): IssuedToken {
    const now = this.clock.now();
    const token: IssuedToken = {
      token: randomToken(fields.prefix ?? '', kind === 'access' ? 30 : 36),
      kind,
      user: fields.user,
      clientId: fields.clientId,
      scope: [...fields.scope],
      grantId: fields.grantId,
      issuedAt: now,
      expiresAt: fields.ttlSeconds === undefined ? undefined : now + fields.ttlSeconds,
      revoked: false,
      extra: { ...(fields.extra ?? {}) },
    };
    (kind === 'access' ? this.accessTokens : this.refreshTokens).push(token);
    this.byValue.set(token.token, token);
    return token;
  }

  /** Any token ever issued with this value (revoked or expired included). */
  find(value: string | null | undefined): IssuedToken | undefined {
    return value ? this.byValue.get(value) : undefined;
  }

  /** The token if it is of `kind`, not revoked and not expired. */
  active(value: string | null | undefined, kind: 'access' | 'refresh'): IssuedToken | undefined {
    const token = this.find(value);
    if (!token || token.kind !== kind || token.revoked) return undefined;
    if (token.expiresAt !== undefined && this.clock.now() >= token.expiresAt) return undefined;
    return token;
  }

  revoke(token: IssuedToken, cause: RevocationCause): void {
    if (token.revoked) return;
    token.revoked = true;
    token.revokedBecause = cause;
  }

  /** Revokes every token of the grant (a sign-in and all its refreshes). */
  revokeGrant(grantId: string, cause: RevocationCause = 'revoked'): void {
    for (const token of [...this.accessTokens, ...this.refreshTokens]) {
      if (token.grantId === grantId) this.revoke(token, cause);
    }
  }

  isRevoked(value: string): boolean {
    return this.find(value)?.revoked ?? false;
  }
}
