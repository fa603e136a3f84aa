/**
 * `preset: microsoft` signing in on another device against the Microsoft emulator's device code flow (built
 * from "Microsoft identity platform and the OAuth 2.0 device authorization grant flow"): the `common` tenant's
 * templated issuer (`{tenantid}`) is checked against the user's tenant in the ID token, through the same
 * grant() as the browser flow; the person's refusal arrives as Microsoft's `authorization_declined`. Chromium
 * plays the phone; the real keychain and real files keep the account.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Latchkey } from '../../src/main/app';
import { isAuthError, type AuthError } from '../../src/shared/errors';
import type { DeviceSignInProgress } from '../../src/shared/session';
import { CONTOSO_TENANT_ID, startMicrosoftEmulator, type MicrosoftEmulator } from '../emulators';
import { tempHome, type TempHome } from '../helpers/engine-fixture';
import { emulatorEngine, vaultFor, writeProvidersConfig } from '../helpers/emulator-fixture';
import { readQrSvg } from '../helpers/qr-reader';
import { useCleanups, useSystemBrowser } from '../helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

const CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';

async function setup(tenant?: string): Promise<{ microsoft: MicrosoftEmulator; home: TempHome; latchkey: Latchkey }> {
  const microsoft = await startMicrosoftEmulator({ clientId: CLIENT_ID, deviceIntervalSeconds: 1 });
  defer(() => microsoft.close());
  const home = await tempHome();
  defer(home.cleanup);
  await writeProvidersConfig(home, `  microsoft:\n    preset: microsoft\n    client_id: ${CLIENT_ID}\n${tenant ? `    tenant: ${tenant}\n` : ''}    authority: ${microsoft.url}\n`);
  const latchkey = await emulatorEngine(home, {
    openBrowser: async (url) => {
      throw new Error(`no browser may be opened by a sign-in on another device (asked for ${url})`);
    },
  });
  defer(() => latchkey.close());
  await latchkey.restore();
  return { microsoft, home, latchkey };
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

async function enterCode(url: string, code: string, user: string | 'deny'): Promise<string> {
  const page = await systemBrowser().newPage();
  await page.goto(url, { waitUntil: 'load' });
  if ((await page.getAttribute('body', 'data-emulator')) !== 'device') throw new Error(`not Microsoft's device page: ${await page.innerText('body')}`);
  await page.fill('input[name="user_code"]', code);
  const button = user === 'deny' ? 'button[name="deny"]' : `button[name="user"][value="${user}"]`;
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(button)]);
  return page.innerText('body');
}

describe('preset: microsoft, signing in on another device', () => {
  it('common: the templated issuer is filled with the user\'s tenant and checked; the account is kept with its refresh token', async () => {
    const { microsoft, home, latchkey } = await setup();
    const signingIn = latchkey.engine.signInWithDevice('microsoft');
    const progress = await deviceProgress(latchkey);
    expect(progress.verificationUri).toBe(`${microsoft.url}/devicelogin`);
    expect(progress.verificationUriComplete).toBeUndefined();
    expect(progress.userCode).toMatch(/^[A-Z0-9]{9}$/);
    expect(await readQrSvg(progress.qrSvg)).toBe(progress.verificationUri);
    await expect.poll(() => microsoft.devicePolls.length, { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    expect(await enterCode(progress.verificationUri, progress.userCode, 'ada')).toMatch(/signed in/);
    const account = await signingIn;
    expect(account).toMatchObject({ provider: 'microsoft', name: 'Ada Lovelace', email: 'ada@contoso.example', signedIn: true });
    expect(new Set(microsoft.devicePolls.slice(0, -1))).toEqual(new Set(['authorization_pending']));
    const tokens = await vaultFor(home).get(account.key);
    const idClaims = JSON.parse(Buffer.from((tokens?.idToken ?? '').split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: string; tid?: string };
    expect(idClaims).toMatchObject({ iss: `${microsoft.url}/${CONTOSO_TENANT_ID}/v2.0`, tid: CONTOSO_TENANT_ID });
    expect(tokens?.refreshToken).toBeTruthy();
    const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials: { usernames: Record<string, Record<string, unknown>> } };
    expect(doc.credentials.usernames[account.key]).toMatchObject({ email: 'ada@contoso.example', logged_in: true });
    // Public client: no secret on any request.
    expect(microsoft.clientAuthMethods.every((method) => method === 'none')).toBe(true);
  });

  it('Cancel on Microsoft\'s page (authorization_declined) ends the sign-in with access_denied', async () => {
    const { home, latchkey } = await setup('organizations');
    const signingIn = latchkey.engine.signInWithDevice('microsoft');
    const progress = await deviceProgress(latchkey);
    expect(await enterCode(progress.verificationUri, progress.userCode, 'deny')).toMatch(/cancelled/);
    expect((await failure(signingIn)).code).toBe('access_denied');
    const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials: { usernames: Record<string, unknown> | null } };
    expect(doc.credentials.usernames ?? {}).toEqual({});
  });
});
