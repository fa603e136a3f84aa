/**
 * Provider resolution as a pure function: every preset, the plain OAuth 2.0 entry and the generic OpenID
 * Connect entry, read through the real config schema, resolve to the endpoints, scopes, parameters, profile
 * source and revocation method their providers document, and every field written in config.yaml wins.
 */
import { describe, expect, it } from 'vitest';
import { accountKeyFor, findAccountKey } from '../src/main/auth/account-key';
import { describeProviderCapabilities } from '../src/main/auth/provider-capabilities';
import { githubApiBase, MICROSOFT_DEFAULT_AUTHORITY, PRESET_NAMES, PROVIDER_PRESETS } from '../src/main/auth/provider-presets';
import { chooseTokenEndpointAuthMethod, resolveProvider, type ResolvedProvider } from '../src/main/auth/provider-resolution';
import { providerSchema } from '../src/main/store/schema';

const context = { embeddedClientId: 'latchkey-demo', embeddedIssuer: 'http://127.0.0.1:4600' };

/** An entry as config.yaml would give it, validated by the real schema. */
function resolve(entry: Record<string, unknown>, name = 'p'): ResolvedProvider {
  return resolveProvider(name, providerSchema.parse(entry), context);
}

function schemaError(entry: Record<string, unknown>): string {
  const result = providerSchema.safeParse(entry);
  if (result.success) throw new Error('expected the entry to be refused');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}

describe('preset: google', () => {
  it('uses Google discovery, no offline_access, access_type=offline + prompt=consent, RFC 7009, no sign-out page', () => {
    const google = resolve({ preset: 'google', client_id: 'c.apps.googleusercontent.com', client_secret: 's' }, 'google');
    expect(google).toMatchObject({
      label: 'Google',
      protocol: 'oidc',
      metadata: { type: 'discovery', issuer: 'https://accounts.google.com' },
      scopes: ['openid', 'profile', 'email'],
      authorizationParams: { access_type: 'offline', prompt: 'consent' },
      selectAccountPrompt: 'select_account consent',
      revocation: { type: 'rfc7009' },
      endSession: { offered: false },
      clientSecret: 's',
      pkce: true,
    });
    expect(google.scopes).not.toContain('offline_access');
    expect(google.endSession.explanation).toMatch(/no sign-out page/);
  });

  it('lets every explicit field win: issuer, label, scopes, authorization_params', () => {
    const google = resolve({
      preset: 'google',
      label: 'Work Google',
      issuer: 'http://127.0.0.1:9000',
      client_id: 'c',
      client_secret: 's',
      scopes: ['openid', 'email'],
      authorization_params: { hd: 'example.com', prompt: 'select_account' },
    });
    expect(google).toMatchObject({
      label: 'Work Google',
      metadata: { type: 'discovery', issuer: 'http://127.0.0.1:9000' },
      scopes: ['openid', 'email'],
      authorizationParams: { access_type: 'offline', prompt: 'select_account', hd: 'example.com' },
    });
  });

  it('needs the client secret Google issues to desktop apps', () => {
    expect(schemaError({ preset: 'google', client_id: 'c' })).toMatch(/client_secret: is required: Google issues one/);
  });
});

describe('preset: microsoft', () => {
  it('defaults to the common tenant at login.microsoftonline.com, no revocation, a sign-out page', () => {
    const microsoft = resolve({ preset: 'microsoft', client_id: 'id' });
    expect(microsoft).toMatchObject({
      label: 'Microsoft',
      metadata: { type: 'microsoft', authority: MICROSOFT_DEFAULT_AUTHORITY, tenant: 'common' },
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      revocation: { type: 'none' },
      endSession: { offered: true },
      selectAccountPrompt: 'select_account',
    });
    expect(microsoft.clientSecret).toBeUndefined();
    expect(microsoft.displayIssuer).toBe('https://login.microsoftonline.com/common/v2.0');
  });

  it('takes tenant and authority (sovereign clouds, tests), trailing slashes removed', () => {
    for (const tenant of ['organizations', 'consumers', 'contoso.onmicrosoft.com', '00000000-0000-0000-0000-000000000001']) {
      expect(resolve({ preset: 'microsoft', client_id: 'id', tenant, authority: 'https://login.microsoftonline.us/' }).metadata).toEqual({
        type: 'microsoft',
        authority: 'https://login.microsoftonline.us',
        tenant,
      });
    }
  });

  it('refuses issuer with preset: microsoft (authority and tenant say where)', () => {
    expect(schemaError({ preset: 'microsoft', client_id: 'id', issuer: 'https://login.microsoftonline.com/common/v2.0' })).toMatch(/issuer: use authority/);
  });
});

describe('preset: github', () => {
  it('is OAuth 2.0 with github.com endpoints, the REST API profile and the token API for revocation', () => {
    const github = resolve({ preset: 'github', client_id: 'Iv1.abc', client_secret: 's' });
    expect(github).toMatchObject({
      label: 'GitHub',
      protocol: 'oauth2',
      scopes: ['read:user', 'user:email'],
      metadata: {
        type: 'static',
        issuer: 'https://github.com',
        endpoints: { authorization_endpoint: 'https://github.com/login/oauth/authorize', token_endpoint: 'https://github.com/login/oauth/access_token' },
      },
      profile: { type: 'github', apiBase: 'https://api.github.com' },
      revocation: { type: 'github', apiBase: 'https://api.github.com' },
      endSession: { offered: false },
      quirks: { githubTokenEndpoint: true },
    });
  });

  it('uses ${host}/api/v3 for GitHub Enterprise Server', () => {
    const github = resolve({ preset: 'github', client_id: 'c', client_secret: 's', host: 'https://ghe.example.com/' });
    expect(github.metadata).toMatchObject({ endpoints: { token_endpoint: 'https://ghe.example.com/login/oauth/access_token' } });
    expect(github.profile).toEqual({ type: 'github', apiBase: 'https://ghe.example.com/api/v3' });
    expect(githubApiBase(undefined)).toBe('https://api.github.com');
  });

  it('accepts a plain-http host only on loopback, and a secret is required', () => {
    expect(schemaError({ preset: 'github', client_id: 'c', client_secret: 's', host: 'http://ghe.example.com' })).toMatch(/host: must use https/);
    expect(() => resolve({ preset: 'github', client_id: 'c', client_secret: 's', host: 'http://127.0.0.1:8080' })).not.toThrow();
    expect(schemaError({ preset: 'github', client_id: 'c' })).toMatch(/client_secret: is required: GitHub/);
  });

  it('posts the secret in the body, as GitHub documents', () => {
    const github = resolve({ preset: 'github', client_id: 'c', client_secret: 's' });
    expect(chooseTokenEndpointAuthMethod(github, undefined)).toBe('client_secret_post');
  });
});

describe('plain OAuth 2.0 and generic OpenID Connect entries', () => {
  const plain = {
    label: 'Discord',
    client_id: '123',
    client_secret: 's',
    authorization_endpoint: 'https://discord.com/oauth2/authorize',
    token_endpoint: 'https://discord.com/api/oauth2/token',
    revocation_endpoint: 'https://discord.com/api/oauth2/token/revoke',
    userinfo_endpoint: 'https://discord.com/api/users/@me',
    scopes: ['identify', 'email'],
    claims: { subject: 'id', name: 'global_name', email: 'email', picture: 'https://cdn.discordapp.com/avatars/{id}/{avatar}.png' },
  };

  it('a plain OAuth 2.0 entry: written-out endpoints, the claims mapping, RFC 7009', () => {
    const discord = resolve(plain);
    expect(discord).toMatchObject({
      protocol: 'oauth2',
      metadata: { type: 'static', issuer: 'https://discord.com', endpoints: { revocation_endpoint: plain.revocation_endpoint, userinfo_endpoint: plain.userinfo_endpoint } },
      profile: { type: 'mapped', url: plain.userinfo_endpoint, claims: plain.claims },
      revocation: { type: 'rfc7009' },
      scopes: ['identify', 'email'],
    });
  });

  it('refuses a plain OAuth 2.0 entry without userinfo_endpoint or claims, and claims where discovery applies', () => {
    const { claims: _claims, ...withoutClaims } = plain;
    expect(schemaError(withoutClaims)).toMatch(/claims: is required/);
    const { userinfo_endpoint: _userinfo, ...withoutUserinfo } = plain;
    expect(schemaError(withoutUserinfo)).toMatch(/userinfo_endpoint: is required/);
    expect(schemaError({ issuer: 'https://login.example.com', client_id: 'c', claims: { subject: 'id' } })).toMatch(/claims: applies only/);
    expect(schemaError({ issuer: 'https://login.example.com', client_id: 'c', token_endpoint: 'https://x/t' })).toMatch(/comes from the provider's discovery document/);
  });

  it('a generic OpenID Connect entry: discovery, default scopes with offline_access, RFC 7009 and a sign-out page', () => {
    expect(resolve({ label: 'Company', issuer: 'https://login.example.com', client_id: 'latchkey' })).toMatchObject({
      protocol: 'oidc',
      metadata: { type: 'discovery', issuer: 'https://login.example.com' },
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      revocation: { type: 'rfc7009' },
      endSession: { offered: true },
      redirects: [{ host: '127.0.0.1', port: 0, path: '/callback' }],
    });
  });

  it('pins redirect URIs (one or a list; no port = any port with that path) and refuses non-loopback ones', () => {
    expect(resolve({ issuer: 'https://l.example', client_id: 'c', redirect_uri: 'http://127.0.0.1:53682/callback' }).redirects).toEqual([{ host: '127.0.0.1', port: 53682, path: '/callback' }]);
    expect(resolve({ issuer: 'https://l.example', client_id: 'c', redirect_uri: ['http://localhost:1/a', 'http://[::1]/b'] }).redirects).toEqual([
      { host: 'localhost', port: 1, path: '/a' },
      { host: '[::1]', port: 0, path: '/b' },
    ]);
    expect(schemaError({ issuer: 'https://l.example', client_id: 'c', redirect_uri: 'https://127.0.0.1:5/callback' })).toMatch(/loopback http URL/);
    expect(schemaError({ issuer: 'https://l.example', client_id: 'c', redirect_uri: 'http://example.com:5/callback' })).toMatch(/loopback http URL/);
    expect(schemaError({ issuer: 'https://l.example', client_id: 'c', redirect_uri: 'http://127.0.0.1:5' })).toMatch(/needs a path/);
  });

  it('chooses client authentication from the entry, then the metadata (basic first), none without a secret', () => {
    const withSecret = resolve({ issuer: 'https://l.example', client_id: 'c', client_secret: 's' });
    expect(chooseTokenEndpointAuthMethod(withSecret, undefined)).toBe('client_secret_basic');
    expect(chooseTokenEndpointAuthMethod(withSecret, ['client_secret_post'])).toBe('client_secret_post');
    expect(chooseTokenEndpointAuthMethod(withSecret, ['client_secret_post', 'client_secret_basic'])).toBe('client_secret_basic');
    expect(chooseTokenEndpointAuthMethod(resolve({ issuer: 'https://l.example', client_id: 'c' }), ['client_secret_basic'])).toBe('none');
    const explicit = resolve({ issuer: 'https://l.example', client_id: 'c', client_secret: 's', token_endpoint_auth_method: 'client_secret_post' });
    expect(chooseTokenEndpointAuthMethod(explicit, ['client_secret_basic'])).toBe('client_secret_post');
    expect(schemaError({ issuer: 'https://l.example', client_id: 'c', token_endpoint_auth_method: 'client_secret_basic' })).toMatch(/needs a client_secret/);
  });

  it('keeps preset-only fields to their preset', () => {
    expect(schemaError({ issuer: 'https://l.example', client_id: 'c', tenant: 'common' })).toMatch(/tenant: only applies with preset: microsoft/);
    expect(schemaError({ preset: 'google', client_id: 'c', client_secret: 's', host: 'https://x.example' })).toMatch(/host: only applies with preset: github/);
  });

  it('resolves the embedded demo provider to this process\'s issuer and client', () => {
    expect(resolve({ embedded: true }, 'demo')).toMatchObject({ label: 'Demo', embedded: true, clientId: 'latchkey-demo', metadata: { type: 'discovery', issuer: 'http://127.0.0.1:4600' } });
  });
});

describe('the preset table', () => {
  it('has a label, scopes, a registration sentence and capabilities for every preset', () => {
    for (const name of PRESET_NAMES) {
      const preset = PROVIDER_PRESETS[name];
      expect(preset.label.length).toBeGreaterThan(0);
      expect(preset.scopes.length).toBeGreaterThan(0);
      expect(preset.registration).toMatch(/http:\/\/127\.0\.0\.1|http:\/\/localhost/);
      const entry = { preset: name, client_id: 'c', ...(preset.clientSecret === 'required' ? { client_secret: 's' } : {}) };
      const lines = describeProviderCapabilities(resolve(entry, name));
      expect(lines.join('\n')).toMatch(/register:[\s\S]*redirect URI[\s\S]*stays signed in:[\s\S]*sign-out:/);
    }
  });
});

describe('account keys', () => {
  it('cannot collide across providers whose names share a prefix', () => {
    expect(accountKeyFor('corp', 'x-alice')).not.toBe(accountKeyFor('corp-x', 'alice'));
    expect(accountKeyFor('corp', 'x-alice')).toBe('corp:x-alice');
    expect(accountKeyFor('corp', 'a subject/with odd chars')).toMatch(/^corp:[0-9a-f]{20}$/);
  });

  it('finds an existing record by provider and subject, whatever its key format', () => {
    const records = {
      'corp-x-alice': { provider: 'corp', subject: 'x-alice' },
      'corp-x:alice': { provider: 'corp-x', subject: 'alice' },
    };
    expect(findAccountKey(records, 'corp', 'x-alice')).toBe('corp-x-alice');
    expect(findAccountKey(records, 'corp-x', 'alice')).toBe('corp-x:alice');
    expect(findAccountKey(records, 'corp', 'alice')).toBeUndefined();
  });
});
