/**
 * What every sign-in with a provider does once the provider has answered with tokens and a profile, whichever
 * way they were obtained (the browser's redirect in session-sign-in.ts, a device code in
 * session-device-sign-in.ts): the access rules decide first, then the account's key is found (an account
 * signed in before keeps its key), then the order that makes it durable — keychain first, then config.yaml —
 * and only then is the account made active and its refresh scheduled. Announcing it is the caller's job.
 */
import { toAuthError } from '../../shared/errors';
import { accountKeyFor, findAccountKey } from './account-key';
import { recordFromProfile } from './account-records';
import { signInRoles, withProviderRoles } from './access/roles';
import { refuseUnlessAllowed } from './access/sign-in-gate';
import type { ProfileClaims } from './profile-readers';
import type { SessionCore } from './session-core';
import type { SessionRefresher } from './session-refresh';
import type { SignInResult } from './sign-in-flow';
import type { TokenSet } from './storage';

/** The provider's answer as the post-token steps need it; `finish` tells the browser (if any) how it ended. */
export type ObtainedSignIn = Pick<SignInResult, 'tokens' | 'profile' | 'finish'>;

/**
 * Admits and keeps a sign-in: refuses it (nothing written, tokens revoked) unless the access rules admit the
 * person, then persists it. Returns the account's key. On a failure the browser (if any) hears it.
 */
export async function keepSignIn(core: SessionCore, refresher: SessionRefresher, providerName: string, result: ObtainedSignIn): Promise<string> {
  // Who may sign in (config.yaml's access:), decided before anything of this sign-in is kept.
  await refuseUnlessAllowed(core.requireConfig().access, core.requireProviders(), providerName, result);
  // An account signed in before keeps its key, whatever format that key was written in.
  const key = findAccountKey(core.requireConfig().credentials.usernames, providerName, result.profile.subject) ?? accountKeyFor(providerName, result.profile.subject);
  try {
    await persistSignIn(core, refresher, key, providerName, result.profile, result.tokens);
  } catch (err) {
    const error = toAuthError(err);
    result.finish({ ok: false, error: error.toInfo() });
    throw error;
  }
  return key;
}

/** Keychain first, then YAML: a record that says logged_in always has its secrets behind it. */
export async function persistSignIn(core: SessionCore, refresher: SessionRefresher, key: string, provider: string, profile: ProfileClaims, tokens: TokenSet): Promise<void> {
  // An account a restore is still reading in the background must not overwrite what this stores.
  await core.loaded(key);
  await core.options.vault.set(key, tokens);
  const nowIso = new Date(core.now()).toISOString();
  const access = core.requireConfig().access;
  try {
    const config = await core.options.store.update((draft) => {
      const previous = draft.getAccount(key);
      const record = recordFromProfile(profile, provider, previous, { logged_in: true, last_login: nowIso, signed_in_at: nowIso, ...signInRoles(previous, access) });
      draft.setAccount(key, withProviderRoles(record, access, profile.claims, true));
      draft.setActiveAccount(key);
    });
    core.setConfig(config);
  } catch (err) {
    // Do not leave secrets behind that no record points at.
    await core.options.vault.delete(key).catch(() => undefined);
    throw err;
  }
  const runtime = core.runtimeFor(key);
  runtime.tokens = tokens;
  runtime.connectivity = 'online';
  runtime.retryAttempt = 0;
  delete runtime.unavailableReason;
  core.activeKey = key;
  refresher.schedule(key);
}
