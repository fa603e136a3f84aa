/**
 * The one table of well-known providers. Everything Latchkey knows about Google, Microsoft and GitHub lives
 * here: where their endpoints are, which scopes and extra parameters give a refresh token, how the profile is
 * read, how tokens are revoked, whether there is a sign-out page, and what a person has to register. The
 * config schema takes the preset names and the preset-only fields from this table, and provider resolution
 * (provider-resolution.ts) fills an entry's gaps from it; every field written in config.yaml wins.
 *
 * Pure data and pure functions: no network, no Node built-ins, so the table is unit-tested as it is.
 */

/** Scopes for an OpenID Connect provider that follows the spec (offline_access asks for a refresh token). */
export const DEFAULT_OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'offline_access'];

/** Microsoft's personal-accounts (MSA) tenant: the fixed issuer tenant of `consumers`. */
export const MICROSOFT_CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';
export const MICROSOFT_DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
export const GITHUB_DEFAULT_HOST = 'https://github.com';

/** Where a provider's endpoints come from. */
export type MetadataSource =
  /** OpenID Connect discovery at `${issuer}/.well-known/openid-configuration`. */
  | { type: 'discovery'; issuer: string }
  /** Microsoft's discovery at `${authority}/${tenant}/v2.0`, whose issuer may be a `{tenantid}` template. */
  | { type: 'microsoft'; authority: string; tenant: string }
  /** No discovery: endpoints given (GitHub, plain OAuth 2.0). `issuer` only names the provider. */
  | { type: 'static'; issuer: string; endpoints: StaticEndpoints };

export interface StaticEndpoints {
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint?: string;
  userinfo_endpoint?: string;
  end_session_endpoint?: string;
  /** RFC 8628: where a sign-in on another device starts. */
  device_authorization_endpoint?: string;
}

/** How the person's profile is read after the code exchange. */
export type ProfileSource =
  /** ID token claims, completed by the OpenID Connect userinfo endpoint. */
  | { type: 'oidc' }
  /** GitHub's REST API: `/user`, and `/user/emails` for the primary verified address. */
  | { type: 'github'; apiBase: string }
  /** Any JSON endpoint, read through a mapping of field paths (plain OAuth 2.0). */
  | { type: 'mapped'; url: string; claims: ClaimMapping };

/** Which JSON fields give the profile: a dotted path (`user.id`) or a template (`https://x/{id}/{avatar}.png`). */
export interface ClaimMapping {
  subject: string;
  name?: string;
  email?: string;
  picture?: string;
}

/** How a sign-out tells the provider to forget the tokens. */
export type RevocationMethod =
  /** RFC 7009 at the metadata's revocation_endpoint (nothing when it has none). */
  | { type: 'rfc7009' }
  /** GitHub: `DELETE ${api}/applications/{client_id}/token` with the client id and secret. */
  | { type: 'github'; apiBase: string }
  /** The provider offers no way (Microsoft): sign-out is local, plus the provider's sign-out page. */
  | { type: 'none'; explanation: string };

export const PRESET_NAMES = ['google', 'microsoft', 'github'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** The fields of a provider entry a preset reads, as config.yaml spells them. */
export interface PresetInput {
  issuer?: string | undefined;
  tenant?: string | undefined;
  authority?: string | undefined;
  host?: string | undefined;
}

export interface PresetDefinition {
  label: string;
  /** `oidc`: an ID token proves who signed in. `oauth2`: the profile comes from an API. */
  protocol: 'oidc' | 'oauth2';
  scopes: readonly string[];
  /** Extra authorization parameters (Google's access_type=offline + prompt=consent for a refresh token). */
  authorizationParams: Readonly<Record<string, string>>;
  /** `prompt` for "add another account", so the provider shows its account chooser. */
  selectAccountPrompt?: string;
  metadata(input: PresetInput): MetadataSource;
  profile(input: PresetInput, metadataUserinfo?: string): ProfileSource;
  revocation(input: PresetInput): RevocationMethod;
  /** Whether the provider has an RP-initiated sign-out page; when it has none, `noEndSession` says so. */
  endSession: boolean;
  noEndSession?: string;
  /** Whether a client secret comes with a desktop client registration. */
  clientSecret: 'required' | 'optional' | 'unused';
  /**
   * Whether the provider binds tokens to a key (DPoP, RFC 9449). None of these does today; with `dpop: auto`
   * a discovery document that lists dpop_signing_alg_values_supported still turns it on.
   */
  dpop: boolean;
  /** GitHub answers its token endpoint with 200 + `error`, and form-encoded unless asked for JSON. */
  quirks: { githubTokenEndpoint?: boolean };
  /** Config fields only this preset understands. */
  fields: ReadonlyArray<'tenant' | 'authority' | 'host'>;
  /** What a person registers at the provider, in one sentence (README, `latchkey providers`). */
  registration: string;
  /** Whether the provider compares the redirect URI's port (then `redirect_uri` must be pinned). */
  redirectPort: 'any' | 'exact';
  /**
   * The provider's device authorization endpoint (RFC 8628), from its documentation: sign-in on another device
   * is offered for it without loading its metadata, and the endpoint fills in when the metadata lacks it.
   */
  deviceAuthorizationEndpoint(input: PresetInput): string;
  /** What the device flow needs at the provider, in one sentence (README, `latchkey providers`). */
  deviceRegistration: string;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** GitHub.com's API lives on its own host; GitHub Enterprise Server's under `/api/v3` of the server. */
export function githubApiBase(host: string | undefined): string {
  const base = trimSlash(host ?? GITHUB_DEFAULT_HOST);
  return base === GITHUB_DEFAULT_HOST ? 'https://api.github.com' : `${base}/api/v3`;
}

export const PROVIDER_PRESETS: Readonly<Record<PresetName, PresetDefinition>> = {
  google: {
    label: 'Google',
    protocol: 'oidc',
    // Google answers invalid_scope to offline_access: its refresh token comes from access_type=offline.
    scopes: ['openid', 'profile', 'email'],
    authorizationParams: { access_type: 'offline', prompt: 'consent' },
    selectAccountPrompt: 'select_account consent',
    metadata: (input) => ({ type: 'discovery', issuer: input.issuer ?? 'https://accounts.google.com' }),
    profile: () => ({ type: 'oidc' }),
    revocation: () => ({ type: 'rfc7009' }),
    endSession: false,
    noEndSession: 'Google has no sign-out page for apps: you stay signed in to Google in your browser until you sign out there.',
    clientSecret: 'required',
    dpop: false,
    quirks: {},
    fields: [],
    registration: 'Google Cloud console → Credentials → OAuth client ID → "Desktop app" (redirects to http://127.0.0.1 on any port need no registration); copy the client ID and secret.',
    redirectPort: 'any',
    deviceAuthorizationEndpoint: () => 'https://oauth2.googleapis.com/device/code',
    deviceRegistration: 'Sign-in on another device needs its own client: Google Cloud console → Credentials → OAuth client ID → "TVs and Limited Input devices", with its client ID and secret in a provider entry of its own (Google allows only the openid, email and profile scopes there).',
  },
  microsoft: {
    label: 'Microsoft',
    protocol: 'oidc',
    scopes: DEFAULT_OIDC_SCOPES,
    authorizationParams: {},
    selectAccountPrompt: 'select_account',
    metadata: (input) => ({
      type: 'microsoft',
      authority: trimSlash(input.authority ?? MICROSOFT_DEFAULT_AUTHORITY),
      tenant: input.tenant ?? 'common',
    }),
    profile: () => ({ type: 'oidc' }),
    revocation: () => ({
      type: 'none',
      explanation: 'Microsoft has no token revocation endpoint: the tokens were deleted here, and the refresh token ends when it expires or when you sign out on the provider\'s page.',
    }),
    endSession: true,
    clientSecret: 'unused',
    dpop: false,
    quirks: {},
    fields: ['tenant', 'authority'],
    registration: 'Microsoft Entra admin center → App registrations → Authentication → "Mobile and desktop applications" with the redirect URI http://127.0.0.1/callback (Entra ignores the port of loopback URIs); "Allow public client flows".',
    redirectPort: 'any',
    deviceAuthorizationEndpoint: (input) => `${trimSlash(input.authority ?? MICROSOFT_DEFAULT_AUTHORITY)}/${encodeURIComponent(input.tenant ?? 'common')}/oauth2/v2.0/devicecode`,
    deviceRegistration: 'Sign-in on another device uses the same registration: "Allow public client flows" must be on.',
  },
  github: {
    label: 'GitHub',
    protocol: 'oauth2',
    scopes: ['read:user', 'user:email'],
    authorizationParams: {},
    selectAccountPrompt: 'select_account',
    metadata: (input) => {
      const host = trimSlash(input.host ?? GITHUB_DEFAULT_HOST);
      return {
        type: 'static',
        issuer: host,
        endpoints: {
          authorization_endpoint: `${host}/login/oauth/authorize`,
          token_endpoint: `${host}/login/oauth/access_token`,
          device_authorization_endpoint: `${host}/login/device/code`,
        },
      };
    },
    profile: (input) => ({ type: 'github', apiBase: githubApiBase(input.host) }),
    revocation: (input) => ({ type: 'github', apiBase: githubApiBase(input.host) }),
    endSession: false,
    noEndSession: 'GitHub has no sign-out page for apps: you stay signed in to GitHub in your browser.',
    clientSecret: 'required',
    dpop: false,
    quirks: { githubTokenEndpoint: true },
    fields: ['host'],
    registration: 'GitHub → Settings → Developer settings → OAuth Apps (or GitHub Apps) → New, with the callback URL http://127.0.0.1/callback (GitHub lets the port of a loopback callback vary).',
    redirectPort: 'any',
    deviceAuthorizationEndpoint: (input) => `${trimSlash(input.host ?? GITHUB_DEFAULT_HOST)}/login/device/code`,
    deviceRegistration: 'Sign-in on another device: tick "Enable Device Flow" in the app\'s settings; the code is entered at /login/device of the GitHub host.',
  },
};

/** All preset-only fields, for the schema's "only applies with preset: ..." messages. */
export const PRESET_FIELDS = ['tenant', 'authority', 'host'] as const;

/** Which presets accept a field (`tenant` → ['microsoft']). */
export function presetsWithField(field: (typeof PRESET_FIELDS)[number]): PresetName[] {
  return PRESET_NAMES.filter((name) => PROVIDER_PRESETS[name].fields.includes(field));
}
