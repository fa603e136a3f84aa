/**
 * `latchkey doctor` run as a person runs it (the built CLI, a separate process) on temp data folders with the
 * private keychain: all ok against the real demo provider (and nothing written), a malformed config.yaml (the
 * problem with line and column, exit 1, the other checks still run), a provider whose issuer port is closed
 * (a problem with its fix), a provider whose clock is off (from its Date header), a keychain that cannot be
 * reached, and the --json shape.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIAGNOSTIC_GROUPS, DIAGNOSTIC_STATUSES, type DiagnosticsReport } from '../../src/shared/diagnostics';
import { startDemoProvider, type DemoProvider } from '../../src/main/idp';
import { Keychain } from '../../src/main/store/keychain';
import { assertCliBuilt, runCli, type CliResult } from '../helpers/cli-runner';
import { freePort, tempHome, type TempHome } from '../helpers/engine-fixture';
import { useCleanups } from '../helpers/test-lifecycle';

const defer = useCleanups();
let demo: DemoProvider;
let demoDir: TempHome;

beforeAll(async () => {
  assertCliBuilt();
  demoDir = await tempHome();
  demo = await startDemoProvider({ dataDir: join(demoDir.dir, 'provider'), port: 0 });
});

afterAll(async () => {
  await demo?.close();
  await demoDir?.cleanup();
});

async function home(): Promise<TempHome> {
  const created = await tempHome();
  defer(created.cleanup);
  return created;
}

/** The CLI's environment for `at`: its config and keychain, HOME at the temp folder, no proxy variables. */
function env(at: TempHome, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, LATCHKEY_CONFIG: at.configPath, LATCHKEY_KEYCHAIN_SERVICE: at.keychainService, HOME: at.dir, ...extra };
  for (const name of ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'LATCHKEY_IDP_PORT', 'LATCHKEY_STORAGE']) {
    if (!(name in extra)) delete base[name];
  }
  return base;
}

async function writeConfig(at: TempHome, providers: string): Promise<void> {
  await writeFile(at.configPath, `session:\n  expiry_days: 30\nproviders:\n${providers}credentials:\n  usernames: {}\n`, { mode: 0o600 });
}

function json(result: CliResult): DiagnosticsReport {
  return JSON.parse(result.stdout) as DiagnosticsReport;
}

function check(report: DiagnosticsReport, group: string, id: string) {
  const found = report.checks.find((c) => c.group === group && c.id === id);
  if (!found) throw new Error(`no check ${group}/${id} in ${JSON.stringify(report.checks.map((c) => `${c.group}/${c.id}`))}`);
  return found;
}

/** A provider that answers discovery with its clock `skewSeconds` off (its Date header). */
async function skewedProvider(skewSeconds: number): Promise<{ issuer: string; close(): Promise<void> }> {
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const body = JSON.stringify({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, code_challenge_methods_supported: ['S256'] });
    res.writeHead(req.url === '/.well-known/openid-configuration' ? 200 : 404, {
      'content-type': 'application/json',
      date: new Date(Date.now() + skewSeconds * 1000).toUTCString(),
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { issuer, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('latchkey doctor', () => {
  it('finds nothing wrong with the demo provider running, and writes nothing', async () => {
    const at = await home();
    await writeConfig(at, `  demo:\n    label: Demo\n    embedded: true\n    port: ${demo.port}\n`);
    const before = await readdir(at.dir);
    const result = await runCli(env(at), 'doctor');
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('Latchkey doctor');
    expect(result.stdout).toMatch(/\[ok\] Keychain \(Secret Service\)/);
    expect(result.stdout).toMatch(/\[ok\] config\.yaml is valid/);
    expect(result.stdout).toContain(`discovery document loaded: http://127.0.0.1:${demo.port}/.well-known/openid-configuration`);
    expect(result.stdout).toContain('requests go directly');
    expect(result.stdout).toContain('built into Latchkey: nothing to register');
    expect(result.stdout).toMatch(/0 problems, 0 warnings/);
    expect(result.stdout).not.toContain('[PROBLEM]');
    // The home folder is shown as ~, and nothing was written: no folder, no file, no keychain entry left.
    expect(result.stdout).toContain('config: ~/config.yaml');
    expect(result.stdout).not.toContain(at.dir);
    expect(await readdir(at.dir)).toEqual(before);
    expect((await new Keychain(at.keychainService).findAll()).size).toBe(0);
  });

  it('reports a malformed config.yaml with its line and column, exits 1, and still checks the rest', async () => {
    const at = await home();
    await writeFile(at.configPath, 'session:\n  expiry_days: 30\nproviders:\n  corp:\n    issuer: https://idp.example\n    client_id: [unclosed\n', { mode: 0o600 });
    const result = await runCli(env(at), 'doctor', '--json');
    expect(result.code).toBe(1);
    const report = json(result);
    const config = check(report, 'config', 'valid');
    expect(config.status).toBe('problem');
    expect(config.detail).toMatch(/^~\/config\.yaml:\d+:\d+: /);
    expect(config.fix).toMatch(/Fix or delete ~\/config\.yaml/);
    expect(check(report, 'storage', 'keychain').status).toBe('ok');
    expect(check(report, 'data_folder', 'ownership').status).toBe('ok');
    expect(check(report, 'network', 'providers')).toMatchObject({ status: 'skipped' });
  });

  it('reports a provider whose issuer port is closed, with the fix', async () => {
    const at = await home();
    const closed = await freePort();
    await writeConfig(at, `  corp:\n    label: Corp SSO\n    issuer: http://127.0.0.1:${closed}\n    client_id: latchkey-desktop\n`);
    const result = await runCli(env(at), 'doctor');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\[PROBLEM\] "corp" \(Corp SSO\)/);
    expect(result.stdout).toContain(`http://127.0.0.1:${closed}/.well-known/openid-configuration could not be reached: connection refused`);
    expect(result.stdout).toMatch(/fix: Check the issuer \(or endpoints\) of "corp" in config\.yaml/);
    expect(result.stdout).toMatch(/\[skipped\] Clock against "corp"/);
  });

  it('reports a pinned redirect port that another program holds, and a data folder others can change', async () => {
    const at = await home();
    const holder = createNetServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    defer(() => new Promise((resolve) => holder.close(resolve)));
    const held = (holder.address() as { port: number }).port;
    await writeConfig(at, `  demo:\n    label: Demo\n    embedded: true\n    port: ${demo.port}\n    redirect_uri: http://127.0.0.1:${held}/callback\n`);
    const report = json(await runCli(env(at), 'doctor', '--json'));
    const ports = check(report, 'loopback', 'redirect-ports:demo');
    expect(ports.status).toBe('problem');
    expect(ports.detail).toContain(`http://127.0.0.1:${held}/callback is in use`);
    expect(ports.fix).toMatch(/register another redirect URI/);
    expect(check(report, 'loopback', 'bind').status).toBe('ok');

    await chmod(at.dir, 0o777);
    defer(() => chmod(at.dir, 0o700));
    const unsafe = json(await runCli(env(at), 'doctor', '--json'));
    const folder = check(unsafe, 'data_folder', 'ownership');
    expect(folder.status).toBe('problem');
    expect(folder.detail).toMatch(/can be changed by other users \(mode 0777/);
    expect(folder.fix).toBe('Make it private: chmod 700 ~');
  });

  it("warns when this computer's clock is off against a provider's Date header", async () => {
    const at = await home();
    const provider = await skewedProvider(-600);
    defer(provider.close);
    await writeConfig(at, `  skewed:\n    label: Skewed\n    issuer: ${provider.issuer}\n    client_id: latchkey-desktop\n`);
    const result = await runCli(env(at), 'doctor', '--json');
    const report = json(result);
    expect(check(report, 'network', 'reach:skewed').status).toBe('ok');
    const clock = check(report, 'clock', 'skew:skewed');
    expect(clock.status).toBe('warning');
    expect(clock.detail).toMatch(/clock is (599|600|601) s \(about 10 minutes\) ahead of the provider's/);
    expect(clock.fix).toMatch(/NTP/);
    // A warning alone is not a failure.
    expect(result.code).toBe(0);

    const inStep = await skewedProvider(0);
    defer(inStep.close);
    await writeConfig(at, `  fine:\n    label: Fine\n    issuer: ${inStep.issuer}\n    client_id: latchkey-desktop\n`);
    expect(check(json(await runCli(env(at), 'doctor', '--json')), 'clock', 'skew:fine').status).toBe('ok');
  });

  it('reports a keychain it cannot reach as the problem, and runs every other check', async () => {
    const at = await home();
    await writeConfig(at, `  demo:\n    label: Demo\n    embedded: true\n    port: ${demo.port}\n`);
    const result = await runCli(env(at, { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(at.dir, 'no-bus')}` }), 'doctor', '--json');
    expect(result.code).toBe(1);
    const report = json(result);
    const keychain = check(report, 'storage', 'keychain');
    expect(keychain.status).toBe('problem');
    expect(keychain.detail).toMatch(/keychain is not available/);
    expect(keychain.fix).toBeTruthy();
    expect(report.checks.filter((c) => c.status === 'problem')).toHaveLength(1);
    expect(check(report, 'network', 'reach:demo').status).toBe('ok');
  });

  it('reports the passphrase store when it is chosen, without touching the keychain', async () => {
    const at = await home();
    await writeConfig(at, `  demo:\n    label: Demo\n    embedded: true\n    port: ${demo.port}\n`);
    const report = json(await runCli(env(at, { LATCHKEY_STORAGE: 'passphrase', DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(at.dir, 'no-bus')}` }), 'doctor', '--json'));
    expect(check(report, 'storage', 'store').detail).toMatch(/passphrase store \(chosen by LATCHKEY_STORAGE\)/);
    expect(check(report, 'storage', 'keychain').status).toBe('skipped');
  });

  it('--json: a versioned report of typed checks with a summary', async () => {
    const at = await home();
    await writeConfig(at, `  demo:\n    label: Demo\n    embedded: true\n    port: ${demo.port}\n`);
    const result = await runCli(env(at), 'doctor', '--json');
    const report = json(result);
    expect(report.version).toBe(1);
    expect(Number.isNaN(Date.parse(report.createdAt))).toBe(false);
    expect(report.platform).toMatch(/^linux /);
    expect(report.configPath).toBe('~/config.yaml');
    expect(report.checks.length).toBeGreaterThanOrEqual(7);
    for (const c of report.checks) {
      expect(DIAGNOSTIC_GROUPS).toContain(c.group);
      expect(DIAGNOSTIC_STATUSES).toContain(c.status);
      expect(typeof c.id).toBe('string');
      expect(typeof c.title).toBe('string');
      expect(typeof c.detail).toBe('string');
    }
    const counts = { ok: 0, problem: 0, warning: 0, skipped: 0 };
    for (const c of report.checks) counts[c.status] += 1;
    expect(report.summary).toEqual(counts);
    // Every group is there.
    expect(new Set(report.checks.map((c) => c.group))).toEqual(new Set(DIAGNOSTIC_GROUPS));
    expect(result.stderr).toBe('');
  });
});
