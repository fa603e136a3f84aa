/**
 * Registrations from the app and from `latchkey register` at the same moment, on one config.yaml and one
 * keychain: every registration lands exactly once, a username or e-mail taken at the same instant by both
 * sides lands once (the other side is told account_exists), the file stays valid with the person's comments,
 * and each registered account can sign in. The app is an engine in this process; each CLI run is the built
 * command in its own process.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createLatchkey } from '../../src/main/app';
import { ConfigStore } from '../../src/main/store/config';
import { isAuthError } from '../../src/shared/errors';
import { assertCliBuilt } from '../helpers/cli-runner';
import { runCliWithInput } from '../helpers/cli-with-stdin';
import { tempHome } from '../helpers/engine-fixture';
import { useCleanups } from '../helpers/test-lifecycle';

const defer = useCleanups();
const FULL = process.env.LATCHKEY_FULL_HARDENING === '1';
/** Registrations per side; `npm run test:hardening` runs more. */
const PER_SIDE = FULL ? 12 : 5;
const PASSWORD = 'a long enough password';

describe('concurrent registration from the app and the CLI', () => {
  it('loses no record and lands each username and e-mail once', async () => {
    assertCliBuilt();
    const at = await tempHome();
    defer(at.cleanup);
    const config = `# Team accounts: registration is open to the team's domain.\n${stringify({
      providers: { team: { label: 'Team', local: true } },
      access: { registration: true, allowed_domains: ['team.example'], password_hash_cost: 14, default_roles: ['member'] },
      credentials: { usernames: {} },
    })}`;
    await writeFile(at.configPath, config, { mode: 0o600 });
    const env = { ...process.env, LATCHKEY_CONFIG: at.configPath, LATCHKEY_KEYCHAIN_SERVICE: at.keychainService, BROWSER: 'false' };
    const app = await createLatchkey({ configPath: at.configPath, keychainService: at.keychainService, openBrowser: async () => undefined, embeddedProvider: false, role: 'app' });
    defer(() => app.close());
    await app.restore();

    const fromApp = Array.from({ length: PER_SIDE }, (_, i) => `app${i}`);
    const fromCli = Array.from({ length: PER_SIDE }, (_, i) => `cli${i}`);
    const appRuns = [...fromApp, 'same-name'].map((name) =>
      app.engine.register({ username: name, email: `${name}@team.example`, password: PASSWORD }).then(
        () => 'ok' as const,
        (error: unknown) => (isAuthError(error, 'account_exists') ? ('exists' as const) : Promise.reject(error)),
      ),
    );
    const cliRuns = [...fromCli, 'same-name'].map((name) =>
      runCliWithInput(env, `${PASSWORD}\n${PASSWORD}\n`, 'register', '--user', name, '--email', `${name}@team.example`).then((result) => {
        if (result.code === 0) return 'ok' as const;
        if (result.stderr.includes('is taken') || result.stderr.includes('already belongs')) return 'exists' as const;
        throw new Error(`latchkey register ${name} failed: ${result.stderr}`);
      }),
    );
    const outcomes = await Promise.all([...appRuns, ...cliRuns]);

    // Everyone but the one duplicate registered, and the duplicate registered exactly once.
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(2 * PER_SIDE + 1);
    expect(outcomes.filter((o) => o === 'exists')).toHaveLength(1);
    const text = await readFile(at.configPath, 'utf8');
    expect(text.startsWith("# Team accounts: registration is open to the team's domain.\n")).toBe(true);
    const records = parse(text).credentials.usernames as Record<string, { email: string; roles: string[]; provider: string }>;
    expect(Object.keys(records).sort()).toEqual([...fromApp, ...fromCli, 'same-name'].sort());
    for (const [name, record] of Object.entries(records)) expect(record).toMatchObject({ email: `${name}@team.example`, roles: ['member'], provider: 'team' });
    await expect(new ConfigStore({ path: at.configPath }).load()).resolves.toBeDefined();

    // Each of them can sign in with the password given at registration.
    const later = await createLatchkey({ configPath: at.configPath, keychainService: at.keychainService, openBrowser: async () => undefined, embeddedProvider: false, role: 'cli' });
    defer(() => later.close());
    await later.restore();
    for (const name of [fromApp[0], fromCli[0], 'same-name'] as string[]) {
      expect((await later.engine.signInLocal({ identifier: name, password: PASSWORD })).key).toBe(name);
    }
  });
});
