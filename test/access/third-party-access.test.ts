/**
 * Who may sign in with a third-party provider, and roles that stay the person's: the real demo provider,
 * Chromium as the system browser, the real keychain and real config files. A refused sign-in keeps nothing but
 * an event-log entry and its refresh token no longer works at the provider; a plain OAuth 2.0 provider that
 * does not vouch for its e-mail is refused while verification is required; roles edited in config.yaml
 * survive a new sign-in and a refresh; the provider's roles claim is kept apart as provider_roles.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { DEMO_CLIENT_ID } from '../../src/main/idp';
import { SecretVault } from '../../src/main/store/secrets';
import { isAuthError } from '../../src/shared/errors';
import { PLAIN_USER, startPlainOAuthEmulator } from '../emulators';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import { emulatorEngine, emulatorOpener, writeProvidersConfig } from '../helpers/emulator-fixture';
import { createBrowserOpener } from '../helpers/system-browser';
import { useCleanups, useSystemBrowser } from '../helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed YAML document, inspected field by field
async function readYaml(home: TempHome): Promise<{ text: string; doc: any }> {
  const text = await readFile(home.configPath, 'utf8');
  return { text, doc: parse(text) };
}

async function demoHome(access: Record<string, unknown>): Promise<TempHome> {
  const home = await tempHome();
  defer(home.cleanup);
  await writeFile(home.configPath, stringify({ session: { expiry_days: 30 }, providers: { demo: { label: 'Demo', embedded: true } }, access, credentials: { usernames: {} } }), { mode: 0o600 });
  return home;
}

/** A real fetch that keeps every refresh token a token endpoint hands out (to prove a refused one is dead). */
function capturingFetch(): { fetch: typeof fetch; refreshTokens: string[] } {
  const refreshTokens: string[] = [];
  const capturing: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (new URL(url).pathname === '/token' && response.ok) {
      const body = (await response.clone().json()) as { refresh_token?: string };
      if (body.refresh_token) refreshTokens.push(body.refresh_token);
    }
    return response;
  };
  return { fetch: capturing, refreshTokens };
}

async function engine(home: TempHome, user: 'alice' | 'bob', options: Partial<Parameters<typeof createLatchkey>[0]> = {}): Promise<Latchkey> {
  const opener = createBrowserOpener(systemBrowser(), { user, consent: 'allow' });
  const latchkey = await createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    openBrowser: opener.openBrowser,
    embeddedProvider: { port: 0 },
    role: 'cli',
    ...options,
  });
  defer(() => latchkey.close());
  await latchkey.restore();
  return latchkey;
}

function vault(home: TempHome): SecretVault {
  return new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') });
}

describe('access.allowed_emails and access.allowed_domains for third-party sign-ins', () => {
  it('refuses a person not on the lists: nothing kept but an event, the browser told, the refresh token revoked', async () => {
    const home = await demoHome({ allowed_emails: ['alice@latchkey.example'] });
    const capture = capturingFetch();
    const latchkey = await engine(home, 'bob', { fetch: capture.fetch });
    const before = await readFile(home.configPath, 'utf8');

    const refusal = await latchkey.engine.signIn('demo').catch((error: unknown) => error);
    expect(isAuthError(refusal, 'not_allowed')).toBe(true);
    expect((refusal as Error).message).toContain('bob@latchkey.example is not in access.allowed_emails');
    expect((refusal as Error).message).toMatch(/revoked/);

    // Nothing persisted: config.yaml byte for byte as before, no keychain entry.
    expect(await readFile(home.configPath, 'utf8')).toBe(before);
    expect(await vault(home).get('demo:bob')).toBeNull();
    expect(latchkey.engine.getState()).toMatchObject({ activeAccountKey: null, accounts: [] });
    // ...but an event says what happened.
    const events = await latchkey.engine.recentEvents(5);
    expect(events[0]).toMatchObject({ kind: 'failure', outcome: 'error', code: 'not_allowed' });

    // The provider issued a refresh token; after the refusal it is dead there.
    expect(capture.refreshTokens).toHaveLength(1);
    const issuer = latchkey.embeddedIssuer as string;
    const configuration = await oidc.discovery(new URL(issuer), DEMO_CLIENT_ID, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const reuse = await oidc.refreshTokenGrant(configuration, capture.refreshTokens[0] as string).catch((error: unknown) => error);
    expect(reuse).toBeInstanceOf(oidc.ResponseBodyError);
    expect((reuse as oidc.ResponseBodyError).error).toBe('invalid_grant');
  });

  it('admits a listed address and a listed domain, and is case-blind', async () => {
    const byEmail = await demoHome({ allowed_emails: ['ALICE@latchkey.example'] });
    expect((await (await engine(byEmail, 'alice')).engine.signIn('demo')).email).toBe('alice@latchkey.example');
    const byDomain = await demoHome({ allowed_domains: ['Latchkey.Example'] });
    expect((await (await engine(byDomain, 'bob')).engine.signIn('demo')).key).toBe('demo:bob');
    const otherDomain = await demoHome({ allowed_domains: ['example.org'] });
    const refused = await (await engine(otherDomain, 'alice')).engine.signIn('demo').catch((error: unknown) => error);
    expect(isAuthError(refused, 'not_allowed')).toBe(true);
  });

  it('refuses an address the provider does not vouch for while require_verified_email is on, admits it when off', async () => {
    const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
    const emulator = await startPlainOAuthEmulator({ clientId: 'plain-client', clientSecret: 'plain-secret', redirectUris: [redirectUri] });
    defer(() => emulator.close());
    const entry = [
      '  discord:',
      '    label: Discord',
      '    client_id: plain-client',
      '    client_secret: plain-secret',
      `    authorization_endpoint: ${emulator.authorizationEndpoint}`,
      `    token_endpoint: ${emulator.tokenEndpoint}`,
      `    revocation_endpoint: ${emulator.revocationEndpoint}`,
      `    userinfo_endpoint: ${emulator.userinfoEndpoint}`,
      '    scopes: [identify, email]',
      `    redirect_uri: ${redirectUri}`,
      '    claims: { subject: id, name: global_name, email: email }',
      '',
    ].join('\n');
    for (const [verification, admitted] of [['', false], ['  require_verified_email: false\n', true]] as const) {
      const home = await tempHome();
      defer(home.cleanup);
      await writeProvidersConfig(home, entry);
      await writeFile(home.configPath, `${await readFile(home.configPath, 'utf8')}access:\n  allowed_domains: [example.com]\n${verification}`);
      const opener = emulatorOpener(systemBrowser(), PLAIN_USER.login);
      const latchkey = await emulatorEngine(home, opener);
      defer(() => latchkey.close());
      await latchkey.restore();
      const revocationsBefore = emulator.revocations.length;
      const outcome = await latchkey.engine.signIn('discord').catch((error: unknown) => error);
      await opener.settled();
      if (admitted) {
        expect(outcome).toMatchObject({ email: 'nelly@example.com', signedIn: true });
      } else {
        expect(isAuthError(outcome, 'not_allowed')).toBe(true);
        expect((outcome as Error).message).toContain('did not say that it verified nelly@example.com');
        expect(emulator.revocations.length).toBe(revocationsBefore + 1);
        expect(opener.results[0]).toMatch(/not in|did not say/);
        expect((await readYaml(home)).doc.credentials.usernames).toEqual({});
      }
    }
  });

  it('signs out, at the next start, an account the lists no longer admit', async () => {
    const home = await demoHome({});
    const port = await freePort();
    const first = await engine(home, 'alice', { embeddedProvider: { port } });
    const alice = await first.engine.signIn('demo');
    await first.close();

    const { doc } = await readYaml(home);
    doc.access = { allowed_domains: ['example.org'] };
    await writeFile(home.configPath, stringify(doc));
    const second = await engine(home, 'alice', { embeddedProvider: { port } });
    const state = second.engine.getState();
    expect(state.activeAccountKey).toBeNull();
    expect(state.accounts[0]).toMatchObject({ key: alice.key, signedIn: false });
    expect(state.accounts[0]?.signedOutReason).toContain('no longer admit');
    expect(await vault(home).get(alice.key)).toBeNull();
    expect((await readYaml(home)).doc.credentials.usernames[alice.key].logged_in).toBe(false);
  });
});

describe('roles', () => {
  it('gives a new account access.default_roles, keeps the roles a person edits across sign-ins and refreshes, and keeps provider roles apart', async () => {
    const home = await demoHome({ default_roles: ['viewer'], roles_claim: 'roles' });
    const latchkey = await engine(home, 'alice');
    const alice = await latchkey.engine.signIn('demo');
    let record = (await readYaml(home)).doc.credentials.usernames[alice.key];
    expect(record.roles).toEqual(['viewer']);
    expect(record.provider_roles).toEqual(['admin', 'user']);
    expect(alice.roles).toEqual(['viewer', 'admin', 'user']);
    expect(latchkey.engine.hasRole('admin')).toBe(true);
    expect(latchkey.engine.hasRole('auditor')).toBe(false);

    // The person edits the roles in config.yaml (keeping a comment); a new engine reads the file.
    const text = (await readFile(home.configPath, 'utf8')).replace('roles: [ viewer ]', 'roles: [ auditor ] # given by hand');
    expect(text).toContain('# given by hand');
    await writeFile(home.configPath, text);
    await latchkey.close();

    const again = await engine(home, 'alice');
    expect(again.engine.hasRole('auditor')).toBe(true);
    await again.engine.signOut();
    expect(again.engine.hasRole('auditor')).toBe(false); // signed out: no roles
    await again.engine.signIn('demo');
    await again.engine.refreshNow();
    const after = await readYaml(home);
    record = after.doc.credentials.usernames[alice.key];
    expect(record.roles).toEqual(['auditor']);
    expect(record.provider_roles).toEqual(['admin', 'user']);
    expect(after.text).toContain('# given by hand');
    expect(again.engine.hasRole('auditor')).toBe(true);
    expect(again.engine.hasRole('admin')).toBe(true);
  });

  it('without roles_claim, the provider gives no roles, and stale provider roles count for nothing', async () => {
    const home = await demoHome({ roles_claim: 'roles' });
    const latchkey = await engine(home, 'alice');
    const alice = await latchkey.engine.signIn('demo');
    expect(latchkey.engine.hasRole('admin')).toBe(true);
    await latchkey.close();

    const { doc } = await readYaml(home);
    delete doc.access.roles_claim;
    await writeFile(home.configPath, stringify(doc));
    const again = await engine(home, 'alice');
    expect(again.engine.hasRole('admin')).toBe(false);
    expect(again.engine.getState().accounts[0]?.roles).toEqual([]);
    await again.engine.signIn('demo');
    expect((await readYaml(home)).doc.credentials.usernames[alice.key].provider_roles).toBeUndefined();
  });
});
