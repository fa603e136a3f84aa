/**
 * Rows 2 and 4b: one token refresh against the same demo provider.
 * - Latchkey: `refreshNow()`, i.e. under the account's cross-process lock, re-read the vault, the refresh
 *   grant (with ID token validation), the rotated tokens sealed into the keychain-backed vault, the record's
 *   last_refresh written to config.yaml, an event logged;
 * - the baseline: a bare openid-client `refreshTokenGrant`, the new refresh token kept in memory, with a DPoP proof
 *   on its own key as Latchkey sends one (the demo provider offers DPoP, so Latchkey's session is bound); the
 *   same grant without DPoP is row 4b's baseline;
 * - the peer: AppAuth-JS's refresh token request.
 * Each keeps its own refresh-token chain: the provider rotates on every use and revokes a reused token.
 */
import * as oidc from 'openid-client';
import { parse } from 'yaml';
import { readFile } from 'node:fs/promises';
import { refuseBrowser } from '../lib/environment';
import { measuredRow } from '../lib/report';
import { CheckCollector, type ScenarioContext, type ScenarioResult } from '../lib/scenario';
import { interleave, summarize, type Case } from '../lib/stats';

export async function refreshScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const { env, shared } = context;
  const accountKey = shared.accountKey as string;
  let bareToken = shared.bareRefreshToken;
  let appAuthToken = shared.appAuthRefreshToken;
  const bareDpop = shared.bareDpop;
  if (!bareToken || !appAuthToken || !bareDpop) throw new Error('the sign-in scenario left no refresh token for the baselines');
  const iterations = context.iterations(60);
  const warmup = context.warmup(5);
  const vault = env.vault();
  const rotation = new CheckCollector('Latchkey stores the rotated refresh token before returning');
  const latchkey = await env.engine({ openBrowser: refuseBrowser });
  try {
    await latchkey.restore();
    const engineCase: Case<string | undefined> = {
      prepare: async () => (await vault.get(accountKey))?.refreshToken,
      run: async () => {
        await latchkey.engine.refreshNow(accountKey);
      },
      after: async (before) => {
        const after = (await vault.get(accountKey))?.refreshToken;
        rotation.record(after !== undefined && after !== before, () => 'the stored refresh token did not change');
      },
    };
    const bareCase: Case = {
      run: async () => {
        const response = await oidc.refreshTokenGrant(env.bare, bareToken as string);
        bareToken = response.refresh_token ?? bareToken;
      },
    };
    // Row 2's baseline: the same refresh with a proof on the chain's own key, as Latchkey refreshes a DPoP-bound
    // session (the demo provider binds refresh tokens of public clients to the key).
    const bareDpopCase: Case = {
      run: async () => {
        const response = await oidc.refreshTokenGrant(env.bare, bareDpop.refreshToken, undefined, { DPoP: bareDpop.handle });
        bareDpop.refreshToken = response.refresh_token ?? bareDpop.refreshToken;
      },
    };
    const appAuthCase: Case = {
      run: async () => {
        const response = await env.appAuth.refresh(appAuthToken as string, env.bareRedirectUri);
        appAuthToken = response.refreshToken ?? appAuthToken;
      },
    };
    const samples = await interleave(
      { engine: engineCase as Case<unknown>, bare: bareCase as Case<unknown>, bareDpop: bareDpopCase as Case<unknown>, appAuth: appAuthCase as Case<unknown> },
      { iterations, warmup, onRound: (round) => context.progress(`refresh: round ${round}/${iterations}`) },
    );
    shared.bareRefreshToken = bareToken;
    shared.appAuthRefreshToken = appAuthToken;

    const boundCheck = new CheckCollector('Latchkey\'s session is DPoP-bound, like the baseline\'s chain');
    const stored = await vault.get(accountKey);
    boundCheck.record(stored?.dpopKey !== undefined && stored.tokenType?.toLowerCase() === 'dpop', () => `token_type ${stored?.tokenType}, key ${stored?.dpopKey ? 'kept' : 'none'}`);
    const yamlCheck = new CheckCollector('config.yaml records the refreshes (last_refresh: written by the first, then when a day behind)');
    const doc = parse(await readFile(env.home.configPath, 'utf8')) as { credentials?: { usernames?: Record<string, { last_refresh?: string }> } };
    const lastRefresh = doc.credentials?.usernames?.[accountKey]?.last_refresh;
    yamlCheck.record(lastRefresh !== undefined && Date.now() - Date.parse(lastRefresh) < 60_000, () => `last_refresh is ${lastRefresh ?? 'missing'}`);

    return {
      rows: [
        measuredRow({
          id: '2',
          title: 'Refresh',
          subject: { label: 'Latchkey refreshNow() (lock, vault re-read, refresh grant + ID token check, vault + YAML written, event logged)', samples: samples.engine ?? [] },
          baseline: { label: 'openid-client refreshTokenGrant with a DPoP proof, as Latchkey (nothing persisted)', samples: samples.bareDpop ?? [] },
          notes: [
            `${iterations} runs (+${warmup} warm-up) each; refresh tokens rotate on every use, each client keeps its own chain.`,
            `The session is DPoP-bound (the provider offers DPoP), so the baseline refreshes a DPoP-bound chain with a proof on its own key, as Latchkey does. Without DPoP the same grant took a median ${summarize(samples.bare ?? []).median.toFixed(1)} ms in this run (row 4b's baseline).`,
          ],
        }),
        measuredRow({
          id: '4b',
          title: 'Refresh: AppAuth-JS (peer)',
          subject: { label: 'AppAuth-JS refresh token request (no ID token checks)', samples: samples.appAuth ?? [] },
          baseline: { label: 'openid-client refreshTokenGrant (nothing persisted)', samples: samples.bare ?? [] },
          notes: ['AppAuth-JS does not look at the ID token the provider returns with a refresh; openid-client validates its claims.'],
        }),
      ],
      checks: [rotation.result('a new refresh token was in the vault after every refreshNow()'), yamlCheck.result('last_refresh is recent'), boundCheck.result('token_type DPoP, key kept')],
    };
  } finally {
    await latchkey.close();
  }
}
