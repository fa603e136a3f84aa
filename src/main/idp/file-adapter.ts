/**
 * oidc-provider's storage adapter over the FileStore: one adapter per model (Session, Grant,
 * RefreshToken, ...), all sharing one store. Secondary lookups (by session uid, user code, grant id)
 * scan the store; the demo provider holds a handful of entries, so indexes would be complexity for nothing.
 *
 * The artifacts that are bearer credentials — access tokens, refresh tokens, authorization codes, whose id
 * is the very value a client presents — are kept under a SHA-256 digest of that value and without it
 * (`jti` is put back from the presented value on lookup), the way token databases keep only hashes. So
 * `demo-provider/store.json` holds no token that works: a copy of the data folder (a backup, another user)
 * cannot be used to call the demo API or to refresh a session. Models found by something other than their id
 * (sessions by uid, device codes by user code) must keep their id and are stored as before. Entries written
 * under the plain value by an earlier version are found too and moved under the digest on first use.
 */
import { createHash } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { FileStore } from './file-store';

/** Models whose id is a credential and which are only ever found by that id. */
const DIGESTED_MODELS = new Set(['AccessToken', 'RefreshToken', 'AuthorizationCode']);

function digest(id: string): string {
  return `sha256:${createHash('sha256').update(id).digest('base64url')}`;
}

export class FileAdapter implements Adapter {
  private readonly prefix: string;
  private readonly digested: boolean;

  constructor(
    readonly model: string,
    private readonly store: FileStore,
  ) {
    this.prefix = `${model}:`;
    this.digested = DIGESTED_MODELS.has(model);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.store.set(this.key(id), this.stored(id, payload), expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    let payload = this.store.get(this.key(id));
    if (payload === undefined && this.digested) {
      // Written under the plain value by an earlier version: moved under the digest, keeping its expiry.
      const legacy = this.legacyKey(id);
      if (this.store.get(legacy) === undefined) return undefined;
      await this.store.move(legacy, this.key(id), (moved) => this.strip(id, moved));
      payload = this.store.get(this.key(id));
    }
    return payload === undefined ? undefined : this.restored(id, payload);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere((payload) => payload.uid === uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere((payload) => payload.userCode === userCode);
  }

  /** Marks the artifact used. Persisted: reuse of a rotated refresh token must be detected after a restart too. */
  async consume(id: string): Promise<void> {
    if ((await this.find(id)) === undefined) return;
    await this.store.update(this.key(id), (payload) => {
      payload.consumed = Math.floor(Date.now() / 1000); // seconds, like oidc-provider's own timestamps
    });
  }

  async destroy(id: string): Promise<void> {
    await this.store.delete(this.digested ? [this.key(id), this.legacyKey(id)] : [this.key(id)]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const keys: string[] = [];
    for (const [key, payload] of this.store.scan(this.prefix)) if (payload.grantId === grantId) keys.push(key);
    await this.store.delete(keys);
  }

  private key(id: string): string {
    return this.digested ? `${this.prefix}${digest(id)}` : `${this.prefix}${id}`;
  }

  private legacyKey(id: string): string {
    return `${this.prefix}${id}`;
  }

  /** What is written: for a credential, the payload without its own value. */
  private stored(id: string, payload: AdapterPayload): AdapterPayload {
    return this.digested ? this.strip(id, { ...payload }) : payload;
  }

  private strip(id: string, payload: AdapterPayload): AdapterPayload {
    if (payload.jti === id) delete payload.jti;
    return payload;
  }

  /** What oidc-provider gets back: the value it presented is the artifact's `jti`. */
  private restored(id: string, payload: AdapterPayload): AdapterPayload {
    return this.digested && payload.jti === undefined ? { ...payload, jti: id } : payload;
  }

  private findWhere(matches: (payload: AdapterPayload) => boolean): AdapterPayload | undefined {
    for (const [key, payload] of this.store.scan(this.prefix)) {
      if (matches(payload)) return this.store.get(key);
    }
    return undefined;
  }
}

/** The `adapter` option of the provider configuration (a factory, called once per model). */
export function fileAdapterFactory(store: FileStore): (model: string) => FileAdapter {
  return (model) => new FileAdapter(model, store);
}
