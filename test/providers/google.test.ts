/**
 * `preset: google` against the Google emulator (test/emulators/google.ts), with Chromium as the system
 * browser and the real keychain: the preset must get a refresh token the way Google documents it
 * (access_type=offline + prompt=consent, never the offline_access scope), authenticate with the desktop
 * client's secret, survive a new process, refresh, ask for the account chooser for a second account, and
 * revoke at sign-out while saying that Google has no sign-out page for apps.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { startGoogleEmulator } from '../emulators';
import { tempHome } from '../helpers/engine-fixture';
import { emulatorEngine, emulatorOpener, outsideRequests, vaultFor, writeProvidersConfig } from '../helpers/emulator-fixture';
import { useCleanups, useSystemBrowser } from '../helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

const CLIENT_ID = '1234-desktop.apps.googleusercontent.com';
const CLIENT_SECRET = 'GOCSPX-desktop-not-secret';

describe('preset: google', () => {
  it('signs in with access_type=offline, refreshes, restores in a new process, and revokes at sign-out', async () => {
    const google = await startGoogleEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, accessTokenTtlSeconds: 3600 });
    defer(() => google.close());
    const home = await tempHome();
    defer(home.cleanup);
    // The README's block, with `issuer:` pointing at the emulator.
    await writeProvidersConfig(home, `  google:\n    preset: google\n    issuer: ${google.issuer}\n    client_id: ${CLIENT_ID}\n    client_secret: ${CLIENT_SECRET}\n`);
    const opener = emulatorOpener(systemBrowser(), 'alice');
    const latchkey = await emulatorEngine(home, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    expect(latchkey.engine.listProviders()).toMatchObject([{ name: 'google', label: 'Google', mark: 'google' }]);

    const account = await latchkey.engine.signIn('google');
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(account).toMatchObject({ provider: 'google', name: 'Alice Example', email: 'alice@gmail.example', signedIn: true });
    expect(account.key).toBe('google:110169484474386276334');
    // The record keeps the https picture URL; summaries only ever carry a data: URL the app fetched.
    expect(account.picture ?? 'data:image/').toMatch(/^data:image\//);

    const request = google.lastAuthorizationRequest ?? {};
    expect(request['scope']?.split(' ')).toEqual(['openid', 'profile', 'email']);
    expect(request['access_type']).toBe('offline');
    expect(request['prompt']).toBe('consent');
    expect(request['code_challenge_method']).toBe('S256');
    // Google advertises both; basic keeps the secret out of request bodies.
    expect(google.clientAuthMethods.at(-1)).toBe('client_secret_basic');

    const tokens = await vaultFor(home).get(account.key);
    expect(tokens?.refreshToken).toBeTruthy();
    const doc = parse(await readFile(home.configPath, 'utf8'));
    expect(doc.credentials.usernames[account.key]).toMatchObject({ provider: 'google', subject: '110169484474386276334', logged_in: true, picture: expect.stringMatching(/^https:\/\//) });

    // A new process: signed in from disk, no request to Google.
    const requestsBefore = google.log.length;
    const second = await emulatorEngine(home, opener);
    defer(() => second.close());
    const restored = await second.restore();
    expect(restored.accounts.find((a) => a.key === account.key)?.signedIn).toBe(true);
    expect(google.log.length).toBe(requestsBefore);

    // Refresh: a new access token; Google keeps the refresh token (no rotation), and so does the vault.
    const refreshed = await second.engine.refreshNow(account.key);
    expect(refreshed.signedIn).toBe(true);
    const after = await vaultFor(home).get(account.key);
    expect(after?.accessToken).not.toBe(tokens?.accessToken);
    expect(after?.refreshToken).toBe(tokens?.refreshToken);

    // Sign-out: revoked at /revoke; no sign-out page, said so.
    const result = await second.engine.signOut({ accountKey: account.key });
    expect(result).toMatchObject({ revoked: true, revocation: 'revoked', endSessionAvailable: false });
    expect(result.endSessionNote).toMatch(/Google has no sign-out page/);
    expect(google.tokens.isRevoked(tokens?.refreshToken as string)).toBe(true);
    expect(await vaultFor(home).get(account.key)).toBeNull();
    expect(outsideRequests).toEqual([]);
  });

  it('asks for the account chooser when another Google account is added', async () => {
    const google = await startGoogleEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    defer(() => google.close());
    const home = await tempHome();
    defer(home.cleanup);
    await writeProvidersConfig(home, `  google:\n    preset: google\n    issuer: ${google.issuer}\n    client_id: ${CLIENT_ID}\n    client_secret: ${CLIENT_SECRET}\n`);
    const users = ['alice', 'bob'];
    const opener = emulatorOpener(systemBrowser(), () => users.shift() as string);
    const latchkey = await emulatorEngine(home, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    const alice = await latchkey.engine.signIn('google');
    const bob = await latchkey.engine.signIn('google');
    await opener.settled();
    expect(opener.failures).toEqual([]);
    expect(alice.key).not.toBe(bob.key);
    expect(google.prompts).toEqual(['consent', 'consent select_account']);
    expect(latchkey.engine.getState().accounts.filter((a) => a.signedIn)).toHaveLength(2);
  });
});
