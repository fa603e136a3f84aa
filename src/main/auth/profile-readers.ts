/**
 * Who signed in: the profile read after a code exchange, per kind of provider. OpenID Connect providers give
 * ID token claims completed by userinfo; GitHub gives its REST API (`/user`, then `/user/emails` for the
 * primary verified address when the profile hides it); any other OAuth 2.0 provider gives a JSON endpoint read
 * through the entry's `claims` mapping.
 *
 * Everything here is the provider's text: picture URLs are kept only when https (or plain http from the
 * embedded provider's own origin), so no page of Latchkey loads a tracking URL over plain http.
 */
import * as oidc from 'openid-client';
import { AuthError } from '../../shared/errors';
import { stripControlAndFormat } from '../../shared/untrusted-text';
import { translateOidcError } from './oidc-errors';
import type { ProviderClient } from './provider-client';
import type { ClaimMapping } from './provider-presets';

/** The person as the provider describes them. */
export interface ProfileClaims {
  subject: string;
  name?: string;
  email?: string;
  givenName?: string;
  familyName?: string;
  picture?: string;
  /** Whether the provider says it verified `email` (access.require_verified_email); unknown when absent. */
  emailVerified?: boolean;
  /**
   * What the provider answered (ID token claims with userinfo, or its API's JSON), in memory only: the
   * engine reads `access.roles_claim` from it and never stores it.
   */
  claims?: Record<string, unknown>;
}

/** Most a profile answer may be: a profile is a few kilobytes. */
const MAX_PROFILE_BYTES = 1024 * 1024;
const GITHUB_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'Latchkey' };

/** A text claim, cleaned of control and format characters at the source: records never hold them. */
function stringClaim(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const cleaned = stripControlAndFormat(value).trim();
  return cleaned.length > 0 ? cleaned : undefined;
}

/** A picture URL fit to keep: https, or http from `trustedHttpOrigin` (the embedded provider). */
export function safePictureUrl(value: string | undefined, trustedHttpOrigin?: string): string | undefined {
  if (!value || value.length > 2048) return undefined;
  try {
    const url = new URL(value);
    if (url.username || url.password) return undefined;
    if (url.protocol === 'https:') return url.href;
    if (url.protocol === 'http:' && trustedHttpOrigin !== undefined && url.origin === trustedHttpOrigin) return url.href;
  } catch {
    return undefined;
  }
  return undefined;
}

/** Reads the profile from ID token claims and userinfo (later sources win: userinfo is the fresher). */
export function profileFromClaims(subject: string, ...sources: Array<Record<string, unknown> | undefined>): ProfileClaims {
  const merged: Record<string, unknown> = {};
  for (const source of sources) if (source) Object.assign(merged, source);
  const profile: ProfileClaims = { subject, claims: merged };
  const name = stringClaim(merged.name);
  const email = stringClaim(merged.email);
  const givenName = stringClaim(merged.given_name);
  const familyName = stringClaim(merged.family_name);
  const picture = stringClaim(merged.picture);
  if (name) profile.name = name;
  if (email) profile.email = email;
  if (givenName) profile.givenName = givenName;
  if (familyName) profile.familyName = familyName;
  if (picture) profile.picture = picture;
  const verified = emailVerifiedClaim(merged);
  if (email && verified !== undefined) profile.emailVerified = verified;
  return profile;
}

/**
 * `email_verified` (OpenID Connect; some providers send it as the text "true"), or Microsoft's `xms_edov`
 * (the e-mail's domain is verified by the tenant): Entra ID sends no `email_verified`, and its plain `email`
 * claim is not verified, which is why it alone never counts.
 */
function emailVerifiedClaim(claims: Record<string, unknown>): boolean | undefined {
  const value = claims.email_verified ?? claims.xms_edov;
  if (value === true || value === 'true' || value === 1) return true;
  if (value === false || value === 'false' || value === 0) return false;
  return undefined;
}

/** The picture rule applied to a profile. */
export function withSafePicture(profile: ProfileClaims, trustedHttpOrigin?: string): ProfileClaims {
  const picture = safePictureUrl(profile.picture, trustedHttpOrigin);
  const result = { ...profile };
  if (picture) result.picture = picture;
  else delete result.picture;
  return result;
}

/** The origin whose plain-http pictures are trusted: only the embedded provider's. */
export function trustedPictureOrigin(client: ProviderClient): string | undefined {
  return client.provider.embedded ? new URL(client.metadata.issuer).origin : undefined;
}

/**
 * The profile after a sign-in. `claims` are the ID token's (OpenID Connect); without an ID token the
 * provider's API says who this is. `dpop` signs the userinfo request's proof when the token is DPoP-bound.
 */
export async function readProfile(client: ProviderClient, accessToken: string, claims: Record<string, unknown> | undefined, dpop?: oidc.DPoPHandle): Promise<ProfileClaims> {
  const source = client.provider.profile;
  let profile: ProfileClaims;
  switch (source.type) {
    case 'oidc': {
      if (!claims || typeof claims.sub !== 'string') throw new AuthError('invalid_callback', 'The provider returned no ID token.');
      let userinfo: Record<string, unknown> | undefined;
      if (client.metadata.userinfo_endpoint) {
        try {
          userinfo = await oidc.fetchUserInfo(client.configuration, accessToken, claims.sub, dpop ? { DPoP: dpop } : undefined);
        } catch (err) {
          const translated = translateOidcError(err, 'userinfo');
          // Without the network we cannot finish anyway; any other userinfo problem leaves the ID token's claims.
          if (translated.code === 'network') throw translated;
        }
      }
      profile = profileFromClaims(claims.sub, claims, userinfo);
      break;
    }
    case 'github':
      profile = await readGitHubProfile(client, source.apiBase, accessToken);
      break;
    case 'mapped':
      profile = mapProfile(await getJson(client, source.url, accessToken, {}), source.claims);
      break;
  }
  return withSafePicture(profile, trustedPictureOrigin(client));
}

async function getJson(client: ProviderClient, url: string, accessToken: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await client.fetch(url, {
      headers: { accept: 'application/json', ...headers, authorization: `Bearer ${accessToken}` },
      redirect: 'error',
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw translateOidcError(err, 'userinfo');
  }
  const text = await response.text();
  if (response.status === 401) {
    throw new AuthError('invalid_grant', `${client.provider.label} no longer accepts this session's token (HTTP 401 from ${new URL(url).pathname}).`, {
      hint: `Sign in again: latchkey login --provider ${client.provider.name}`,
    });
  }
  if (response.status >= 500) throw translateOidcError(Object.assign(new Error(`HTTP ${response.status}`), { status: response.status }), 'userinfo');
  if (text.length > MAX_PROFILE_BYTES) throw new AuthError('provider_error', 'Could not load the profile: the answer is too large.');
  if (response.status < 200 || response.status > 299) return { status: response.status, body: undefined };
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new AuthError('provider_error', `Could not load the profile: ${new URL(url).pathname} did not answer JSON.`);
  }
}

async function readGitHubProfile(client: ProviderClient, apiBase: string, accessToken: string): Promise<ProfileClaims> {
  const user = await getJson(client, `${apiBase}/user`, accessToken, GITHUB_HEADERS);
  const body = user.body as { id?: unknown; login?: unknown; name?: unknown; email?: unknown; avatar_url?: unknown } | undefined;
  if (!body || (typeof body.id !== 'number' && typeof body.id !== 'string')) {
    throw new AuthError('provider_error', `Could not load the profile: GitHub answered HTTP ${user.status} to /user.`);
  }
  // The numeric id: a login can be renamed (and then taken by someone else).
  const profile: ProfileClaims = { subject: String(body.id), claims: body as Record<string, unknown> };
  const name = stringClaim(body.name) ?? stringClaim(body.login);
  if (name) profile.name = name;
  const picture = stringClaim(body.avatar_url);
  if (picture) profile.picture = picture;
  const email = stringClaim(body.email) ?? (await primaryVerifiedEmail(client, apiBase, accessToken));
  if (email) {
    profile.email = email;
    // GitHub lets a person make only a verified address public, and /user/emails is asked for the primary verified one.
    profile.emailVerified = true;
  }
  return profile;
}

/** The primary verified address from `/user/emails` (needs the user:email scope; absent without it). */
async function primaryVerifiedEmail(client: ProviderClient, apiBase: string, accessToken: string): Promise<string | undefined> {
  const emails = await getJson(client, `${apiBase}/user/emails`, accessToken, GITHUB_HEADERS);
  if (!Array.isArray(emails.body)) return undefined;
  const primary = emails.body.find((entry: unknown) => {
    const e = entry as { primary?: unknown; verified?: unknown; email?: unknown };
    return e && e.primary === true && e.verified === true && typeof e.email === 'string';
  }) as { email: string } | undefined;
  return primary?.email;
}

/** A dotted path (`user.id`) of a JSON value, as text (numbers too: ids are often numbers). */
function valueAt(body: unknown, path: string): string | undefined {
  let current: unknown = body;
  for (const part of path.split('.')) {
    if (!current || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  if (typeof current === 'string') return stringClaim(current);
  if (typeof current === 'number' && Number.isFinite(current)) return String(current);
  return undefined;
}

/** A mapping value: `{field}` templates are filled (each value URL-encoded), anything else is a path. */
function mapped(body: unknown, spec: string | undefined): string | undefined {
  if (!spec) return undefined;
  if (!spec.includes('{')) return valueAt(body, spec);
  let missing = false;
  const filled = spec.replace(/\{([^{}]+)\}/g, (_, path: string) => {
    const value = valueAt(body, path);
    if (value === undefined) missing = true;
    return encodeURIComponent(value ?? '');
  });
  return missing ? undefined : filled;
}

/** The profile from a plain OAuth 2.0 provider's JSON through the entry's `claims` mapping. */
export function mapProfile(answer: { status: number; body: unknown }, claims: ClaimMapping): ProfileClaims {
  const subject = answer.body === undefined ? undefined : mapped(answer.body, claims.subject);
  if (!subject) {
    throw new AuthError('provider_error', answer.body === undefined
      ? `Could not load the profile: the userinfo endpoint answered HTTP ${answer.status}.`
      : `Could not load the profile: the answer has no "${claims.subject}" (claims.subject).`, {
      hint: 'Check userinfo_endpoint and claims for this provider in config.yaml.',
    });
  }
  const profile: ProfileClaims = { subject };
  if (typeof answer.body === 'object' && answer.body !== null && !Array.isArray(answer.body)) profile.claims = answer.body as Record<string, unknown>;
  const name = mapped(answer.body, claims.name);
  const email = mapped(answer.body, claims.email);
  const picture = mapped(answer.body, claims.picture);
  if (name) profile.name = name;
  if (email) profile.email = email;
  if (picture) profile.picture = picture;
  return profile;
}
