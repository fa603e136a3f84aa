/**
 * `preset: google` signing in on another device against the Google emulator's device flow (built from "OAuth
 * 2.0 for TV and Limited-Input Device Applications"): Google names the page `verification_url`, answers polls
 * with 428 authorization_pending and 403 access_denied, and lets only a "TVs and Limited Input devices" client
 * in. Chromium plays the phone that types the code; the real keychain and real files keep the account.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Latchkey } from '../../src/main/app';
import { isAuthError, type AuthError } from '../../src/shared/errors';
import type { DeviceSignInProgress } from '../../src/shared/session';
import { startGoogleEmulator, type GoogleEmulator } from '../emulators';
import { tempHome, type TempHome } from '../helpers/engine-fixture';
import { emulatorEngine, vaultFor, writeProvidersConfig } from '../helpers/emulator-fixture';
import { readQrSvg } from '../helpers/qr-reader';
import { useCleanups, useSystemBrowser } from '../helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

const CLIENT_ID = '5678-tv.apps.googleusercontent.com';
const CLIENT_SECRET = 'GOCSPX-tv-client-secret';

async function setup(clientType: 'desktop' | 'limited-input'): Promise<{ google: GoogleEmulator; home: TempHome; latchkey: Latchkey }> {
  const google = await startGoogleEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, clientType, deviceFlow: { intervalSeconds: 1 } });
  defer(() => google.close());
  const home = await tempHome();
  defer(home.cleanup);
  await writeProvidersConfig(home, `  google-tv:\n    preset: google\n    label: Google (TV client)\n    issuer: ${google.issuer}\n    client_id: ${CLIENT_ID}\n    client_secret: ${CLIENT_SECRET}\n`);
  const latchkey = await emulatorEngine(home, {
    openBrowser: async (url) => {
      throw new Error(`no browser may be opened by a sign-in on another device (asked for ${url})`);
    },
  });
  defer(() => latchkey.close());
  await latchkey.restore();
  return { google, home, latchkey };
}

function deviceProgress(latchkey: Latchkey): Promise<DeviceSignInProgress> {
  return new Promise((resolve) => {
    const stop = latchkey.engine.onStateChange((state) => {
      if (state.deviceSignIn) {
        stop();
        resolve(state.deviceSignIn);
      }
    });
  });
}

async function failure(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the sign-in to fail');
    },
    (e: unknown) => e,
  );
  if (!isAuthError(error)) throw error;
  return error;
}

async function accountsInYaml(home: TempHome): Promise<Record<string, Record<string, unknown>>> {
  const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials: { usernames: Record<string, Record<string, unknown>> | null } };
  return doc.credentials.usernames ?? {};
}

async function enterCode(url: string, code: string, user: string | 'deny'): Promise<string> {
  const page = await systemBrowser().newPage();
  await page.goto(url, { waitUntil: 'load' });
  if ((await page.getAttribute('body', 'data-emulator')) !== 'device') throw new Error(`not Google's device page: ${await page.innerText('body')}`);
  await page.fill('input[name="user_code"]', code);
  const button = user === 'deny' ? 'button[name="deny"]' : `button[name="user"][value="${user}"]`;
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(button)]);
  return page.innerText('body');
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
    expect(await enterCode(progress.verificationUri, progress.userCode, 'alice')).toMatch(/Success/);
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
    expect(await enterCode(progress.verificationUri, progress.userCode, 'deny')).toMatch(/denied/);
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
