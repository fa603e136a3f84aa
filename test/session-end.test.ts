/**
 * When a session ends unless the person signs in again: the provider's limit on the refresh token
 * (`refresh_expires_in`, GitHub Apps' `refresh_token_expires_in`), kept with the tokens and carried over a
 * refresh only while the refresh token stays the same; and `session.expiry_days` without use. The rules alone,
 * then an OpenID Connect provider that answers like Keycloak (the strict emulator with `refresh_expires_in`,
 * through openid-client) and the GitHub emulator in App mode (`refresh_token_expires_in`) through the engine's
 * account summary, `latchkey status` and `status --json`. The `session.expiry_days` path with the demo provider and a
 * clock moved forward is in e2e/session-end-banner.e2e.test.ts and cli-headless.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { endsSoon, sessionEnd } from '../src/main/auth/session-end';
import { tokenSetFrom } from '../src/main/auth/sign-in-flow';
import type { TokenSet } from '../src/main/auth/storage';
import { startGitHubEmulator, startStrictOidcEmulator } from './emulators';
import { assertCliBuilt, cliEnv, runCli } from './helpers/cli-runner';
import { tempHome } from './helpers/engine-fixture';
import { emulatorEngine, emulatorOpener, vaultFor, writeProvidersConfig } from './helpers/emulator-fixture';
import { useCleanups, useSystemBrowser } from './helpers/test-lifecycle';

const systemBrowser = useSystemBrowser();
const defer = useCleanups();
const DAY_MS = 24 * 3600_000;
const T0 = Date.parse('2026-03-01T12:00:00Z');

/** A token endpoint answer as openid-client hands it over. */
function answer(fields: Record<string, unknown>): Parameters<typeof tokenSetFrom>[0] {
  return { token_type: 'bearer', ...fields, expiresIn: () => (typeof fields.expires_in === 'number' ? fields.expires_in : undefined) } as unknown as Parameters<typeof tokenSetFrom>[0];
}

describe('the refresh token\'s lifetime in the token set', () => {
  it('is taken from refresh_expires_in or refresh_token_expires_in, and only a positive number counts', () => {
    expect(tokenSetFrom(answer({ access_token: 'a', refresh_token: 'r', refresh_expires_in: 1800 }), T0).refreshExpiresAt).toBe(T0 + 1_800_000);
    expect(tokenSetFrom(answer({ access_token: 'a', refresh_token: 'r', refresh_token_expires_in: '15897600' }), T0).refreshExpiresAt).toBe(T0 + 15_897_600_000);
    // Keycloak's 0 for offline tokens means no limit.
    expect(tokenSetFrom(answer({ access_token: 'a', refresh_token: 'r', refresh_expires_in: 0 }), T0).refreshExpiresAt).toBeUndefined();
    expect(tokenSetFrom(answer({ access_token: 'a', refresh_token: 'r', refresh_expires_in: 'soon' }), T0).refreshExpiresAt).toBeUndefined();
    // Without a refresh token there is nothing to expire.
    expect(tokenSetFrom(answer({ access_token: 'a', refresh_expires_in: 1800 }), T0).refreshExpiresAt).toBeUndefined();
  });

  it('on a refresh: a new lifetime replaces the old; none keeps the old only while the refresh token is the same', () => {
    const previous: TokenSet = { accessToken: 'a0', refreshToken: 'r0', obtainedAt: T0, refreshExpiresAt: T0 + 10 * DAY_MS };
    const later = T0 + DAY_MS;
    expect(tokenSetFrom(answer({ access_token: 'a1', refresh_token: 'r1', refresh_expires_in: 3600 }), later, previous).refreshExpiresAt).toBe(later + 3_600_000);
    // No rotation (the answer has no refresh token, or the same one): the old end still holds.
    expect(tokenSetFrom(answer({ access_token: 'a1' }), later, previous).refreshExpiresAt).toBe(T0 + 10 * DAY_MS);
    expect(tokenSetFrom(answer({ access_token: 'a1', refresh_token: 'r0' }), later, previous).refreshExpiresAt).toBe(T0 + 10 * DAY_MS);
    // Rotated, lifetime unstated: the new refresh token's end is unknown, not the old one's.
    expect(tokenSetFrom(answer({ access_token: 'a1', refresh_token: 'r1' }), later, previous).refreshExpiresAt).toBeUndefined();
  });
});

describe("the access token's lifetime in the token set", () => {
  it('is expires_in as stated, counted from when the answer was read, not the helper\'s whole seconds remaining', () => {
    // openid-client's expiresIn() says 1 once a second boundary has passed since it read an expires_in of 2.
    const late = { ...answer({ access_token: 'a', expires_in: 2 }), expiresIn: () => 1 } as Parameters<typeof tokenSetFrom>[0];
    expect(tokenSetFrom(late, T0).expiresAt).toBe(T0 + 2_000);
    expect(tokenSetFrom(answer({ access_token: 'a' }), T0).expiresAt).toBeUndefined();
  });
});

describe('the end of a session', () => {
  const record = { signed_in_at: new Date(T0).toISOString(), last_login: new Date(T0).toISOString() };

  it('is the earlier of the refresh token\'s end and session.expiry_days after the last use', () => {
    const tokens: TokenSet = { accessToken: 'a', refreshToken: 'r', obtainedAt: T0, refreshExpiresAt: T0 + 5 * DAY_MS };
    expect(sessionEnd({ record, tokens, expiryDays: 30 })).toEqual({ at: T0 + 5 * DAY_MS, because: 'refresh_token' });
    expect(sessionEnd({ record, tokens, expiryDays: 2 })).toEqual({ at: T0 + 2 * DAY_MS, because: 'expiry_days' });
    // A refresh is a use: it moves the expiry_days end.
    const refreshed = { ...record, last_refresh: new Date(T0 + 3 * DAY_MS).toISOString() };
    expect(sessionEnd({ record: refreshed, tokens: { ...tokens, refreshExpiresAt: undefined }, expiryDays: 2 })).toEqual({ at: T0 + 5 * DAY_MS, because: 'expiry_days' });
    // expiry_days 0 (forget on quit) is no date; nothing at all: no end.
    expect(sessionEnd({ record, tokens: { accessToken: 'a', obtainedAt: T0 }, expiryDays: 0 })).toBeUndefined();
  });

  it('is "soon" from warn_days before it; warn_days 0 never warns', () => {
    const end = { at: T0 + 10 * DAY_MS, because: 'expiry_days' as const };
    expect(endsSoon(end, T0 + 6 * DAY_MS, 3)).toBe(false);
    expect(endsSoon(end, T0 + 7 * DAY_MS, 3)).toBe(true);
    expect(endsSoon(end, T0 + 11 * DAY_MS, 3)).toBe(true);
    expect(endsSoon(end, T0 + 9 * DAY_MS, 0)).toBe(false);
  });
});

describe('an OpenID Connect provider that states refresh_expires_in (as Keycloak does)', () => {
  it('keeps the end through a refresh that does not rotate the refresh token, and moves it when one rotates', async () => {
    for (const rotate of [false, true]) {
      const emulator = await startStrictOidcEmulator({ clientId: 'latchkey-keycloak-like', rotateRefreshTokens: rotate, refreshExpiresInSeconds: 30 * 60 });
      defer(() => emulator.close());
      const home = await tempHome();
      defer(home.cleanup);
      await writeProvidersConfig(home, `  kc:\n    label: Keycloak-like\n    issuer: ${emulator.issuer}\n    client_id: latchkey-keycloak-like\n`);
      const opener = emulatorOpener(systemBrowser(), 'alice');
      const latchkey = await emulatorEngine(home, opener);
      defer(() => latchkey.close());
      await latchkey.restore();
      const account = await latchkey.engine.signIn('kc');
      await opener.settled();
      const stored = await vaultFor(home).get(account.key);
      expect(stored?.refreshExpiresAt).toBe((stored?.obtainedAt ?? 0) + 30 * 60_000);
      // Thirty minutes away: within the default three days, so the summary already warns.
      expect(account).toMatchObject({ sessionEndsAt: new Date(stored?.refreshExpiresAt ?? 0).toISOString(), sessionEndsBecause: 'refresh_token', sessionEndsSoon: true });

      await new Promise((resolve) => setTimeout(resolve, 20));
      const refreshed = await latchkey.engine.refreshNow(account.key);
      const after = await vaultFor(home).get(account.key);
      if (rotate) {
        // A new refresh token with its own lifetime.
        expect(after?.refreshToken).not.toBe(stored?.refreshToken);
        expect(after?.refreshExpiresAt).toBe((after?.obtainedAt ?? 0) + 30 * 60_000);
        expect(Date.parse(refreshed.sessionEndsAt as string)).toBeGreaterThan(Date.parse(account.sessionEndsAt as string));
      } else {
        // The same refresh token, no lifetime in the answer: its end has not moved.
        expect(after?.refreshToken).toBe(stored?.refreshToken);
        expect(after?.obtainedAt).toBeGreaterThan(stored?.obtainedAt ?? 0);
        expect(after?.refreshExpiresAt).toBe(stored?.refreshExpiresAt);
        expect(refreshed.sessionEndsAt).toBe(account.sessionEndsAt);
      }
      await latchkey.close();
    }
  });
});

describe('a GitHub App whose refresh tokens expire', () => {
  it('shows the refresh token\'s end in the summary, moves it on a refresh, and latchkey status prints it', async () => {
    const refreshTtl = 5 * 24 * 3600;
    const github = await startGitHubEmulator({ clientId: 'Iv1.8a61f9b3a7aba766', clientSecret: 'shh-1b2c3d4e5f60718293a4', mode: 'github-app-expiring', accessTokenTtlSeconds: 600, refreshTokenTtlSeconds: refreshTtl });
    defer(() => github.close());
    const home = await tempHome();
    defer(home.cleanup);
    await writeProvidersConfig(home, `  github:\n    preset: github\n    client_id: Iv1.8a61f9b3a7aba766\n    client_secret: shh-1b2c3d4e5f60718293a4\n    host: ${github.url}\n`);
    const opener = emulatorOpener(systemBrowser(), 'octo');
    const latchkey = await emulatorEngine(home, opener);
    defer(() => latchkey.close());
    await latchkey.restore();

    const account = await latchkey.engine.signIn('github');
    await opener.settled();
    const stored = await vaultFor(home).get(account.key);
    expect(stored?.refreshExpiresAt).toBe((stored?.obtainedAt ?? 0) + refreshTtl * 1000);
    expect(account).toMatchObject({ sessionEndsAt: new Date(stored?.refreshExpiresAt ?? 0).toISOString(), sessionEndsBecause: 'refresh_token' });
    // Five days away, the default warn_days is three: no warning yet.
    expect(account.sessionEndsSoon).toBeUndefined();

    // GitHub rotates the refresh token and states the new one's lifetime: the end moves with it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const refreshed = await latchkey.engine.refreshNow(account.key);
    const after = await vaultFor(home).get(account.key);
    expect(after?.refreshToken).not.toBe(stored?.refreshToken);
    expect(after?.refreshExpiresAt).toBe((after?.obtainedAt ?? 0) + refreshTtl * 1000);
    expect(refreshed.sessionEndsAt).toBe(new Date(after?.refreshExpiresAt ?? 0).toISOString());
    expect(Date.parse(refreshed.sessionEndsAt as string)).toBeGreaterThan(Date.parse(account.sessionEndsAt as string));
    await latchkey.close();

    assertCliBuilt();
    const env = cliEnv(home, 'octo');
    const status = await runCli(env, 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`\n  session ends on ${refreshed.sessionEndsAt} (refresh token expires): sign in again before then (latchkey login)\n`);
    const json = JSON.parse((await runCli(env, 'status', '--json')).stdout) as { accounts: Array<Record<string, unknown>> };
    expect(json.accounts[0]).toMatchObject({ key: account.key, sessionEndsAt: refreshed.sessionEndsAt, sessionEndsBecause: 'refresh_token' });
  });

  it('warns at once when the refresh token lasts less than warn_days', async () => {
    const github = await startGitHubEmulator({ clientId: 'Iv1.8a61f9b3a7aba766', clientSecret: 'shh-1b2c3d4e5f60718293a4', mode: 'github-app-expiring', accessTokenTtlSeconds: 600, refreshTokenTtlSeconds: 2 * 24 * 3600 });
    defer(() => github.close());
    const home = await tempHome();
    defer(home.cleanup);
    await writeProvidersConfig(home, `  github:\n    preset: github\n    client_id: Iv1.8a61f9b3a7aba766\n    client_secret: shh-1b2c3d4e5f60718293a4\n    host: ${github.url}\n`);
    const opener = emulatorOpener(systemBrowser(), 'octo');
    const latchkey = await emulatorEngine(home, opener);
    defer(() => latchkey.close());
    await latchkey.restore();
    const account = await latchkey.engine.signIn('github');
    await opener.settled();
    expect(account).toMatchObject({ sessionEndsBecause: 'refresh_token', sessionEndsSoon: true });
  });
});
