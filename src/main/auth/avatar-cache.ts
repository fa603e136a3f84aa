/**
 * Account pictures, fetched by the main process and handed to the window as `data:` URLs.
 *
 * A picture URL is the provider's choice; loading it from the window would tell its owner whenever Latchkey
 * is opened (a tracking pixel) and needs a Content-Security-Policy open to every https host. Instead the main
 * process fetches each picture once (only https, or http from the embedded provider, only image types, at most
 * 256 KB), keeps it in the data folder so a restart needs no network, and the window's policy allows `data:`
 * images and nothing remote. Failures leave the picture out: the window shows initials.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic-write';
import { safePictureUrl } from './profile-readers';

const MAX_PICTURE_BYTES = 256 * 1024;
/**
 * Special-use names (RFC 2606, RFC 6761) never resolve on the internet: a picture there is not looked up at
 * all, so no resolver is asked about a name that cannot exist.
 */
const NEVER_RESOLVES = /(^|\.)(example|invalid|test|localhost)$|(^|\.)example\.(com|net|org)$/i;
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml', 'image/avif']);

export interface AvatarCacheOptions {
  dir: string;
  fetch?: typeof fetch;
  /** The embedded provider's origin: its plain-http pictures are the only http ones fetched. */
  trustedHttpOrigin?: string;
  /** false: only pictures already in the data folder are used (one-shot CLI commands). Default true. */
  fetchMissing?: boolean;
}

export class AvatarCache {
  readonly #options: AvatarCacheOptions;
  readonly #memory = new Map<string, string>();
  readonly #pending = new Map<string, Promise<boolean>>();

  constructor(options: AvatarCacheOptions) {
    this.#options = options;
  }

  /** The picture as a data: URL, if it has been loaded (never blocks, never fetches). */
  dataUrlFor(url: string | undefined): string | undefined {
    return url === undefined ? undefined : this.#memory.get(url);
  }

  /** Loads the picture from the data folder, or else fetches it; resolves true when it became available. */
  ensure(url: string | undefined): Promise<boolean> {
    if (url === undefined || this.#memory.has(url)) return Promise.resolve(false);
    const pending = this.#pending.get(url);
    if (pending) return pending;
    const work = this.#load(url)
      .catch(() => false)
      .finally(() => this.#pending.delete(url));
    this.#pending.set(url, work);
    return work;
  }

  async #load(url: string): Promise<boolean> {
    const safe = safePictureUrl(url, this.#options.trustedHttpOrigin);
    if (!safe) return false;
    const host = new URL(safe).hostname;
    if (NEVER_RESOLVES.test(host) && host !== 'localhost') return false;
    const file = join(this.#options.dir, createHash('sha256').update(safe).digest('hex').slice(0, 32));
    const stored = await readFile(file, 'utf8').catch(() => undefined);
    if (stored?.startsWith('data:image/')) {
      this.#memory.set(url, stored);
      return true;
    }
    if (this.#options.fetchMissing === false) return false;
    const response = await (this.#options.fetch ?? fetch)(safe, { redirect: 'error', signal: AbortSignal.timeout(10_000), headers: { accept: 'image/*' } });
    const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!response.ok || !IMAGE_TYPES.has(type)) return false;
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > MAX_PICTURE_BYTES) return false;
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length === 0 || bytes.length > MAX_PICTURE_BYTES) return false;
    const dataUrl = `data:${type};base64,${bytes.toString('base64')}`;
    this.#memory.set(url, dataUrl);
    await mkdir(this.#options.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, dataUrl, 0o600).catch(() => undefined);
    return true;
  }
}
