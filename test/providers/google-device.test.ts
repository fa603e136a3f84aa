/**
 * `preset: google` signing in on another device against the Google emulator's device flow (built from "OAuth
 * 2.0 for TV and Limited-Input Device Applications"): Google names the page `verification_url`, answers polls
 * with 428 authorization_pending and 403 access_denied, and lets only a "TVs and Limited Input devices" client
 * in. Chromium plays the phone that types the code; the real keychain and real files keep the account.
 */
import { describe, expect, it } from 'vitest';
import type { Latchkey } from '../../src/main/app';
import { startGoogleEmulator, type GoogleEmulator } from '../emulators';
import type { TempHome } from '../helpers/engine-fixture';
import { vaultFor } from '../helpers/emulator-fixture';
import { accountsInYaml, deviceEngine, deviceProgress, enterCode, failure } from '../helpers/device-emulator';
import { readQrSvg } from '../helpers/qr-reader';
import { useCleanups, useSystemBrowser } from '../helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

const CLIENT_ID = '5678-tv.apps.googleusercontent.com';
const CLIENT_SECRET = 'GOCSPX-tv-client-secret';

async function setup(clientType: 'desktop' | 'limited-input'): Promise<{ google: GoogleEmulator; home: TempHome; latchkey: Latchkey }> {
  const google = await startGoogleEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, clientType, deviceFlow: { intervalSeconds: 1 } });
  defer(() => google.close());
  const { home, latchkey } = await deviceEngine(`  google-tv:\n    preset: google\n    label: Google (TV client)\n    issuer: ${google.issuer}\n    client_id: ${CLIENT_ID}\n    client_secret: ${CLIENT_SECRET}\n`, defer);
  return { google, home, latchkey };
}

describe('preset: google, signing in on another device', () => {
  it('reads verification_url, waits through 428 authorization_pending, and keeps the account with its ID token and refresh token', async () => {
    const { google, home, latchkey } = await setup('limited-input');
    expect(latchkey.engine.listProviders()).toMatchObject([{ name: 'google-tv', deviceFlow: true }]);
    const signingIn = latchkey.engine.signInWithDevice('google-tv');
    const progress = await deviceProgress(latchkey);
    expect(progress.verificationUri).toBe(`${google.issuer}/device`);
    expect(progress.verificationUriComplete).toBeUndefined();
    expect(await readQrSvg(progress.qrSvg)).toBe(progress.verificationUri);
    await expect.poll(() => google.device.polls.length, { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    expect(await enterCode(systemBrowser(), 'Google', progress.verificationUri, progress.userCode, 'alice')).toMatch(/Success/);
    const account = await signingIn;
    expect(account).toMatchObject({ provider: 'google-tv', name: 'Alice Example', email: 'alice@gmail.example', signedIn: true });
    expect(account.key).toBe('google-tv:110169484474386276334');
    expect(new Set(google.device.polls.slice(0, -1))).toEqual(new Set(['authorization_pending']));
    expect((await accountsInYaml(home))[account.key]).toMatchObject({ email: 'alice@gmail.example', logged_in: true });
    const tokens = await vaultFor(home).get(account.key);
    expect(tokens?.idToken).toBeTruthy();
    expect(tokens?.refreshToken).toMatch(/^1\/\/0g/);
    // The client secret went with every poll, as Google wants it.
    expect(google.clientAuthMethods.every((method) => method !== 'none')).toBe(true);
  });

  it('Deny on Google\'s page (403 access_denied) ends the sign-in with access_denied and keeps nothing', async () => {
    const { home, latchkey } = await setup('limited-input');
    const signingIn = latchkey.engine.signInWithDevice('google-tv');
    const progress = await deviceProgress(latchkey);
    expect(await enterCode(systemBrowser(), 'Google', progress.verificationUri, progress.userCode, 'deny')).toMatch(/denied/);
    expect((await failure(signingIn)).code).toBe('access_denied');
    expect(await accountsInYaml(home)).toEqual({});
  });

  it('a desktop client is refused by Google with invalid_client, and the hint names the client type to register', async () => {
    const { latchkey } = await setup('desktop');
    const error = await failure(latchkey.engine.signInWithDevice('google-tv'));
    expect(error.code).toBe('invalid_client');
    expect(error.hint).toMatch(/TVs and Limited Input devices/);
  });
});
