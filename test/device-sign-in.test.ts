/**
 * Sign-in on another device (RFC 8628) end to end: the real demo provider (as a generic OpenID Connect provider
 * found by discovery), Chromium playing the phone that opens the verification page, the real keychain (private
 * session) and real config files. Success is kept exactly like a browser sign-in and restored by a new
 * process; slow_down, an expired code, an abort on the confirmation page and a cancel end as RFC 8628 says.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createLatchkey, type Latchkey } from '../src/main/app';
import { startDemoProvider, type DemoProvider, type DeviceFlowOptions } from '../src/main/idp';
import { SecretVault } from '../src/main/store/secrets';
import { isAuthError, type AuthError } from '../src/shared/errors';
import type { DeviceSignInProgress, SessionState } from '../src/shared/session';
import { bundleForChild, runNodeChild } from './helpers/bundle-for-child';
import { completeDeviceVerification } from './helpers/device-browser';
import { recordingFetch, tempHome, writeGenericProviderConfig, type TempHome } from './helpers/engine-fixture';
import { readQrSvg } from './helpers/qr-reader';
import { useCleanups, useSystemBrowser } from './helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

interface Setup {
  home: TempHome;
  provider: DemoProvider;
  latchkey: Latchkey;
  requests: ReturnType<typeof recordingFetch>;
}

async function setup(deviceFlow: DeviceFlowOptions): Promise<Setup> {
  const home = await tempHome();
  defer(home.cleanup);
  const provider = await startDemoProvider({ dataDir: join(home.dir, 'provider'), port: 0, deviceFlow });
  defer(() => provider.close());
  await writeGenericProviderConfig(home.configPath, provider.issuer);
  const requests = recordingFetch();
  const latchkey = await createLatchkey({
    configPath: home.configPath,
    keychainService: home.keychainService,
    // A sign-in on another device never opens a browser on this machine.
    openBrowser: async (url) => {
      throw new Error(`no browser may be opened here (asked for ${url})`);
    },
    embeddedProvider: false,
    fetch: requests.fetch,
    role: 'cli',
  });
  defer(() => latchkey.close());
  await latchkey.restore();
  return { home, provider, latchkey, requests };
}

/** Resolves with the device sign-in progress as soon as the state shows one. */
function deviceProgress(latchkey: Latchkey): Promise<DeviceSignInProgress> {
  return new Promise((resolve) => {
    const current = latchkey.engine.getState().deviceSignIn;
    if (current) {
      resolve(current);
      return;
    }
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

async function expectNothingKept(home: TempHome): Promise<void> {
  const doc = parse(await readFile(home.configPath, 'utf8')) as { credentials: { usernames: Record<string, unknown> } };
  expect(doc.credentials.usernames ?? {}).toEqual({});
}

function vaultFor(home: TempHome): SecretVault {
  return new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') });
}

describe('sign-in on another device with the demo provider', () => {
  it('shows the code, the page and its QR code, and keeps the account exactly like a browser sign-in', async () => {
    const { home, latchkey, requests } = await setup({ intervalSeconds: 1 });
    const summary = latchkey.engine.listProviders().find((p) => p.name === 'local');
    // A provider found by discovery: only its metadata can tell, so trying is allowed.
    expect(summary?.deviceFlow).toBeUndefined();

    const states: SessionState[] = [];
    latchkey.engine.onStateChange((state) => states.push(state));
    const signingIn = latchkey.engine.signInWithDevice('local');
    const progress = await deviceProgress(latchkey);
    expect(progress.provider).toBe('local');
    expect(progress.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(progress.verificationUri).toBe(`${new URL(latchkey.engine.listProviders()[0]?.issuer ?? '').origin}/device`);
    expect(progress.verificationUriComplete).toBe(`${progress.verificationUri}?user_code=${encodeURIComponent(progress.userCode)}`);
    expect(progress.interval).toBe(1);
    const lifetime = Date.parse(progress.expiresAt) - Date.parse(progress.startedAt);
    expect(lifetime).toBeGreaterThan(590_000);
    expect(lifetime).toBeLessThanOrEqual(600_000);
    // The QR code holds the page with the code filled in (read back by zbar, as a phone would).
    expect(await readQrSvg(progress.qrSvg)).toBe(progress.verificationUriComplete);
    // Busy: one sign-in at a time, whichever kind.
    expect((await failure(latchkey.engine.signIn('local'))).code).toBe('busy');
    expect((await failure(latchkey.engine.signInWithDevice('local'))).code).toBe('busy');

    const page = await systemBrowser().newPage();
    const verification = await completeDeviceVerification(page, progress.verificationUriComplete as string, { user: 'alice' });
    expect(verification.kind).toBe('device-done');
    expect(verification.shownCode).toBe(progress.userCode);
    const account = await signingIn;
    expect(account).toMatchObject({ name: 'Alice Anders', email: 'alice@latchkey.example', provider: 'local', signedIn: true });

    // Disk before announcement: the state that says "signed in" came after the record and the keychain entry.
    const final = states.at(-1) as SessionState;
    expect(final.activeAccountKey).toBe(account.key);
    expect(final.deviceSignIn).toBeUndefined();
    const text = await readFile(home.configPath, 'utf8');
    const record = (parse(text) as { credentials: { usernames: Record<string, Record<string, unknown>> } }).credentials.usernames[account.key];
    expect(record).toMatchObject({ name: 'Alice Anders', email: 'alice@latchkey.example', first_name: 'Alice', last_name: 'Anders', provider: 'local', logged_in: true, subject: account.subject });
    const tokens = await vaultFor(home).get(account.key);
    expect(tokens?.accessToken).toBeTruthy();
    expect(tokens?.refreshToken).toBeTruthy();
    expect(tokens?.idToken).toBeTruthy();
    // The demo provider offers DPoP: the device's polls carried proofs, and the session keeps the key.
    expect(tokens?.dpopKey).toBeTruthy();
    expect(tokens?.tokenType?.toLowerCase()).toBe('dpop');
    for (const secret of [tokens?.accessToken, tokens?.refreshToken, tokens?.idToken]) expect(text).not.toContain(secret as string);
    // No state carried the device code (it only ever went to the token endpoint).
    const polls = requests.requests.filter((r) => r.grantType === DEVICE_GRANT);
    expect(polls.length).toBeGreaterThan(0);
    expect(JSON.stringify(states)).not.toMatch(/device_code|deviceCode/);
    const events = await latchkey.engine.recentEvents(5);
    expect(events[0]).toMatchObject({ kind: 'sign_in', accountKey: account.key, outcome: 'ok' });
    await latchkey.close();

    // A new process restores the session from config.yaml and the keychain.
    const child = await bundleForChild(join(__dirname, 'helpers', 'restore-child.ts'));
    const restored = await runNodeChild(child, [home.configPath, home.keychainService]);
    expect(restored.code, restored.stderr).toBe(0);
    const state = JSON.parse(restored.stdout) as SessionState;
    expect(state.activeAccountKey).toBe(account.key);
    expect(state.accounts.find((a) => a.key === account.key)?.signedIn).toBe(true);
  });

  it('slows down when the provider says slow_down (RFC 8628 §3.5: five seconds more)', async () => {
    // The provider names a one-second interval but wants three seconds between polls.
    const { latchkey, requests } = await setup({ intervalSeconds: 1, minimumPollSeconds: 3 });
    const intervals: number[] = [];
    latchkey.engine.onStateChange((state) => {
      if (state.deviceSignIn && intervals.at(-1) !== state.deviceSignIn.interval) intervals.push(state.deviceSignIn.interval);
    });
    const signingIn = latchkey.engine.signInWithDevice('local');
    const progress = await deviceProgress(latchkey);
    expect(progress.interval).toBe(1);
    // Wait for the slow_down before confirming, so the slower polls are seen pending too.
    await expect.poll(() => intervals.at(-1), { timeout: 20_000, interval: 200 }).toBe(6);
    const page = await systemBrowser().newPage();
    await completeDeviceVerification(page, progress.verificationUriComplete as string, { user: 'bob' });
    const account = await signingIn;
    expect(account.email).toBe('bob@latchkey.example');
    expect(intervals).toEqual([1, 6]);
    // After the slow_down, polls (counting a DPoP nonce challenge and its retry as one) are six seconds apart.
    const polls = requests.requests.filter((r) => r.grantType === DEVICE_GRANT && !r.nonceChallenge).map((r) => r.at as number);
    expect(polls.length).toBeGreaterThanOrEqual(3);
    const gaps = polls.slice(1).map((at, i) => at - (polls[i] as number));
    // The first gap is the named interval (the provider answers slow_down to it); every later one is 6 s or more.
    expect(gaps[0]).toBeLessThan(3_000);
    for (const gap of gaps.slice(1)) expect(gap).toBeGreaterThanOrEqual(5_900);
  });

  it('an expired code ends the sign-in with a clear error and keeps nothing', async () => {
    const { home, latchkey } = await setup({ intervalSeconds: 1, codeTtlSeconds: 3 });
    const signingIn = latchkey.engine.signInWithDevice('local');
    const progress = await deviceProgress(latchkey);
    expect(Date.parse(progress.expiresAt) - Date.parse(progress.startedAt)).toBe(3_000);
    const error = await failure(signingIn);
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/expired/);
    // The provider itself said so (RFC 8628 expired_token), not only Latchkey's clock.
    expect((error.cause as { error?: string } | undefined)?.error).toBe('expired_token');
    await expectNothingKept(home);
    const state = latchkey.engine.getState();
    expect(state.deviceSignIn).toBeUndefined();
    expect(state.lastSignInError?.code).toBe('timeout');
  });

  it('Abort on the confirmation page ends the sign-in with access_denied and keeps nothing', async () => {
    const { home, latchkey } = await setup({ intervalSeconds: 1 });
    const signingIn = latchkey.engine.signInWithDevice('local');
    const progress = await deviceProgress(latchkey);
    const page = await systemBrowser().newPage();
    const verification = await completeDeviceVerification(page, progress.verificationUriComplete as string, { decision: 'abort' });
    expect(verification.kind).toBe('device-code');
    expect(verification.text).toMatch(/cancelled/);
    const error = await failure(signingIn);
    expect(error.code).toBe('access_denied');
    await expectNothingKept(home);
    expect(latchkey.engine.getState().lastSignInError?.code).toBe('access_denied');
  });

  it('cancel stops polling and ends the sign-in with cancelled', async () => {
    const { home, latchkey, requests } = await setup({ intervalSeconds: 1 });
    const signingIn = latchkey.engine.signInWithDevice('local');
    await deviceProgress(latchkey);
    await expect.poll(() => requests.requests.filter((r) => r.grantType === DEVICE_GRANT).length, { timeout: 10_000, interval: 100 }).toBeGreaterThan(0);
    latchkey.engine.cancelSignIn();
    const error = await failure(signingIn);
    expect(error.code).toBe('cancelled');
    const pollsAtCancel = requests.requests.filter((r) => r.grantType === DEVICE_GRANT).length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(requests.requests.filter((r) => r.grantType === DEVICE_GRANT).length).toBe(pollsAtCancel);
    const state = latchkey.engine.getState();
    expect(state.deviceSignIn).toBeUndefined();
    // A cancel is the person's choice, not a failure to show.
    expect(state.lastSignInError).toBeUndefined();
    await expectNothingKept(home);
    // The engine is free for the next sign-in.
    const again = latchkey.engine.signInWithDevice('local');
    await deviceProgress(latchkey);
    latchkey.engine.cancelSignIn();
    expect((await failure(again)).code).toBe('cancelled');
  });
});
