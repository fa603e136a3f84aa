/**
 * `preset: github` against the GitHub emulator (test/emulators/github.ts, laid out like GitHub Enterprise
 * Server: `host:` is the emulator, the API under `/api/v3`), with Chromium as the system browser, the real
 * keychain and real files. GitHub is OAuth 2.0 only, with its own habits, which the preset must absorb:
 * - no ID token: the person is the numeric id of GET /user (a login can be renamed); the name may be null
 *   (the login stands in); a private e-mail comes from /user/emails, where the primary verified address
 *   counts, not the first verified one;
 * - the token endpoint wants the client secret in the body, answers form-encoded unless asked for JSON, and
 *   refuses with HTTP 200 + `error`;
 * - OAuth apps' tokens never expire and cannot be refreshed: a "refresh" checks the token with /user, and a
 *   token revoked at GitHub ends the session with a recorded reason;
 * - GitHub Apps' expiring tokens are refreshed, and the refresh token rotates (the spent one is refused);
 * - sign-out revokes through DELETE /applications/{client_id}/token; GitHub has no sign-out page;
 * - the `latchkey` command does all of it as separate processes.
 */
import { readFile } from 'node:fs/promises';

import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { startGitHubEmulator, type GitHubEmulator, type GitHubEmulatorOptions } from '../emulators';
import { assertCliBuilt, cliEnv, runCli, type CliResult } from '../helpers/cli-runner';
import { tempHome, type TempHome } from '../helpers/engine-fixture';
import { emulatorEngine, emulatorOpener, loopbackOnlyFetch, vaultFor, writeProvidersConfig } from '../helpers/emulator-fixture';
import { useCleanups, useSystemBrowser } from '../helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

const CLIENT_ID = 'Iv1.8a61f9b3a7aba766';
const CLIENT_SECRET = '1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e';
const TOKEN_PATH = '/login/oauth/access_token';

async function startEmulator(options: Partial<GitHubEmulatorOptions> = {}): Promise<GitHubEmulator> {
  const github = await startGitHubEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, mode: 'oauth-app', ...options });
  defer(() => github.close());
  return github;
}

/** A temp data folder whose config.yaml has the README's GitHub entry, `host:` pointing at the emulator. */
async function homeFor(github: GitHubEmulator): Promise<TempHome> {
  const home = await tempHome();
  defer(home.cleanup);
  await writeProvidersConfig(home, `  github:\n    preset: github\n    client_id: ${CLIENT_ID}\n    client_secret: ${CLIENT_SECRET}\n    host: ${github.url}\n`);
  return home;
}

async function accountsInYaml(home: TempHome): Promise<Record<string, Record<string, unknown>>> {
  const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials: { usernames: Record<string, Record<string, unknown>> | null } };
  return doc.credentials.usernames ?? {};
}

const tokenRequests = (github: GitHubEmulator) => github.log.filter((r) => r.method === 'POST' && r.path === TOKEN_PATH);

/** What a person's "Revoke access" in GitHub's settings does: the token stops working. */
function revokeAtGitHub(github: GitHubEmulator, accessToken: string | undefined): void {
  const issued = github.tokens.find(accessToken);
  if (!issued) throw new Error('the emulator did not issue this token');
  github.tokens.revoke(issued, 'revoked');
}

/** GET /user with a token, as any API client would (status only). */
async function userStatus(github: GitHubEmulator, accessToken: string | undefined): Promise<number> {
  const response = await fetch(`${github.apiUrl}/user`, { headers: { authorization: `Bearer ${accessToken ?? ''}`, 'user-agent': 'test' } });
  await response.arrayBuffer();
  return response.status;
}

describe('preset: github', () => {
  it('OAuth app: profiles from the API, the secret in the body, a JSON answer; refresh checks the token, and a revoked one signs out', async () => {
    const github = await startEmulator();
    const home = await homeFor(github);
    const users = ['octo', 'hidden'];
    const opener = emulatorOpener(systemBrowser(), () => users.shift() as string);
    const latchkey = await emulatorEngine(home, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    expect(latchkey.engine.listProviders()).toMatchObject([{ name: 'github', label: 'GitHub', mark: 'github' }]);

    const octo = await latchkey.engine.signIn('github');
    const hidden = await latchkey.engine.signIn('github');
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(octo).toMatchObject({ key: 'github:1001', subject: '1001', name: 'Octo Cat', email: 'octo@github.example', signedIn: true });
    // name: null → the login; no public e-mail → the primary verified address (not the first verified one, the noreply).
    expect(hidden).toMatchObject({ key: 'github:1002', subject: '1002', name: 'hidden', email: 'hidden@private.example', signedIn: true });
    expect(github.log.filter((r) => r.path === '/api/v3/user/emails')).toHaveLength(1);

    const request = github.authorizationRequests[0] ?? {};
    expect(request['scope']?.split(' ')).toEqual(['read:user', 'user:email']);
    expect(request['code_challenge_method']).toBe('S256');
    // The token requests asked for JSON and carried the secret as a body parameter (no Basic header).
    expect(github.clientAuthMethods).toEqual(['client_secret_post', 'client_secret_post']);
    for (const sent of tokenRequests(github)) {
      expect(sent.headers['accept']).toMatch(/application\/json/);
      expect(sent.headers['authorization']).toBeUndefined();
      expect(new URLSearchParams(sent.body).get('client_secret')).toBe(CLIENT_SECRET);
    }

    const vault = vaultFor(home);
    const tokens = await vault.get(octo.key);
    expect(tokens).toMatchObject({ accessToken: expect.stringMatching(/^gho_/) });
    expect(tokens?.refreshToken).toBeUndefined();
    expect(tokens?.expiresAt).toBeUndefined();
    const yaml = await accountsInYaml(home);
    // The https avatar URL is kept in the record (the window is only ever shown a data: URL of it).
    expect(yaml['github:1001']).toMatchObject({
      provider: 'github',
      subject: '1001',
      name: 'Octo Cat',
      email: 'octo@github.example',
      picture: 'https://avatars.githubusercontent.example/u/1001?v=4',
      logged_in: true,
    });
    expect(yaml['github:1002']).toMatchObject({ provider: 'github', subject: '1002', name: 'hidden', email: 'hidden@private.example', logged_in: true });
    expect(yaml['github:1002']?.['picture']).toMatch(/^https:\/\//);
    for (const account of [octo, hidden]) expect(account.picture ?? 'data:').toMatch(/^data:/);

    // "Refresh" of a token that never expires: checked with /user, no token request.
    const tokenRequestsBefore = tokenRequests(github).length;
    const userCallsBefore = github.log.filter((r) => r.path === '/api/v3/user').length;
    expect(await latchkey.engine.refreshNow(octo.key)).toMatchObject({ signedIn: true, lastRefreshAt: expect.any(String) });
    expect(tokenRequests(github)).toHaveLength(tokenRequestsBefore);
    expect(github.log.filter((r) => r.path === '/api/v3/user').length).toBe(userCallsBefore + 1);
    expect((await vault.get(octo.key))?.accessToken).toBe(tokens?.accessToken);

    // The person revokes the app's access at GitHub: the next check ends the session, with the reason recorded.
    revokeAtGitHub(github, tokens?.accessToken);
    await expect(latchkey.engine.refreshNow(octo.key)).rejects.toMatchObject({ name: 'AuthError', code: 'invalid_grant' });
    expect(tokenRequests(github)).toHaveLength(tokenRequestsBefore);
    const signedOut = latchkey.engine.getState().accounts.find((a) => a.key === octo.key);
    expect(signedOut).toMatchObject({ signedIn: false, signedOutReason: expect.stringMatching(/GitHub no longer accepts this session's token/) });
    expect((await accountsInYaml(home))['github:1001']).toMatchObject({ logged_in: false, signed_out_reason: signedOut?.signedOutReason });
    expect(await vault.get(octo.key)).toBeNull();
    // The other account is untouched.
    expect(latchkey.engine.getState().accounts.find((a) => a.key === hidden.key)?.signedIn).toBe(true);
    expect(await vault.get(hidden.key)).not.toBeNull();
  });

  it('GitHub App with expiring tokens: an expired access token is refreshed and the refresh token rotates', async () => {
    const github = await startEmulator({ mode: 'github-app-expiring', accessTokenTtlSeconds: 2 });
    const home = await homeFor(github);
    const opener = emulatorOpener(systemBrowser(), 'octo');
    const latchkey = await emulatorEngine(home, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    const account = await latchkey.engine.signIn('github');
    await opener.settled();
    expect(opener.failures).toEqual([]);
    const vault = vaultFor(home);
    const first = await vault.get(account.key);
    expect(first).toMatchObject({ accessToken: expect.stringMatching(/^ghu_/), refreshToken: expect.stringMatching(/^ghr_/) });
    expect((first?.expiresAt ?? 0) - (first?.obtainedAt ?? 0)).toBe(2_000);

    // Let the access token run out, at GitHub and here.
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await userStatus(github, first?.accessToken)).toBe(401);
    expect(latchkey.engine.getState().accounts[0]?.stale).toBe(true);

    const accessToken = await latchkey.getAccessToken(account.key);
    expect(accessToken).not.toBe(first?.accessToken);
    expect(await userStatus(github, accessToken)).toBe(200);
    const second = await vault.get(account.key);
    expect(second?.accessToken).toBe(accessToken);
    expect(second?.refreshToken).toMatch(/^ghr_/);
    expect(second?.refreshToken).not.toBe(first?.refreshToken);
    const refreshes = tokenRequests(github).filter((r) => new URLSearchParams(r.body).get('grant_type') === 'refresh_token');
    expect(refreshes).toHaveLength(1);
    expect(new URLSearchParams(refreshes[0]?.body).get('refresh_token')).toBe(first?.refreshToken);
    expect((await accountsInYaml(home))[account.key]).toMatchObject({ logged_in: true, last_refresh: expect.any(String) });

    // The spent refresh token is refused: keeping it would have ended the session at the next refresh.
    const reuse = await fetch(`${github.url}${TOKEN_PATH}`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'refresh_token', refresh_token: first?.refreshToken as string }),
    });
    expect(await reuse.json()).toMatchObject({ error: 'bad_refresh_token' });

    // And the rotated one works (a forced refresh from the engine).
    await latchkey.engine.refreshNow(account.key);
    expect((await vault.get(account.key))?.refreshToken).not.toBe(second?.refreshToken);
    expect(github.tokens.find(second?.refreshToken)).toMatchObject({ revoked: true, revokedBecause: 'rotated' });
  });

  it('sign-out revokes the token through DELETE /applications/{client_id}/token and says GitHub has no sign-out page', async () => {
    const github = await startEmulator();
    const home = await homeFor(github);
    const opener = emulatorOpener(systemBrowser(), 'octo');
    const latchkey = await emulatorEngine(home, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    const account = await latchkey.engine.signIn('github');
    await opener.settled();
    const tokens = await vaultFor(home).get(account.key);

    const result = await latchkey.engine.signOut({ accountKey: account.key });
    expect(result).toMatchObject({ accountKey: 'github:1001', revoked: true, revocation: 'revoked', endSessionAvailable: false });
    expect(result.revocationDetail).toBeUndefined();
    expect(result.endSessionNote).toMatch(/GitHub has no sign-out page/);
    expect(github.revocations).toEqual([{ path: `/api/v3/applications/${CLIENT_ID}/token`, token: tokens?.accessToken, status: 204 }]);
    const call = github.log.find((r) => r.method === 'DELETE');
    expect(call?.headers['authorization']).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`);
    expect(github.tokens.isRevoked(tokens?.accessToken as string)).toBe(true);
    expect(await userStatus(github, tokens?.accessToken)).toBe(401);
    expect(await vaultFor(home).get(account.key)).toBeNull();
    expect((await accountsInYaml(home))[account.key]).toMatchObject({ logged_in: false });
    expect((await accountsInYaml(home))[account.key]?.['signed_out_reason']).toBeUndefined();
    await expect(latchkey.engine.openEndSession(account.key)).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('reads a form-encoded token answer (GitHub\'s default when Accept is lost on the way), numbers included', async () => {
    const github = await startEmulator({ mode: 'github-app-expiring', accessTokenTtlSeconds: 600 });
    const home = await homeFor(github);
    // A proxy that drops the Accept header: GitHub then answers application/x-www-form-urlencoded.
    const answers: string[] = [];
    const dropAccept: typeof fetch = async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      if (url.pathname !== TOKEN_PATH) return loopbackOnlyFetch(input, init);
      const headers = new Headers(init?.headers);
      headers.delete('accept');
      const response = await loopbackOnlyFetch(input, { ...init, headers });
      answers.push(response.headers.get('content-type') ?? '');
      return response;
    };
    const opener = emulatorOpener(systemBrowser(), 'octo');
    const latchkey = await emulatorEngine(home, opener, { fetch: dropAccept });
    defer(() => latchkey.close());
    await latchkey.restore();

    const before = Date.now();
    const account = await latchkey.engine.signIn('github');
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(account).toMatchObject({ key: 'github:1001', name: 'Octo Cat', signedIn: true });
    // expires_in arrived as text and still gives the expiry.
    const expiresAt = Date.parse(account.accessTokenExpiresAt as string);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);
    const tokens = await vaultFor(home).get(account.key);
    expect(tokens).toMatchObject({ accessToken: expect.stringMatching(/^ghu_/), refreshToken: expect.stringMatching(/^ghr_/) });

    // A refresh through the same form-encoded answers, and a refusal in that form (HTTP 200 + error) ends the session.
    await latchkey.engine.refreshNow(account.key);
    expect((await vaultFor(home).get(account.key))?.refreshToken).not.toBe(tokens?.refreshToken);
    github.tokens.revokeGrant(github.tokens.find(tokens?.refreshToken)?.grantId as string, 'revoked');
    await expect(latchkey.engine.refreshNow(account.key)).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(latchkey.engine.getState().accounts[0]).toMatchObject({ signedIn: false, signedOutReason: expect.stringMatching(/The refresh token passed is incorrect or expired/) });
    expect(answers).toEqual(Array(3).fill('application/x-www-form-urlencoded; charset=utf-8'));
    for (const sent of tokenRequests(github)) expect(sent.headers['accept'] ?? '').not.toMatch(/json/);
  });
});

describe('latchkey CLI with preset: github', () => {
  it('login, status, token and logout against the emulator, each a separate process', async () => {
    assertCliBuilt();
    const github = await startEmulator();
    const home = await homeFor(github);
    // --config names the file; a LATCHKEY_CONFIG of the surroundings must not be what makes it work.
    const env = cliEnv(home, 'octo');
    delete env['LATCHKEY_CONFIG'];
    const latchkey = (...args: string[]): Promise<CliResult> => runCli(env, ...args, '--config', home.configPath);

    const login = await latchkey('login', '--provider', 'github');
    expect(login.stderr).toMatch(/Opening your browser to sign in with GitHub/);
    expect(login).toMatchObject({ code: 0, stdout: 'Signed in as Octo Cat <octo@github.example> via GitHub\n' });

    // A token that never expires: no expiry line; the session still ends after session.expiry_days without use.
    expect(await latchkey('status')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Signed in as Octo Cat <octo@github\.example> via GitHub \(account github:1001\) \(the active account\)\n {2}session ends on \S+ if not used before then \(session\.expiry_days\)\n$/),
    });

    const token = await latchkey('token');
    expect(token.code).toBe(0);
    const stored = await vaultFor(home).get('github:1001');
    expect(token.stdout).toBe(`${stored?.accessToken}\n`);
    expect(github.tokens.active(stored?.accessToken, 'access')).toMatchObject({ user: 'octo' });

    const logout = await latchkey('logout');
    expect(logout).toMatchObject({ code: 0, stdout: 'Signed out of github:1001. The provider revoked its tokens.\n' });
    expect(logout.stderr).toMatch(/GitHub has no sign-out page/);
    expect(github.revocations).toMatchObject([{ token: stored?.accessToken, status: 204 }]);
    expect(github.tokens.isRevoked(stored?.accessToken as string)).toBe(true);

    expect(await latchkey('status')).toMatchObject({ code: 1, stdout: 'Not signed in.\n' });
    expect((await accountsInYaml(home))['github:1001']).toMatchObject({ logged_in: false });
    expect(await vaultFor(home).get('github:1001')).toBeNull();
  });
});
