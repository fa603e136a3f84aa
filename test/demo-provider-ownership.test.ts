/**
 * A demo provider found already running on the demo port is used only after it proves that it holds this
 * data folder's provider keys. A program squatting on the port with a copied discovery document (and the
 * real public JWKS, and even relaying the challenge to the genuine provider elsewhere) is refused with an
 * error naming the port and, where the OS tells, the process; a genuine second Latchkey provider of the same
 * data folder is reused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedProviderHost } from '../src/main/embedded-provider-host';
import { OWNERSHIP_PATH } from '../src/main/idp/ownership';
import {
  cleanProcessText,
  describePortHolder,
  parseLsofFields,
  parseNetstatListeningPid,
  parseProcNetTcp,
  parseTasklistImage,
} from '../src/main/port-holder';
import { isAuthError } from '../src/shared/errors';
import { freePort } from './helpers/engine-fixture';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function dataFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-ownership-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function host(settings: Parameters<typeof EmbeddedProviderHost.create>[0]): Promise<EmbeddedProviderHost> {
  const created = await EmbeddedProviderHost.create({ ownershipTimeoutMs: 2_000, env: {}, ...settings });
  cleanups.push(() => created.close());
  return created;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

/** What a genuine provider publishes, rewritten to another origin: all a squatter can copy. */
async function copiedDocuments(genuineIssuer: string, squatterIssuer: string): Promise<{ discovery: string; jwks: string; jwksPath: string }> {
  const discoveryText = await (await fetch(`${genuineIssuer}/.well-known/openid-configuration`)).text();
  const discovery = discoveryText.replaceAll(genuineIssuer, squatterIssuer);
  const jwksUri = (JSON.parse(discoveryText) as { jwks_uri: string }).jwks_uri;
  const jwks = await (await fetch(jwksUri)).text();
  return { discovery, jwks, jwksPath: new URL(jwksUri).pathname };
}

function squatter(documents: { discovery: string; jwks: string; jwksPath: string }, relayTo?: number) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === OWNERSHIP_PATH && relayTo !== undefined) {
      // Passes the challenge on to the genuine provider of the same data folder and returns its answer.
      const forward = request({ host: '127.0.0.1', port: relayTo, path, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(forward);
      return;
    }
    const body = path === '/.well-known/openid-configuration' ? documents.discovery : path === documents.jwksPath ? documents.jwks : undefined;
    res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'application/json' }).end(body ?? '{"error":"not_found"}');
  };
}

async function refusal(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected ensureRunning() to be refused');
}

describe('demo provider ownership', () => {
  it('refuses a squatter serving a copied discovery document and JWKS, naming the port and the process', async () => {
    const folder = await dataFolder();
    const genuine = await host({ dataDir: folder, port: 0 });
    const port = await freePort();
    const documents = await copiedDocuments(genuine.issuer, `http://127.0.0.1:${port}`);
    await listen(squatter(documents), port);
    // The squatter looks exactly like a provider at that issuer to anyone who reads its documents.
    const served = (await (await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(served.issuer).toBe(`http://127.0.0.1:${port}`);

    const error = await refusal((await host({ dataDir: folder, port })).ensureRunning());
    expect(isAuthError(error, 'network')).toBe(true);
    expect(error.message).toContain(`Port ${port} on 127.0.0.1`);
    expect(error.message).toContain("not Latchkey's demo provider for this data folder");
    expect(error.hint).toMatch(/LATCHKEY_IDP_PORT/);
    if (process.platform === 'linux') expect(error.message).toContain(`pid ${process.pid} (`);
  });

  it('refuses a squatter that relays the challenge to the genuine provider listening elsewhere', async () => {
    const folder = await dataFolder();
    const genuine = await host({ dataDir: folder, port: 0 });
    const port = await freePort();
    await listen(squatter(await copiedDocuments(genuine.issuer, `http://127.0.0.1:${port}`), genuine.port), port);

    const error = await refusal((await host({ dataDir: folder, port })).ensureRunning());
    expect(isAuthError(error, 'network')).toBe(true);
    expect(error.message).toContain(`Port ${port}`);
    expect(error.message).toContain('does not match');
  });

  it('refuses a genuine demo provider of another data folder', async () => {
    const port = await freePort();
    const other = await host({ dataDir: await dataFolder(), port });
    await other.ensureRunning();

    const error = await refusal((await host({ dataDir: await dataFolder(), port })).ensureRunning());
    expect(isAuthError(error, 'network')).toBe(true);
    expect(error.message).toContain(`Port ${port}`);
  });

  it('reuses a genuine second Latchkey demo provider of the same data folder', async () => {
    const folder = await dataFolder();
    const port = await freePort();
    const first = await host({ dataDir: folder, port });
    await first.ensureRunning();

    const lines: string[] = [];
    const second = await host({ dataDir: folder, port, log: (line) => lines.push(line) });
    await second.ensureRunning();
    await second.ensureRunning();
    expect(lines.filter((line) => line.includes('using the one another Latchkey process runs'))).toHaveLength(2);
    // The second did not start a provider of its own: closing it leaves the first one serving.
    await second.close();
    const served = (await (await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(served.issuer).toBe(`http://127.0.0.1:${port}`);
  });

  it('two Latchkey processes of one data folder starting at once: one runs it, the other waits through its start-up and reuses it', async () => {
    const folder = await dataFolder();
    const port = await freePort();
    // A fresh folder: the first provider is still generating its keys (answering 503) when the second checks.
    const [first, second] = await Promise.all([host({ dataDir: folder, port }), host({ dataDir: folder, port })]);
    await Promise.all([first.ensureRunning(), second.ensureRunning()]);
    const served = (await (await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(served.issuer).toBe(`http://127.0.0.1:${port}`);
  });

  it('starts its own provider once a refused squatter has gone', async () => {
    const folder = await dataFolder();
    const port = await freePort();
    const squat = await listen((_req, res) => res.writeHead(404).end(), port);
    const mine = await host({ dataDir: folder, port });
    await refusal(mine.ensureRunning());
    await new Promise<void>((resolve) => {
      squat.server.closeAllConnections();
      squat.server.close(() => resolve());
    });
    await mine.ensureRunning();
    const answer = await fetch(`http://127.0.0.1:${port}${OWNERSHIP_PATH}`, { method: 'POST', body: new URLSearchParams({ challenge: 'a'.repeat(43) }) });
    expect(answer.status).toBe(200);
  });

  it('the provider answers only well-formed POST challenges', async () => {
    const genuine = await host({ dataDir: await dataFolder(), port: 0 });
    const url = `${genuine.issuer}${OWNERSHIP_PATH}`;
    expect((await fetch(url)).status).toBe(405);
    expect((await fetch(url, { method: 'POST', body: new URLSearchParams({ challenge: 'short' }) })).status).toBe(400);
    expect((await fetch(url, { method: 'POST', body: 'challenge=x', headers: { 'Content-Type': 'text/plain' } })).status).toBe(415);
    const ok = await fetch(url, { method: 'POST', body: new URLSearchParams({ challenge: 'b'.repeat(43) }) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect((await ok.json()) as unknown).toEqual({ proof: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
  });
});

describe('port holder', () => {
  it.runIf(process.platform === 'linux')('names the process listening on a port (Linux /proc)', async () => {
    const { port } = await listen((_req, res) => res.end());
    expect(await describePortHolder(port)).toMatch(new RegExp(`^pid ${process.pid} \\(.+\\)$`));
    expect(await describePortHolder(await freePort())).toBeUndefined();
  });

  it('reads /proc/net/tcp: listening sockets on the port only', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:11F8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 424242 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:11F8 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 515151 1 0000000000000000 20 4 30 10 -1',
      '   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 616161 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    expect(parseProcNetTcp(table, 4600)).toEqual([{ inode: '424242', uid: 1000 }]);
    expect(parseProcNetTcp(table, 8080)).toEqual([{ inode: '616161', uid: 0 }]);
    expect(parseProcNetTcp(table, 4601)).toEqual([]);
  });

  it('reads lsof, netstat and tasklist output', () => {
    expect(parseLsofFields('p812\ncpython3\nf5\n')).toBe('pid 812 (python3)');
    expect(parseLsofFields('')).toBeUndefined();
    const netstat = [
      '',
      'Active Connections',
      '',
      '  Proto  Local Address          Foreign Address        State           PID',
      '  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1104',
      '  TCP    127.0.0.1:4600         0.0.0.0:0              LISTENING       9120',
      '  TCP    127.0.0.1:4600         127.0.0.1:50123        ESTABLISHED     9120',
    ].join('\r\n');
    expect(parseNetstatListeningPid(netstat, 4600)).toBe(9120);
    expect(parseNetstatListeningPid(netstat, 4601)).toBeUndefined();
    expect(parseTasklistImage('"python.exe","9120","Console","1","12,345 K"\r\n')).toBe('python.exe');
  });

  it('keeps what a process says about itself harmless and short', () => {
    expect(cleanProcessText('evil\u001b[31m\nname\u202e')).toBe('evil [31m name');
    expect(cleanProcessText('x'.repeat(1_000)).length).toBeLessThanOrEqual(160);
  });
});
