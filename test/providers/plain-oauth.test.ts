/**
 * A plain OAuth 2.0 provider without discovery (test/emulators/plain-oauth.ts, shaped like Discord's API): the
 * entry names its endpoints, pins the registered redirect URI (the provider compares redirect URIs exactly) and
 * maps the profile JSON with `claims`. With Chromium as the system browser, the real keychain and real files:
 * sign-in, restore in a new engine without a request, refresh with rotation, revocation at sign-out (RFC 7009),
 * the same through the CLI, and a config without the profile mapping refused when it is loaded.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../src/main/store/config';
import { isAuthError } from '../../src/shared/errors';
import { PLAIN_USER, startPlainOAuthEmulator, type PlainOAuthEmulator } from '../emulators';
import { assertCliBuilt, cliEnv, runCli } from '../helpers/cli-runner';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import { emulatorEngine, emulatorOpener, vaultFor, writeProvidersConfig } from '../helpers/emulator-fixture';
import { useCleanups, useSystemBrowser } from '../helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

const CLIENT_ID = '1170837423489294336';
const CLIENT_SECRET = 'plain-oauth-client-secret';
const SUBJECT = PLAIN_USER.profile.id;
const PICTURE = `https://cdn.example/avatars/${SUBJECT}/${PLAIN_USER.profile.avatar}.png`;

interface Entry {
  claims?: boolean;
  userinfo?: boolean;
}

/** The `discord:` entry, as the README describes a plain OAuth 2.0 provider; parts can be left out. */
function discordEntry(emulator: PlainOAuthEmulator, redirectUri: string, leave: Entry = {}): string {
  const lines = [
    'label: Discord',
    `client_id: "${CLIENT_ID}"`,
    `client_secret: ${CLIENT_SECRET}`,
    `authorization_endpoint: ${emulator.authorizationEndpoint}`,
    `token_endpoint: ${emulator.tokenEndpoint}`,
    `revocation_endpoint: ${emulator.revocationEndpoint}`,
    ...(leave.userinfo === false ? [] : [`userinfo_endpoint: ${emulator.userinfoEndpoint}`]),
    'scopes: [identify, email]',
    `redirect_uri: ${redirectUri}`,
    ...(leave.claims === false
      ? []
      : ['claims:', '  subject: id', '  name: global_name', '  email: email', '  picture: "https://cdn.example/avatars/{id}/{avatar}.png"']),
  ];
  return `  discord:\n${lines.map((line) => `    ${line}\n`).join('')}`;
}

async function setUp(): Promise<{ emulator: PlainOAuthEmulator; redirectUri: string; at: TempHome }> {
  const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
  const emulator = await startPlainOAuthEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [redirectUri] });
  defer(() => emulator.close());
  const at = await tempHome();
  defer(at.cleanup);
  await writeProvidersConfig(at, discordEntry(emulator, redirectUri));
  return { emulator, redirectUri, at };
}

describe('plain OAuth 2.0 provider (explicit endpoints + claims mapping)', () => {
  it('signs in with the mapped profile, restores without a request, refreshes with rotation and revokes at sign-out', async () => {
    const { emulator, redirectUri, at } = await setUp();
    const opener = emulatorOpener(systemBrowser(), PLAIN_USER.login);
    const latchkey = await emulatorEngine(at, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    expect(latchkey.engine.listProviders()).toMatchObject([{ name: 'discord', label: 'Discord', mark: 'oauth', redirectUris: [redirectUri] }]);

    const account = await latchkey.engine.signIn('discord');
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(opener.results[0]).toMatch(/You are signed in/);
    expect(account).toMatchObject({
      key: `discord:${SUBJECT}`,
      provider: 'discord',
      subject: SUBJECT,
      name: 'Nelly',
      email: 'nelly@example.com',
      signedIn: true,
    });
    // The window is shown pictures only as data: URLs the main process fetched (cdn.example never resolves).
    expect(account.picture === undefined || account.picture.startsWith('data:')).toBe(true);
    const request = emulator.lastAuthorizationRequest ?? {};
    expect(request['redirect_uri']).toBe(redirectUri);
    expect(request['scope']).toBe('identify email');
    expect(request['code_challenge_method']).toBe('S256');
    expect(request['nonce']).toBeUndefined();
    // No discovery document: the endpoints came from config.yaml alone.
    expect(emulator.log.some((r) => r.path.startsWith('/.well-known/'))).toBe(false);
    expect(emulator.log.filter((r) => r.path.startsWith('/api/users/@me'))).toHaveLength(1);

    const tokens = await vaultFor(at).get(account.key);
    expect(tokens?.refreshToken).toBeTruthy();
    expect(tokens?.idToken).toBeUndefined();
    const yaml = await readFile(at.configPath, 'utf8');
    expect(parse(yaml).credentials.usernames[account.key]).toMatchObject({
      provider: 'discord',
      subject: SUBJECT,
      name: 'Nelly',
      email: 'nelly@example.com',
      picture: PICTURE,
      logged_in: true,
    });
    for (const secret of [tokens?.accessToken, tokens?.refreshToken]) expect(yaml).not.toContain(secret as string);

    // A new engine (as after a restart): signed in from disk, no request to the provider.
    const requestsBefore = emulator.log.length;
    const second = await emulatorEngine(at, opener);
    defer(() => second.close());
    const restored = await second.restore();
    expect(restored.accounts.find((a) => a.key === account.key)).toMatchObject({ signedIn: true, name: 'Nelly', email: 'nelly@example.com' });
    expect(await second.getAccessToken(account.key)).toBe(tokens?.accessToken);
    expect(emulator.log.length).toBe(requestsBefore);

    // Refresh: the provider rotates the refresh token; the new one is in the keychain, the old one is dead.
    const refreshed = await second.engine.refreshNow(account.key);
    expect(refreshed.signedIn).toBe(true);
    const after = await vaultFor(at).get(account.key);
    expect(after?.accessToken).not.toBe(tokens?.accessToken);
    expect(after?.refreshToken).toBeTruthy();
    expect(after?.refreshToken).not.toBe(tokens?.refreshToken);
    expect(emulator.tokens.find(tokens?.refreshToken)).toMatchObject({ revoked: true, revokedBecause: 'rotated' });
    expect(emulator.tokens.active(after?.refreshToken, 'refresh')).toBeDefined();
    expect(emulator.clientAuthMethods).toEqual(['client_secret_basic', 'client_secret_basic']);

    // Sign-out: RFC 7009 revocation of the current refresh token, which ends the whole grant.
    const result = await second.engine.signOut({ accountKey: account.key });
    expect(result).toMatchObject({ accountKey: account.key, revoked: true, revocation: 'revoked', endSessionAvailable: false });
    expect(result.endSessionNote).toMatch(/Discord has no sign-out page/);
    expect(emulator.revocations).toEqual([{ token: after?.refreshToken, tokenTypeHint: 'refresh_token', clientAuthMethod: 'client_secret_basic' }]);
    expect(emulator.tokens.isRevoked(after?.refreshToken as string)).toBe(true);
    expect(emulator.tokens.isRevoked(after?.accessToken as string)).toBe(true);
    expect(await vaultFor(at).get(account.key)).toBeNull();
    expect(parse(await readFile(at.configPath, 'utf8')).credentials.usernames[account.key]).toMatchObject({ logged_in: false });
  });

  describe('the CLI', () => {
    beforeAll(() => assertCliBuilt());

    it('login, status, token and logout', async () => {
      const { emulator, at } = await setUp();
      const env = cliEnv(at, PLAIN_USER.login);
      const key = `discord:${SUBJECT}`;

      const login = await runCli(env, 'login');
      expect(login.stderr).toMatch(/Opening your browser to sign in with Discord/);
      expect(login).toMatchObject({ code: 0, stdout: 'Signed in as Nelly <nelly@example.com> via Discord\n' });

      const status = await runCli(env, 'status');
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`^Signed in as Nelly <nelly@example\\.com> via Discord \\(account ${key}\\) \\(the active account\\)\\n`));

      const token = await runCli(env, 'token');
      expect(token.code).toBe(0);
      const stored = await vaultFor(at).get(key);
      expect(token.stdout).toBe(`${stored?.accessToken}\n`);
      expect(emulator.tokens.active(stored?.accessToken, 'access')).toBeDefined();

      const logout = await runCli(env, 'logout');
      expect(logout).toMatchObject({ code: 0, stdout: `Signed out of ${key}. The provider revoked its tokens.\n` });
      expect(logout.stderr).toMatch(/Discord has no sign-out page/);
      expect(emulator.revocations.map((r) => r.token)).toEqual([stored?.refreshToken]);
      expect(emulator.tokens.isRevoked(stored?.refreshToken as string)).toBe(true);
      expect(await vaultFor(at).get(key)).toBeNull();

      const after = await runCli(env, 'status');
      expect(after).toMatchObject({ code: 1, stdout: 'Not signed in.\n' });
    });
  });

  it('a config without claims or without userinfo_endpoint is refused at load, with what is missing', async () => {
    const emulator = await startPlainOAuthEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    defer(() => emulator.close());
    const redirectUri = 'http://127.0.0.1:53134/callback';
    const cases: Array<{ leave: Entry; message: RegExp }> = [
      { leave: { claims: false }, message: /claims.*is required for a plain OAuth 2\.0 provider: which fields of the userinfo answer give subject/ },
      { leave: { userinfo: false }, message: /userinfo_endpoint.*is required for a plain OAuth 2\.0 provider: it tells who signed in/ },
    ];
    for (const { leave, message } of cases) {
      const at = await tempHome();
      defer(at.cleanup);
      await writeProvidersConfig(at, discordEntry(emulator, redirectUri, leave));

      const loaded = await new ConfigStore({ path: at.configPath }).load().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isAuthError(loaded, 'config_invalid')).toBe(true);
      expect((loaded as Error).message).toMatch(message);
      expect((loaded as Error).message).toContain(at.configPath);

      const opener = emulatorOpener(systemBrowser(), PLAIN_USER.login);
      const latchkey = await emulatorEngine(at, opener);
      defer(() => latchkey.close());
      const state = await latchkey.restore();
      expect(state.phase).toBe('config_invalid');
      expect(state.configError?.code).toBe('config_invalid');
      expect(state.configError?.message).toMatch(message);
      expect(latchkey.engine.listProviders()).toEqual([]);
      const refused = await latchkey.engine.signIn('discord').catch((err: unknown) => err);
      expect(isAuthError(refused, 'config_invalid')).toBe(true);
      expect(opener.opened).toEqual([]);
    }
    expect(emulator.log).toEqual([]);
  });
});
