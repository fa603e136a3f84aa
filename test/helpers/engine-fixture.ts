/**
 * Test fixtures for the engine: a temp data folder, a unique keychain service, a free loopback port, and a
 * fetch that records every request Latchkey makes (to count refresh requests and prove "no network").
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RecordedRequest {
  url: string;
  method: string;
  grantType?: string;
  /** When it was sent (Date.now()), for tests of how requests are paced. */
  at?: number;
  /**
   * The provider asked for a DPoP nonce first (RFC 9449 §8: `use_dpop_nonce`) and the client sent the request
   * again with it. Such an answer comes before the grant is looked at: nothing was spent.
   */
  nonceChallenge?: boolean;
}

/** A real fetch that records what it was asked to do. */
export function recordingFetch(): { fetch: typeof fetch; requests: RecordedRequest[]; refreshRequests(): number } {
  const requests: RecordedRequest[] = [];
  const recording: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = init?.body;
    const grantType = body instanceof URLSearchParams ? body.get('grant_type') ?? undefined : typeof body === 'string' ? new URLSearchParams(body).get('grant_type') ?? undefined : undefined;
    const request: RecordedRequest = { url, method: init?.method ?? 'GET', at: Date.now(), ...(grantType ? { grantType } : {}) };
    requests.push(request);
    const response = await fetch(input, init);
    if (grantType && response.status === 400 && response.headers.has('dpop-nonce')) {
      const answer = (await response.clone().json().catch(() => ({}))) as { error?: unknown };
      if (answer.error === 'use_dpop_nonce') request.nonceChallenge = true;
    }
    return response;
  };
  // Grants the provider took up: a nonce challenge and its retry are one grant.
  return { fetch: recording, requests, refreshRequests: () => requests.filter((r) => r.grantType === 'refresh_token' && !r.nonceChallenge).length };
}

/** A port that was free a moment ago (for a provider that must keep its issuer across restarts). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface TempHome {
  dir: string;
  configPath: string;
  keychainService: string;
  cleanup(): Promise<void>;
}

export async function tempHome(): Promise<TempHome> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-test-'));
  return {
    dir,
    configPath: join(dir, 'config.yaml'),
    keychainService: `latchkey-test-${randomBytes(6).toString('hex')}`,
    // Retries: a detached $BROWSER stand-in or CLI run may still be writing its last file into the folder.
    cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }),
  };
}

/**
 * Writes a config whose provider `local` is a generic OIDC provider (discovery, client id) that happens to
 * be the demo provider on this machine: this exercises the path every third-party provider takes.
 */
export async function writeGenericProviderConfig(configPath: string, issuer: string, extra = ''): Promise<void> {
  await writeFile(
    configPath,
    `session:\n  expiry_days: 30\nproviders:\n  local:\n    label: Local SSO\n    issuer: ${issuer}\n    client_id: latchkey-desktop\n${extra}credentials:\n  usernames: {}\n`,
    { mode: 0o600 },
  );
}
