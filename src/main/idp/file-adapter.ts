/**
 * oidc-provider's storage adapter over the FileStore: one adapter per model (Session, Grant,
 * RefreshToken, ...), all sharing one store. Secondary lookups (by session uid, user code, grant id)
 * scan the store; the demo provider holds a handful of entries, so indexes would be complexity for nothing.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { FileStore } from './file-store';

export class FileAdapter implements Adapter {
  private readonly prefix: string;

  constructor(
    readonly model: string,
    private readonly store: FileStore,
  ) {
    this.prefix = `${model}:`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.store.set(this.key(id), payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.store.get(this.key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere((payload) => payload.uid === uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere((payload) => payload.userCode === userCode);
  }

  /** Marks the artifact used. Persisted: reuse of a rotated refresh token must be detected after a restart too. */
  async consume(id: string): Promise<void> {
    await this.store.update(this.key(id), (payload) => {
      payload.consumed = Math.floor(Date.now() / 1000); // seconds, like oidc-provider's own timestamps
    });
  }

  async destroy(id: string): Promise<void> {
    await this.store.delete([this.key(id)]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const keys: string[] = [];
    for (const [key, payload] of this.store.scan(this.prefix)) if (payload.grantId === grantId) keys.push(key);
    await this.store.delete(keys);
  }

  private key(id: string): string {
    return `${this.prefix}${id}`;
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
