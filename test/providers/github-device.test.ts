/**
 * `latchkey login --device` with `preset: github` against the GitHub emulator's device flow (built from GitHub's
 * "Authorizing OAuth apps → Device flow"): the device code request and every poll answered GitHub's way (HTTP 200
 * + `error`, form-encoded unless JSON is asked for), the code typed at /login/device by Chromium playing the
 * phone, the real keychain and real files. GitHub offers no page with the code filled in, so the QR code holds
 * the page itself.
 */
import { describe, expect, it } from 'vitest';
import type { Latchkey } from '../../src/main/app';
import { startGitHubEmulator, type GitHubEmulator, type GitHubEmulatorOptions } from '../emulators';
import type { TempHome } from '../helpers/engine-fixture';
import { vaultFor } from '../helpers/emulator-fixture';
import { accountsInYaml, deviceEngine, deviceProgress, enterCode, failure } from '../helpers/device-emulator';
import { readQrSvg } from '../helpers/qr-reader';
import { useCleanups, useSystemBrowser } from '../helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

const CLIENT_ID = 'Iv1.8a61f9b3a7aba766';
const CLIENT_SECRET = '1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e';

async function setup(options: Partial<GitHubEmulatorOptions> = {}): Promise<{ github: GitHubEmulator; home: TempHome; latchkey: Latchkey }> {
  const github = await startGitHubEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, mode: 'oauth-app', deviceFlow: { intervalSeconds: 1 }, ...options });
  defer(() => github.close());
  const { home, latchkey } = await deviceEngine(`  github:\n    preset: github\n    client_id: ${CLIENT_ID}\n    client_secret: ${CLIENT_SECRET}\n    host: ${github.url}\n`, defer);
  return { github, home, latchkey };
}

describe('preset: github, signing in on another device', () => {
  it('the code typed at /login/device signs in; GitHub\'s 200 + error polling answers are read as RFC 8628; kept like a browser sign-in', async () => {
    const { github, home, latchkey } = await setup();
    expect(latchkey.engine.listProviders()).toMatchObject([{ name: 'github', deviceFlow: true }]);
    const signingIn = latchkey.engine.signInWithDevice('github');
    const progress = await deviceProgress(latchkey);
    expect(progress.verificationUri).toBe(`${github.url}/login/device`);
    expect(progress.verificationUriComplete).toBeUndefined();
    expect(progress.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(progress.interval).toBe(1);
    // No page with the code filled in: the QR code holds the page.
    expect(await readQrSvg(progress.qrSvg)).toBe(progress.verificationUri);
    // Let a few polls be answered "pending" (HTTP 200 + error at GitHub) before the person acts.
    await expect.poll(() => github.device.polls.length, { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    expect(await enterCode(systemBrowser(), 'GitHub', progress.verificationUri, progress.userCode, 'octo')).toMatch(/all set/);
    const account = await signingIn;
    expect(account).toMatchObject({ provider: 'github', name: 'Octo Cat', email: 'octo@github.example', signedIn: true });
    expect(github.device.polls.at(-1)).toBe('tokens');
    expect(new Set(github.device.polls.slice(0, -1))).toEqual(new Set(['authorization_pending']));
    const records = await accountsInYaml(home);
    expect(records[account.key]).toMatchObject({ provider: 'github', email: 'octo@github.example', logged_in: true });
    const tokens = await vaultFor(home).get(account.key);
    expect(tokens?.accessToken).toMatch(/^gho_/);
    expect(github.tokens.find(tokens?.accessToken)?.scope).toEqual(['read:user', 'user:email']);
  });

  it('Cancel on GitHub\'s page ends the sign-in with access_denied, and nothing is kept', async () => {
    const { home, latchkey } = await setup();
    const signingIn = latchkey.engine.signInWithDevice('github');
    const progress = await deviceProgress(latchkey);
    expect(await enterCode(systemBrowser(), 'GitHub', progress.verificationUri, progress.userCode, 'deny')).toMatch(/cancelled/);
    expect((await failure(signingIn)).code).toBe('access_denied');
    expect(await accountsInYaml(home)).toEqual({});
  });

  it('a code left until it expires ends with timeout (GitHub\'s expired_token)', async () => {
    const { github, home, latchkey } = await setup();
    const signingIn = latchkey.engine.signInWithDevice('github');
    await deviceProgress(latchkey);
    // GitHub's 15 minutes, passed on the emulator's clock.
    github.advanceTime(901);
    const error = await failure(signingIn);
    expect(error.code).toBe('timeout');
    expect(github.device.polls.at(-1)).toBe('expired_token');
    expect(await accountsInYaml(home)).toEqual({});
  });

  it('an app without "Enable Device Flow" is refused with invalid_client and the setting to change', async () => {
    const { latchkey } = await setup({ deviceFlow: { enabled: false } });
    const error = await failure(latchkey.engine.signInWithDevice('github'));
    expect(error.code).toBe('invalid_client');
    expect(error.hint).toMatch(/Enable Device Flow/);
    expect(latchkey.engine.getState().lastSignInError?.code).toBe('invalid_client');
  });
});

describe('the GitHub emulator\'s device flow answers as GitHub documents', () => {
  it('form-encoded unless JSON is asked for, errors with HTTP 200, slow_down five seconds longer with the new interval', async () => {
    const github = await startGitHubEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, mode: 'oauth-app', deviceFlow: { intervalSeconds: 2 } });
    defer(() => github.close());
    const post = (path: string, body: Record<string, string>, accept?: string) =>
      fetch(`${github.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(accept ? { accept } : {}) }, body: new URLSearchParams(body) });
    const start = await post('/login/device/code', { client_id: CLIENT_ID, scope: 'read:user' });
    expect(start.status).toBe(200);
    expect(start.headers.get('content-type')).toMatch(/application\/x-www-form-urlencoded/);
    const fields = new URLSearchParams(await start.text());
    expect(fields.get('verification_uri')).toBe(`${github.url}/login/device`);
    expect(fields.get('expires_in')).toBe('900');
    expect(fields.get('interval')).toBe('2');
    const poll = async () => (await post('/login/oauth/access_token', { client_id: CLIENT_ID, device_code: fields.get('device_code') as string, grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }, 'application/json')).json() as Promise<Record<string, unknown>>;
    expect(await poll()).toMatchObject({ error: 'authorization_pending' });
    expect(await poll()).toMatchObject({ error: 'slow_down', interval: 7 });
    const unknown = await post('/login/oauth/access_token', { client_id: CLIENT_ID, device_code: 'nope', grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }, 'application/json');
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ error: 'incorrect_device_code' });
  });
});
