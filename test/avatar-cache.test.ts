/**
 * Account pictures fetched by the main process: only images, only https or the embedded provider's own http
 * origin, bounded in size, kept in the data folder so the next start needs no network, never fetched by a
 * CLI command, never looked up for special-use names.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvatarCache } from '../src/main/auth/avatar-cache';

let server: Server;
let origin = '';
const hits: string[] = [];
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/a.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    if (req.url === '/page.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<script>alert(1)</script>');
    if (req.url === '/huge.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(300 * 1024));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'latchkey-avatars-'));
}

describe('avatar cache', () => {
  it('fetches an image from the trusted origin once, as a data: URL, and a new instance reads it from disk', async () => {
    const dir = await tempDir();
    try {
      const cache = new AvatarCache({ dir, trustedHttpOrigin: origin });
      expect(cache.dataUrlFor(`${origin}/a.png`)).toBeUndefined();
      expect(await cache.ensure(`${origin}/a.png`)).toBe(true);
      expect(cache.dataUrlFor(`${origin}/a.png`)).toBe(`data:image/png;base64,${PNG.toString('base64')}`);
      expect(hits.filter((h) => h === '/a.png')).toHaveLength(1);
      expect(await readdir(dir)).toHaveLength(1);

      // The next start (or a CLI command) uses the stored copy without a request.
      const cli = new AvatarCache({ dir, trustedHttpOrigin: origin, fetchMissing: false });
      expect(await cli.ensure(`${origin}/a.png`)).toBe(true);
      expect(hits.filter((h) => h === '/a.png')).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses what is not a picture to show: other content types, too large, plain http from elsewhere', async () => {
    const dir = await tempDir();
    try {
      const cache = new AvatarCache({ dir, trustedHttpOrigin: origin });
      expect(await cache.ensure(`${origin}/page.html`)).toBe(false);
      expect(await cache.ensure(`${origin}/huge.png`)).toBe(false);
      expect(await cache.ensure(`${origin}/missing.png`)).toBe(false);
      const untrusted = new AvatarCache({ dir });
      const before = hits.length;
      expect(await untrusted.ensure(`${origin}/a.png`)).toBe(false);
      expect(hits.length).toBe(before);
      expect(await readdir(dir)).toHaveLength(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never looks up special-use names, and a CLI command fetches nothing', async () => {
    const asked: string[] = [];
    const recording: typeof fetch = async (input) => {
      asked.push(String(input));
      throw new TypeError('fetch failed');
    };
    const dir = await tempDir();
    try {
      const cache = new AvatarCache({ dir, fetch: recording });
      for (const url of ['https://cdn.example/a.png', 'https://x.invalid/a.png', 'https://avatars.test/a.png', 'https://www.example.com/a.png']) {
        expect(await cache.ensure(url)).toBe(false);
      }
      expect(asked).toEqual([]);
      const cli = new AvatarCache({ dir, fetch: recording, fetchMissing: false });
      expect(await cli.ensure('https://cdn.real-provider.invalid.io/a.png')).toBe(false);
      expect(asked).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
