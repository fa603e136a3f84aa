/**
 * The pure rules of access: who the allow-lists admit (verified or not, by address or domain, case-blind),
 * roles read from a provider's claim (plain, dotted, namespaced, one text or a list, cleaned and bounded), the
 * merge of the file's roles with the provider's, and what config.yaml may say in `access:` and about local
 * accounts.
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { decideAccess, recordAccessRefusal } from '../../src/main/auth/access/access-policy';
import { effectiveRoles, rolesFromClaim, signInRoles, withProviderRoles } from '../../src/main/auth/access/roles';
import { accessSchema, defaultAccess } from '../../src/main/store/access-schema';
import { configSchema, type AccountRecord } from '../../src/main/store/schema';

const access = (over: Record<string, unknown>) => accessSchema.parse(over);

describe('decideAccess', () => {
  it('admits everyone without lists', () => {
    expect(decideAccess(defaultAccess(), {}, 'provider')).toEqual({ allowed: true });
  });

  it('admits listed addresses and domains, case-blind, and nothing else', () => {
    const rules = access({ allowed_emails: ['Ada@Example.com'], allowed_domains: ['team.example'] });
    expect(decideAccess(rules, { email: 'ada@example.COM', emailVerified: true }, 'provider').allowed).toBe(true);
    expect(decideAccess(rules, { email: 'bo@TEAM.example', emailVerified: true }, 'provider').allowed).toBe(true);
    expect(decideAccess(rules, { email: 'bo@sub.team.example', emailVerified: true }, 'provider').allowed).toBe(false);
    expect(decideAccess(rules, { email: 'team.example@evil.example', emailVerified: true }, 'provider').allowed).toBe(false);
    expect(decideAccess(rules, { email: 'x@evil.example@team.example', emailVerified: true }, 'provider').allowed).toBe(true);
    expect(decideAccess(rules, {}, 'provider')).toMatchObject({ allowed: false, reason: expect.stringContaining('no e-mail') });
  });

  it('needs a verified address from a provider unless require_verified_email is off; local accounts are not asked', () => {
    const rules = access({ allowed_domains: ['team.example'] });
    for (const emailVerified of [false, undefined]) {
      expect(decideAccess(rules, { email: 'bo@team.example', emailVerified }, 'provider')).toMatchObject({ allowed: false, reason: expect.stringContaining('verified') });
    }
    expect(decideAccess(access({ allowed_domains: ['team.example'], require_verified_email: false }), { email: 'bo@team.example' }, 'provider').allowed).toBe(true);
    expect(decideAccess(rules, { email: 'bo@team.example' }, 'local').allowed).toBe(true);
    expect(recordAccessRefusal(rules, { email: 'bo@team.example' }, 'provider')).toBeNull();
    expect(recordAccessRefusal(rules, { email: 'bo@other.example' }, 'provider')).toContain('no longer admit');
  });
});

describe('roles', () => {
  it('reads a claim by name, by dotted path, or by a namespaced name with dots', () => {
    const claims = {
      groups: ['dev', 'ops', 'dev', 42, 'a\u202eb'],
      realm_access: { roles: ['realm-admin'] },
      'https://example.com/roles': 'editor',
      empty: [],
    };
    expect(rolesFromClaim(claims, 'groups')).toEqual(['dev', 'ops', 'ab']);
    expect(rolesFromClaim(claims, 'realm_access.roles')).toEqual(['realm-admin']);
    expect(rolesFromClaim(claims, 'https://example.com/roles')).toEqual(['editor']);
    expect(rolesFromClaim(claims, 'empty')).toEqual([]);
    expect(rolesFromClaim(claims, 'missing')).toBeUndefined();
    expect(rolesFromClaim(claims, 'realm_access.missing')).toBeUndefined();
    expect(rolesFromClaim({ many: Array.from({ length: 500 }, (_, i) => `r${i}`) }, 'many')).toHaveLength(200);
  });

  const record: AccountRecord = { name: 'Ada', provider: 'demo', subject: 'ada', roles: ['viewer'], provider_roles: ['admin', 'viewer'], logged_in: true };

  it('merges the file roles with the provider roles only while roles_claim is set', () => {
    expect(effectiveRoles(record, { roles_claim: 'roles' })).toEqual(['viewer', 'admin']);
    expect(effectiveRoles(record, {})).toEqual(['viewer']);
  });

  it('replaces provider_roles at a sign-in (absent claim: none), keeps them at a refresh without the claim', () => {
    const rules = { roles_claim: 'groups' };
    expect(withProviderRoles(record, rules, { groups: ['ops'] }, true).provider_roles).toEqual(['ops']);
    expect(withProviderRoles(record, rules, {}, true).provider_roles).toEqual([]);
    expect(withProviderRoles(record, rules, {}, false).provider_roles).toEqual(['admin', 'viewer']);
    expect(withProviderRoles(record, rules, undefined, true).provider_roles).toEqual(['admin', 'viewer']);
    expect(withProviderRoles(record, {}, { groups: ['ops'] }, true).provider_roles).toBeUndefined();
    expect(withProviderRoles(record, rules, { groups: ['ops'] }, true).roles).toEqual(['viewer']);
  });

  it('gives default roles to a new account only', () => {
    const rules = access({ default_roles: ['viewer'] });
    expect(signInRoles(undefined, rules)).toEqual({ roles: ['viewer'] });
    expect(signInRoles(record, rules)).toEqual({});
  });
});

describe('config.yaml: access and local accounts', () => {
  const base = 'providers:\n  demo: { embedded: true }\n  team: { label: Team, local: true }\n';
  const check = (text: string) => configSchema.safeParse(parse(text));
  const problems = (text: string) => {
    const result = check(text);
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('fills in the defaults', () => {
    const result = check(base);
    expect(result.success && result.data.access).toMatchObject({
      allowed_emails: [],
      allowed_domains: [],
      require_verified_email: true,
      default_roles: [],
      registration: false,
      max_login_attempts: 5,
      lockout_minutes: 15,
      password_hash_cost: 17,
      password_policy: { min_length: 8, require_digit: false },
    });
  });

  it('refuses what cannot work, saying where', () => {
    expect(problems(`${base}access:\n  allowed_emails: [not-an-address]\n`)[0]).toMatch(/^access\.allowed_emails\.0: must be an e-mail address/);
    expect(problems(`${base}access:\n  allowed_domains: ["*.example.com"]\n`)[0]).toMatch(/^access\.allowed_domains\.0: must be a domain/);
    expect(problems(`${base}access:\n  password_policy: { min_length: 20, max_length: 10 }\n`)[0]).toMatch(/^access\.password_policy\.max_length: must not be less than min_length/);
    expect(problems(`${base}access:\n  password_hash_cost: 8\n`)[0]).toMatch(/^access\.password_hash_cost: must be at least 14/);
    expect(problems(`${base}access:\n  registraton: true\n`)[0]).toMatch(/registraton/);
    expect(problems(`${base}  more: { local: true }\n`)[0]).toMatch(/only one provider may hold local accounts/);
    expect(problems(`${base}  odd: { local: "yes" }\n`)[0]).toMatch(/local must be true/);
    expect(problems(`${base}  odd: { local: true, client_id: x }\n`)[0]).toMatch(/client_id/);
  });

  it('accepts @ before a domain, and a password hash only on a local account', () => {
    const parsed = check(`${base}access:\n  allowed_domains: ["@example.com"]\n`);
    expect(parsed.success && parsed.data.access.allowed_domains).toEqual(['example.com']);
    const record = (provider: string) => `credentials:\n  usernames:\n    ada:\n      name: Ada\n      provider: ${provider}\n      subject: ada\n      password: $scrypt$ln=14,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n      logged_in: false\n`;
    expect(problems(base + record('team'))).toEqual([]);
    expect(problems(base + record('demo'))[0]).toMatch(/password: applies only to local accounts/);
  });
});
