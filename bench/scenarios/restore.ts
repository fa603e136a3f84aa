/**
 * Row 1: a start-up with a valid access token: `createLatchkey()` + `restore()` from config.yaml and the
 * keychain, no network. The floor is the least any design must do for the same answer: read and parse the
 * same YAML file, read one keychain entry (raw @napi-rs/keyring, pinned to Secret Service like the vault)
 * and decode one JWT.
 */
import { AsyncEntry } from '@napi-rs/keyring';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { Latchkey } from '../../src/main/app';
import type { SessionState } from '../../src/shared/session';
import { recordingFetch } from '../../test/helpers/engine-fixture';
import { refuseBrowser } from '../lib/environment';
import { decodeJwtPayload } from '../lib/jwt';
import { measuredRow } from '../lib/report';
import { CheckCollector, type ScenarioContext, type ScenarioResult } from '../lib/scenario';
import { interleave, type Case } from '../lib/stats';

interface EngineRun {
  recorder: ReturnType<typeof recordingFetch>;
  latchkey?: Latchkey;
  state?: SessionState;
}

export async function restoreScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const { env } = context;
  const accountKey = context.shared.accountKey as string;
  const iterations = context.iterations(100);
  const warmup = context.warmup(10);
  const idToken = (await env.vault().get(accountKey))?.idToken;
  if (!idToken) throw new Error('the signed-in account has no ID token in the vault');
  const restored = new CheckCollector('Latchkey restore: signed in, not stale, no network request, no browser');
  const floorCheck = new CheckCollector('floor: record, keychain entry and ID token found');

  const engineCase: Case<EngineRun> = {
    prepare: async () => ({ recorder: recordingFetch() }),
    run: async (run) => {
      // The desktop app's start-up: role 'app' (background refresh scheduled), no embedded provider.
      run.latchkey = await env.engine({ openBrowser: refuseBrowser, fetch: run.recorder.fetch, role: 'app' });
      run.state = await run.latchkey.restore();
    },
    after: async (run) => {
      const account = run.state?.accounts.find((a) => a.key === accountKey);
      restored.record(
        run.state?.activeAccountKey === accountKey && account?.signedIn === true && !account.stale && run.recorder.requests.length === 0,
        () => `active=${run.state?.activeAccountKey}, signedIn=${account?.signedIn}, stale=${account?.stale}, requests=${run.recorder.requests.length}`,
      );
      await run.latchkey?.close();
    },
  };

  let floorOk = false;
  const floorCase: Case = {
    run: async () => {
      const doc = parse(await readFile(env.home.configPath, 'utf8')) as { credentials: { usernames: Record<string, { logged_in: boolean }> } };
      const entry = new AsyncEntry(env.home.keychainService, accountKey, { linux: { store: 'secret-service' } });
      const secret = await entry.getPassword();
      const claims = decodeJwtPayload(idToken);
      floorOk = doc.credentials.usernames[accountKey]?.logged_in === true && typeof secret === 'string' && typeof claims.sub === 'string';
    },
    after: async () => floorCheck.record(floorOk, () => 'something was missing'),
  };

  const samples = await interleave(
    { engine: engineCase as Case<unknown>, floor: floorCase as Case<unknown> },
    { iterations, warmup, onRound: (round) => context.progress(`restore: round ${round}/${iterations}`) },
  );
  return {
    rows: [
      measuredRow({
        id: '1',
        title: 'Restore with a valid token',
        subject: { label: 'Latchkey createLatchkey() + restore() (config + keychain + vault file, no network)', samples: samples.engine ?? [] },
        baseline: { label: 'floor: read + parse the same YAML, 1 raw keychain read, 1 JWT decode', samples: samples.floor ?? [] },
        notes: [
          `${iterations} runs (+${warmup} warm-up) each. Latchkey's side also builds the engine (reads config.yaml a first time to learn about the embedded provider), validates the config schema, unseals the AES-GCM token file with the keychain key, schedules the background refresh and appends to the event log.`,
        ],
      }),
    ],
    checks: [restored.result('every restore'), floorCheck.result('every run')],
  };
}
