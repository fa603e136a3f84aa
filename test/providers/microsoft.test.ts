/**
 * `preset: microsoft` against the Microsoft identity platform emulator (test/emulators/microsoft.ts), with
 * Chromium as the system browser, the real keychain and real files. What the preset must get right:
 * - the multi-tenant authorities publish the issuer as the `{tenantid}` template, so each ID token is checked
 *   against the template filled with its own `tid` (two tenants' users become two accounts), and an ID token
 *   whose `iss` names another tenant than its `tid` is refused — the token answer arrives over TLS for real,
 *   so its signature is not checked and that comparison is the only thing that catches it;
 * - `consumers` takes personal accounts only;
 * - every refresh rotates the refresh token, and the spent one is refused afterwards, so the new one must be
 *   on disk before it is used; a new process restores from disk without asking Microsoft;
 * - there is no revocation endpoint (said so), but a sign-out page that gets a valid `id_token_hint`, which
 *   never appears in what sign-out returns;
 * - the `latchkey` command does all of it as separate processes.
 */
import { readFile } from 'node:fs/promises';

import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONTOSO_TENANT_ID, FABRIKAM_TENANT_ID, MSA_TENANT_ID, startMicrosoftEmulator, type MicrosoftEmulator } from '../emulators';
import { assertCliBuilt, cliEnv, runCli, type CliResult } from '../helpers/cli-runner';
import { tempHome, type TempHome } from '../helpers/engine-fixture';
import { emulatorEngine, emulatorOpener, loopbackOnlyFetch, vaultFor, writeProvidersConfig } from '../helpers/emulator-fixture';
import { useCleanups, useSystemBrowser } from '../helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

const CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';

/** The ID token's claims, read without verification (the test looks at what the emulator issued). */
function claimsOf(idToken: string | undefined): Record<string, unknown> {
  const payload = idToken?.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function startEmulator(): Promise<MicrosoftEmulator> {
  const microsoft = await startMicrosoftEmulator({ clientId: CLIENT_ID });
  defer(() => microsoft.close());
  return microsoft;
}

/** A temp data folder whose config.yaml has the README's Microsoft entry, `authority:` pointing at the emulator. */
async function homeFor(microsoft: MicrosoftEmulator, tenant?: string): Promise<TempHome> {
  const home = await tempHome();
  defer(home.cleanup);
  await writeProvidersConfig(
    home,
    `  microsoft:\n    preset: microsoft\n    client_id: ${CLIENT_ID}\n${tenant ? `    tenant: ${tenant}\n` : ''}    authority: ${microsoft.url}\n`,
  );
  return home;
}

async function accountsInYaml(home: TempHome): Promise<Record<string, Record<string, unknown>>> {
  const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials: { usernames: Record<string, Record<string, unknown>> | null } };
  return doc.credentials.usernames ?? {};
}

/** A refresh token presented again, straight at the emulator's token endpoint (public client: no secret). */
async function redeemRefreshToken(microsoft: MicrosoftEmulator, tenant: string, refreshToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${microsoft.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('preset: microsoft', () => {
  it('tenant organizations: users of two tenants sign in, each ID token checked against the issuer of its own tid', async () => {
    const microsoft = await startEmulator();
    const home = await homeFor(microsoft, 'organizations');
    const users = ['ada', 'bert'];
    const opener = emulatorOpener(systemBrowser(), () => users.shift() as string);
    const latchkey = await emulatorEngine(home, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    expect(latchkey.engine.listProviders()).toMatchObject([{ name: 'microsoft', label: 'Microsoft', mark: 'microsoft' }]);
    // The authority's discovery document names the template, not a tenant.
    expect(microsoft.issuerFor('organizations')).toBe(`${microsoft.url}/{tenantid}/v2.0`);

    const ada = await latchkey.engine.signIn('microsoft');
    const bert = await latchkey.engine.signIn('microsoft');
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(ada).toMatchObject({ provider: 'microsoft', name: 'Ada Lovelace', email: 'ada@contoso.example', signedIn: true });
    expect(bert).toMatchObject({ provider: 'microsoft', name: 'Bert Fabrikam', signedIn: true });
    expect(bert.email).toBeUndefined();
    expect(ada.key).not.toBe(bert.key);

    // Both requests went to the organizations authority, with PKCE, the default scopes and no secret.
    expect(microsoft.authorizationRequests.map((r) => r.tenant)).toEqual(['organizations', 'organizations']);
    const request = microsoft.authorizationRequests[0] ?? { tenant: '' };
    expect(request['scope']?.split(' ')).toEqual(['openid', 'profile', 'email', 'offline_access']);
    expect(request['code_challenge_method']).toBe('S256');
    expect(microsoft.authorizationRequests[1]?.['prompt']?.split(' ')).toContain('select_account');
    expect(microsoft.clientAuthMethods).toEqual(['none', 'none']);

    // Each session's ID token names its own tenant in iss and tid; the account is keyed by its pairwise sub.
    const vault = vaultFor(home);
    const expected = [
      { account: ada, tenant: CONTOSO_TENANT_ID },
      { account: bert, tenant: FABRIKAM_TENANT_ID },
    ];
    const yaml = await accountsInYaml(home);
    for (const { account, tenant } of expected) {
      const tokens = await vault.get(account.key);
      expect(tokens?.refreshToken).toBeTruthy();
      const claims = claimsOf(tokens?.idToken);
      expect(claims).toMatchObject({ iss: `${microsoft.url}/${tenant}/v2.0`, tid: tenant, aud: CLIENT_ID });
      expect(account.key).toBe(`microsoft:${claims['sub'] as string}`);
      expect(yaml[account.key]).toMatchObject({ provider: 'microsoft', subject: claims['sub'], name: account.name, logged_in: true });
    }
    expect(Object.keys(yaml).sort()).toEqual([ada.key, bert.key].sort());
    expect(latchkey.engine.getState().accounts.filter((a) => a.signedIn)).toHaveLength(2);
  });

  it('rotates the refresh token at every refresh, the spent one is refused, and a new process restores without a request', async () => {
    const microsoft = await startEmulator();
    const home = await homeFor(microsoft);
    const opener = emulatorOpener(systemBrowser(), 'ada');
    const latchkey = await emulatorEngine(home, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    const account = await latchkey.engine.signIn('microsoft');
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(microsoft.lastAuthorizationRequest?.tenant).toBe('common');
    const vault = vaultFor(home);
    const signedIn = await vault.get(account.key);

    const refreshed = await latchkey.engine.refreshNow(account.key);
    expect(refreshed.signedIn).toBe(true);
    const rotated = await vault.get(account.key);
    expect(rotated?.refreshToken).toBeTruthy();
    expect(rotated?.refreshToken).not.toBe(signedIn?.refreshToken);
    expect(rotated?.accessToken).not.toBe(signedIn?.accessToken);
    // The refresh answer's ID token passed the same per-tid issuer check.
    expect(claimsOf(rotated?.idToken)).toMatchObject({ iss: `${microsoft.url}/${CONTOSO_TENANT_ID}/v2.0`, tid: CONTOSO_TENANT_ID });
    expect((await accountsInYaml(home))[account.key]?.['last_refresh']).toEqual(expect.any(String));

    // The spent refresh token is refused (AADSTS70000), so keeping it would have ended the session.
    const reuse = await redeemRefreshToken(microsoft, 'common', signedIn?.refreshToken as string);
    expect(reuse.status).toBe(400);
    expect(reuse.body).toMatchObject({ error: 'invalid_grant', error_codes: [70000] });
    expect(String(reuse.body['error_description'])).toMatch(/already used/);

    // A new process: signed in from disk, nothing asked of the provider.
    const requestsBefore = microsoft.log.length;
    const second = await emulatorEngine(home, opener);
    defer(() => second.close());
    const restored = await second.restore();
    expect(restored.accounts.find((a) => a.key === account.key)).toMatchObject({ signedIn: true, stale: false });
    expect(microsoft.log.length).toBe(requestsBefore);

    // ... and it refreshes with the rotated token it read from the keychain.
    await second.engine.refreshNow(account.key);
    const again = await vault.get(account.key);
    expect(again?.refreshToken).not.toBe(rotated?.refreshToken);
    expect(microsoft.tokens.find(rotated?.refreshToken)).toMatchObject({ revoked: true, revokedBecause: 'rotated' });
    expect(microsoft.tokens.active(again?.refreshToken, 'refresh')).toBeDefined();
  });

  it('tenant consumers: a personal account signs in; a work account is refused with a code and nothing is kept', async () => {
    const microsoft = await startEmulator();
    const home = await homeFor(microsoft, 'consumers');
    const users = ['carol', 'ada'];
    const opener = emulatorOpener(systemBrowser(), () => users.shift() as string);
    const latchkey = await emulatorEngine(home, opener);
    defer(() => latchkey.close());
    await latchkey.restore();

    const carol = await latchkey.engine.signIn('microsoft');
    expect(carol).toMatchObject({ name: 'Carol Outlook', email: 'carol@outlook.example', signedIn: true });
    const tokens = await vaultFor(home).get(carol.key);
    expect(claimsOf(tokens?.idToken)).toMatchObject({ iss: `${microsoft.url}/${MSA_TENANT_ID}/v2.0`, tid: MSA_TENANT_ID });
    const yamlBefore = await readFile(home.configPath, 'utf8');

    await expect(latchkey.engine.signIn('microsoft')).rejects.toMatchObject({ name: 'AuthError', code: 'access_denied' });
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(microsoft.authorizationRequests.map((r) => r.tenant)).toEqual(['consumers', 'consumers']);
    // The browser was told, and the emulator issued no tokens for ada.
    expect(opener.results.at(-1)).toMatch(/declined|AADSTS50020/);
    expect(microsoft.tokens.accessTokens.map((t) => t.user)).toEqual(['carol']);
    expect(await readFile(home.configPath, 'utf8')).toBe(yamlBefore);
    expect(Object.keys(await accountsInYaml(home))).toEqual([carol.key]);
    const state = latchkey.engine.getState();
    expect(state.lastSignInError?.code).toBe('access_denied');
    expect(state.accounts).toHaveLength(1);
  });

  it('refuses an ID token whose iss names another tenant than its tid, and keeps nothing', async () => {
    const microsoft = await startEmulator();
    const home = await homeFor(microsoft, 'organizations');
    // The token answer as a network attacker (or a confused proxy) could change it: Ada of Contoso, claiming
    // Fabrikam's issuer. The signature stays the original's and is not what catches it.
    let tamper = true;
    const issuedIdTokens: string[] = [];
    const tampering: typeof fetch = async (input, init) => {
      const response = await loopbackOnlyFetch(input, init);
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      if (!url.pathname.endsWith('/oauth2/v2.0/token') || response.status !== 200) return response;
      const body = (await response.json()) as { id_token?: string };
      if (body.id_token) {
        issuedIdTokens.push(body.id_token);
        if (tamper) {
          const [header, payload, signature] = body.id_token.split('.');
          const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString('utf8')) as Record<string, unknown>;
          claims['iss'] = `${microsoft.url}/${FABRIKAM_TENANT_ID}/v2.0`;
          body.id_token = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
        }
      }
      return new Response(JSON.stringify(body), { status: response.status, headers: { 'content-type': 'application/json; charset=utf-8' } });
    };
    const opener = emulatorOpener(systemBrowser(), 'ada');
    const latchkey = await emulatorEngine(home, opener, { fetch: tampering });
    defer(() => latchkey.close());
    await latchkey.restore();

    const refusal = await latchkey.engine.signIn('microsoft').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toMatchObject({ name: 'AuthError', code: 'invalid_callback' });
    // The refusal comes from the issuer comparison (the library's error, kept as the cause, names the claim).
    const causes: unknown[] = [];
    for (let e = refusal as { cause?: unknown } | undefined; e && causes.length < 6; e = e.cause as typeof e) causes.push(e);
    expect(causes).toContainEqual(expect.objectContaining({ claim: 'iss', expected: `${microsoft.url}/${CONTOSO_TENANT_ID}/v2.0` }));
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(opener.results.at(-1)).toMatch(/Sign-in failed/);
    expect(issuedIdTokens).toHaveLength(1);
    const sub = claimsOf(issuedIdTokens[0])['sub'] as string;
    expect(await accountsInYaml(home)).toEqual({});
    expect(await vaultFor(home).get(`microsoft:${sub}`)).toBeNull();
    expect(latchkey.engine.getState().accounts).toEqual([]);

    // The same path without the change signs in: the refusal was the issuer check and nothing else.
    tamper = false;
    const account = await latchkey.engine.signIn('microsoft');
    await opener.settled();
    expect(account).toMatchObject({ key: `microsoft:${sub}`, signedIn: true });
  });

  it('sign-out: nothing to revoke (said so), and the sign-out page gets a valid id_token_hint that sign-out never returns', async () => {
    const microsoft = await startEmulator();
    const home = await homeFor(microsoft);
    const opener = emulatorOpener(systemBrowser(), 'ada');
    const latchkey = await emulatorEngine(home, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    const account = await latchkey.engine.signIn('microsoft');
    await opener.settled();
    const idToken = (await vaultFor(home).get(account.key))?.idToken as string;
    expect(idToken).toBeTruthy();

    const result = await latchkey.engine.signOut({ accountKey: account.key });
    expect(result).toMatchObject({ accountKey: account.key, revoked: false, revocation: 'not_supported', endSessionAvailable: true });
    expect(result.revocationDetail).toMatch(/Microsoft has no token revocation endpoint/);
    expect(result.endSessionNote).toBeUndefined();
    const serialized = JSON.stringify(result);
    expect(serialized).not.toContain(idToken);
    expect(serialized).not.toMatch(/eyJ|id_token/);
    expect(await vaultFor(home).get(account.key)).toBeNull();
    expect((await accountsInYaml(home))[account.key]).toMatchObject({ logged_in: false });
    expect(microsoft.logouts).toEqual([]);

    await latchkey.engine.openEndSession(account.key);
    await opener.settled();
    expect(opener.failures).toEqual([]);
    const opened = new URL(opener.opened.at(-1) as string);
    expect(`${opened.origin}${opened.pathname}`).toBe(`${microsoft.url}/common/oauth2/v2.0/logout`);
    expect(microsoft.logouts).toHaveLength(1);
    expect(microsoft.logouts[0]).toMatchObject({ tenant: 'common', validIdTokenHint: true, params: { id_token_hint: idToken, client_id: CLIENT_ID } });
    expect(opener.results.at(-1)).toMatch(/You signed out/);
    // One use: the URL with the ID token is forgotten once opened.
    await expect(latchkey.engine.openEndSession(account.key)).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('latchkey CLI with preset: microsoft', () => {
  it('login, status, token and logout against the emulator, each a separate process', async () => {
    assertCliBuilt();
    const microsoft = await startEmulator();
    const home = await homeFor(microsoft, 'organizations');
    // --config names the file; a LATCHKEY_CONFIG of the surroundings must not be what makes it work.
    const env = cliEnv(home, 'ada');
    delete env['LATCHKEY_CONFIG'];
    const latchkey = (...args: string[]): Promise<CliResult> => runCli(env, ...args, '--config', home.configPath);

    const login = await latchkey('login', '--provider', 'microsoft');
    expect(login.stderr).toMatch(/Opening your browser to sign in with Microsoft/);
    expect(login).toMatchObject({ code: 0, stdout: 'Signed in as Ada Lovelace <ada@contoso.example> via Microsoft\n' });
    const key = Object.keys(await accountsInYaml(home))[0] as string;
    expect(key).toMatch(/^microsoft:/);

    const status = await latchkey('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^Signed in as Ada Lovelace <ada@contoso\\.example> via Microsoft \\(account ${key}\\) \\(the active account\\)\\n  access token valid until `));

    const token = await latchkey('token');
    expect(token.code).toBe(0);
    const stored = await vaultFor(home).get(key);
    expect(token.stdout).toBe(`${stored?.accessToken}\n`);
    expect(microsoft.tokens.active(stored?.accessToken, 'access')).toMatchObject({ user: 'ada' });

    const logout = await latchkey('logout');
    expect(logout).toMatchObject({ code: 0, stdout: `Signed out of ${key}.\n` });
    expect(logout.stderr).toMatch(/Not revoked at the provider: Microsoft has no token revocation endpoint/);
    expect(logout.stderr).toMatch(/Opened the provider's sign-out page in your browser/);
    expect(logout.stdout + logout.stderr).not.toContain(stored?.idToken as string);
    // The browser runs detached from the CLI: wait for it to reach the sign-out page.
    await expect.poll(() => microsoft.logouts.length, { timeout: 15_000, interval: 100 }).toBe(1);
    expect(microsoft.logouts[0]).toMatchObject({ tenant: 'organizations', validIdTokenHint: true });

    expect(await latchkey('status')).toMatchObject({ code: 1, stdout: 'Not signed in.\n' });
    expect((await accountsInYaml(home))[key]).toMatchObject({ logged_in: false });
    expect(await vaultFor(home).get(key)).toBeNull();
  });
});
