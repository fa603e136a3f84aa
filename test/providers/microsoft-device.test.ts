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
import { CONTOSO_TENANT_ID, startMicrosoftEmulator, type MicrosoftEmulator } from '../emulators';
import type { TempHome } from '../helpers/engine-fixture';
import { vaultFor } from '../helpers/emulator-fixture';
import { deviceEngine, deviceProgress, enterCode, failure } from '../helpers/device-emulator';
import { readQrSvg } from '../helpers/qr-reader';
import { useCleanups, useSystemBrowser } from '../helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();

const CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';

async function setup(tenant?: string): Promise<{ microsoft: MicrosoftEmulator; home: TempHome; latchkey: Latchkey }> {
  const microsoft = await startMicrosoftEmulator({ clientId: CLIENT_ID, deviceIntervalSeconds: 1 });
  defer(() => microsoft.close());
  const { home, latchkey } = await deviceEngine(`  microsoft:\n    preset: microsoft\n    client_id: ${CLIENT_ID}\n${tenant ? `    tenant: ${tenant}\n` : ''}    authority: ${microsoft.url}\n`, defer);
  return { microsoft, home, latchkey };
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
    expect(await enterCode(systemBrowser(), 'Microsoft', progress.verificationUri, progress.userCode, 'ada')).toMatch(/signed in/);
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
    expect(await enterCode(systemBrowser(), 'Microsoft', progress.verificationUri, progress.userCode, 'deny')).toMatch(/cancelled/);
    expect((await failure(signingIn)).code).toBe('access_denied');
    const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials: { usernames: Record<string, unknown> | null } };
    expect(doc.credentials.usernames ?? {}).toEqual({});
  });
});
