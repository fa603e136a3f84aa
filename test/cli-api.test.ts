/**
 * `latchkey api` as a script runs it: the built CLI in separate processes, `$BROWSER` driving Chromium through
 * the demo provider's pages for the sign-in, the real keychain. Against the demo API (which each CLI run starts
 * with the built-in provider when nothing else serves it) and against a plain HTTP server on this machine
 * playing another API, to see exactly what a command line sends: `-X`, `-f` as query or JSON fields,
 * `--input` from a file or stdin, `--include`, the exit codes, and never a token in the output.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretVault } from '../src/main/store/secrets';
import { runNodeChild } from './helpers/bundle-for-child';
import { assertCliBuilt, runCli } from './helpers/cli-runner';
import { freePort, tempHome, type TempHome } from './helpers/engine-fixture';

const BROWSER_SCRIPT = join(__dirname, 'helpers', 'browser-cli.mjs');
const CLI = join(__dirname, '..', 'bin', 'latchkey.js');

let home: TempHome;
let env: NodeJS.ProcessEnv;
let echo: Server;
const outputs: string[] = [];

async function latchkey(...args: string[]) {
  const result = await runCli(env, ...args);
  outputs.push(result.stdout, result.stderr);
  return result;
}

beforeAll(async () => {
  assertCliBuilt();
  home = await tempHome();
  echo = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', etag: '"e1"', 'set-cookie': 'a=b' });
      res.end(JSON.stringify({ method: req.method, url: req.url, scheme: req.headers.authorization?.split(' ')[0] ?? null, contentType: req.headers['content-type'] ?? null, body }));
    });
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  const port = await freePort();
  await writeFile(
    home.configPath,
    `providers:\n  demo: { label: Demo, embedded: true, port: ${port} }\napis:\n  demo: { provider: demo }\n  echo: { provider: demo, base_url: "${echoUrl}/v1" }\ncredentials:\n  usernames: {}\n`,
    { mode: 0o600 },
  );
  env = {
    ...process.env,
    LATCHKEY_CONFIG: home.configPath,
    LATCHKEY_KEYCHAIN_SERVICE: home.keychainService,
    BROWSER: `${process.execPath} ${BROWSER_SCRIPT}`,
    LATCHKEY_TEST_USER: 'alice',
    LATCHKEY_TEST_CONSENT: 'allow',
  };
});

afterAll(async () => {
  echo?.closeAllConnections();
  await new Promise((resolve) => echo?.close(resolve));
  await home?.cleanup();
});

describe('latchkey api', () => {
  it('refuses before sign-in, and with a malformed command line', async () => {
    const before = await latchkey('api', 'demo', '/projects');
    expect(before.code).toBe(1);
    expect(before.stdout).toBe('');
    expect(before.stderr).toMatch(/No account of "demo" is signed in/);
    expect(before.stderr).toMatch(/latchkey login --provider demo/);
    expect((await latchkey('api', 'demo')).code).toBe(2);
    expect((await latchkey('api', 'demo', '/me', '-X', 'TRACE')).code).toBe(2);
    expect((await latchkey('api', 'demo', '/me', '-f', 'novalue')).code).toBe(2);
    expect((await latchkey('api', 'demo', '/me', '/extra', 'more')).code).toBe(2);
    expect((await latchkey('login')).code).toBe(0);
  });

  it("prints the signed-in person's data from the demo API, compact JSON when piped; exit 0 for 2xx", async () => {
    const result = await latchkey('api', 'demo', '/projects', '-X', 'GET', '-f', 'days=7');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1); // one line: not a terminal, so not pretty-printed
    const body = JSON.parse(result.stdout) as { user: { sub: string }; days: number; projects: unknown[] };
    expect(body).toMatchObject({ user: { sub: 'alice' }, days: 7 });
    expect(body.projects).toHaveLength(4);

    const included = await latchkey('api', 'demo', 'me', '--include');
    expect(included.code).toBe(0);
    const [head, payload] = included.stdout.split('\n\n');
    expect(head?.split('\n')[0]).toBe('HTTP 200');
    expect(head).toMatch(/^content-type: application\/json/m);
    expect(head).not.toMatch(/dpop-nonce|set-cookie/i);
    expect(JSON.parse(payload as string)).toMatchObject({ sub: 'alice', dpop: true });
  });

  it('exits 1 for an answer that is not 2xx (and prints it), 2 for a path outside the API, 1 for an unknown API', async () => {
    const missing = await latchkey('api', 'demo', '/projects/ledger');
    expect(missing.code, missing.stderr).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: 'not_found' });
    expect(missing.stderr).toMatch(/demo answered HTTP 404/);
    const escape = await latchkey('api', 'demo', '/../admin');
    expect(escape.code).toBe(2);
    expect(escape.stderr).toMatch(/API path was refused/);
    const unknown = await latchkey('api', 'nope', '/x');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No API named "nope"/);
  });

  it('sends -f as query parameters with GET, as JSON fields otherwise (then POST by default, as gh api), and --input as the JSON body', async () => {
    const get = JSON.parse((await latchkey('api', 'echo', 'items', '-X', 'get', '-f', 'q=a b', '-f', 'tag=x', '-f', 'tag=y')).stdout) as Record<string, unknown>;
    expect(get).toMatchObject({ method: 'GET', url: '/v1/items?q=a+b&tag=x&tag=y', scheme: 'DPoP', body: '' });
    const post = JSON.parse((await latchkey('api', 'echo', 'items', '-f', 'name=lamp', '-f', 'n=2')).stdout) as Record<string, unknown>;
    expect(post).toMatchObject({ method: 'POST', url: '/v1/items', contentType: 'application/json', body: '{"name":"lamp","n":"2"}' });
    const input = join(home.dir, 'body.json');
    await writeFile(input, '{"list":[1,2,3],"ok":true}');
    const put = JSON.parse((await latchkey('api', 'echo', 'items/7', '-X', 'PUT', '--input', input, '-f', 'dry=1')).stdout) as Record<string, unknown>;
    expect(put).toMatchObject({ method: 'PUT', url: '/v1/items/7?dry=1', body: '{"list":[1,2,3],"ok":true}' });
    const piped = await runNodeChild(CLI, ['api', 'echo', 'items', '--input', '-'], { env, input: '{"from":"stdin"}' });
    outputs.push(piped.stdout, piped.stderr);
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ method: 'POST', body: '{"from":"stdin"}' });
    const notJson = await latchkey('api', 'echo', 'items', '--input', join(home.dir, 'config.yaml'));
    expect(notJson.code).toBe(2);
  });

  it('never prints a token or the key, except `latchkey token` its access token (with a note on stderr that it is bound)', async () => {
    const token = await latchkey('token');
    expect(token.code).toBe(0);
    expect(token.stderr).toMatch(/DPoP-bound/);
    const vault = new SecretVault({ service: home.keychainService, dir: join(home.dir, 'secrets') });
    const stored = await vault.get('demo:alice');
    expect(token.stdout.trim()).toBe(stored?.accessToken);
    outputs.push(token.stderr);
    const secrets = [stored?.refreshToken, stored?.idToken, stored?.dpopKey?.d, stored?.accessToken].filter((s): s is string => Boolean(s));
    expect(secrets.length).toBe(4);
    const everythingButTheTokenCommand = outputs.filter((text) => text !== token.stdout).join('\n');
    for (const secret of secrets) expect(everythingButTheTokenCommand.includes(secret)).toBe(false);
  });
});
