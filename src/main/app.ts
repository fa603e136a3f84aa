/**
 * Composes the Latchkey engine from real adapters: config.yaml, the OS keychain, the embedded demo provider,
 * the auth-event log, a browser opener and fetch. The desktop app and the CLI both start here; nothing else
 * builds real adapters.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TerminalTotpEnrollment } from '../shared/accounts';
import type { SessionEngine, SessionState } from '../shared/session';
import { AvatarCache } from './auth/avatar-cache';
import { AuthEventLog } from './auth/event-log';
import { ProviderRegistry } from './auth/providers';
import { SessionManager } from './auth/session-manager';
import { UserAdmin } from './auth/local-accounts/user-admin';
import { EmbeddedProviderHost } from './embedded-provider-host';
import { DEMO_CLIENT_ID } from './idp/config';
import { ConfigStore, defaultConfigPath, type EmbeddedProviderConfig, type LatchkeyConfig } from './store/config';
import { assertPrivateDataFolder } from './store/data-folder';
import type { PassphrasePurpose } from './store/passphrase-key-store';
import { openSecretStore, storageOfInvalidConfig, type SecretStoreInfo } from './store/secret-store';
import { resolveSecretStorage } from './store/secret-storage';

export { DEFAULT_DEMO_PORT } from './embedded-provider-host';

export interface LatchkeyOptions {
  configPath?: string;
  keychainService?: string;
  openBrowser: (url: string) => Promise<void>;
  fetch?: typeof fetch;
  now?: () => number;
  /**
   * The embedded demo provider: its port (default: LATCHKEY_IDP_PORT, then config.yaml, then 4600), the access
   * token lifetime, and whether to start it at once (`eager`, the desktop app) or on first need (`lazy`, the
   * CLI: a `status` with a valid token starts no server). `false`: never start it.
   */
  embeddedProvider?: { port?: number; accessTokenTtlSeconds?: number; start?: 'eager' | 'lazy' } | false;
  signInTimeoutMs?: number;
  /** When the waiting screen and the CLI say what to check if the browser has not come back (default 20 s). */
  waitingHintAfterMs?: number;
  /** `app`: refreshes tokens in the background and honours `expiry_days: 0` on close. `cli`: one-shot. */
  role?: 'app' | 'cli';
  log?: (line: string) => void;
  /**
   * With `storage: passphrase` (or LATCHKEY_STORAGE=passphrase): asks for the passphrase, once per run, when
   * secrets are first needed (the CLI's prompt; for `create` it is typed twice). Without it (the app) the store
   * stays locked and the state says `passphrase_required` until engine.unlock() is given the passphrase.
   */
  askPassphrase?: (purpose: PassphrasePurpose) => Promise<string>;
}

export interface Latchkey {
  engine: SessionEngine;
  /** Resolves once the active account is ready; with several signed-in accounts the others follow (restored()). */
  restore(): Promise<SessionState>;
  /** The state once every account has been read (see restore()). */
  restored(): Promise<SessionState>;
  getAccessToken(accountKey?: string): Promise<string>;
  /** `latchkey totp enable`: the start of turning on TOTP with the secret as text (the window gets a drawing only). */
  beginTotpInTerminal(accountKey?: string): TerminalTotpEnrollment;
  /** What an administrator does to accounts (`latchkey users`): the same config.yaml and keychain. */
  users: UserAdmin;
  /** What the person should be told once (e.g. a hand-written password in config.yaml was hashed). */
  notices(): readonly string[];
  /** Re-checks every signed-in account (after the machine resumed from sleep, or the clock jumped). */
  recheck(): Promise<void>;
  /**
   * Finishes the sign-in in progress with the redirect address a person pasted (`latchkey login --no-browser`):
   * checked and exchanged like the browser's own return; throws a coded AuthError for any other address.
   */
  completeSignIn(url: string): void;
  close(): Promise<void>;
  paths: { configPath: string; dataDir: string };
  /**
   * Where secrets are kept (`latchkey status`), and ready(): proves the store can keep a sign-in's secrets before
   * the browser opens (the keychain takes a test entry; the passphrase store is opened, asking if need be).
   */
  secrets: SecretStoreInfo & { ready(): Promise<void> };
  /** The embedded provider's issuer, when the config uses it. */
  embeddedIssuer?: string;
}

/** Reads config.yaml once to learn about the embedded provider; an invalid file is reported later by restore(). */
async function readConfigQuietly(store: ConfigStore): Promise<LatchkeyConfig | null> {
  try {
    return await store.load();
  } catch {
    return null;
  }
}

/** The embedded provider's entry in config.yaml, if the config uses it. */
function embeddedSettings(config: LatchkeyConfig | null): EmbeddedProviderConfig | undefined {
  if (!config) return undefined;
  return Object.values(config.providers).find((p): p is EmbeddedProviderConfig => p.embedded === true);
}

export async function createLatchkey(options: LatchkeyOptions): Promise<Latchkey> {
  const configPath = options.configPath ?? defaultConfigPath();
  const dataDir = dirname(configPath);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await assertPrivateDataFolder(configPath);
  const role = options.role ?? 'app';
  const config = new ConfigStore({ path: configPath });
  const events = new AuthEventLog({ path: join(dataDir, 'auth-events.jsonl'), ...(options.now ? { now: options.now } : {}), ...(options.log ? { log: options.log } : {}) });

  // Read once here to learn whether the config uses the embedded demo provider; restore() reuses it.
  const initial = await readConfigQuietly(config);
  // Where secrets are kept: decided in one place (store/secret-storage.ts), from LATCHKEY_STORAGE or storage:.
  const storage = resolveSecretStorage(initial ? initial.storage : await storageOfInvalidConfig(configPath), process.env);
  const secrets = openSecretStore({
    kind: storage,
    dataDir,
    keychainService: options.keychainService ?? process.env.LATCHKEY_KEYCHAIN_SERVICE ?? 'Latchkey',
    ...(options.askPassphrase ? { askPassphrase: options.askPassphrase } : {}),
  });
  const { vault } = secrets;
  const embedded = embeddedSettings(initial);
  const embeddedOptions = options.embeddedProvider === false ? null : options.embeddedProvider ?? {};
  const ttl = embeddedOptions?.accessTokenTtlSeconds ?? embedded?.access_token_ttl_seconds;
  // Hosted even when config.yaml does not use it (yet): a file that is fixed while the app runs may add it.
  // Only an ephemeral port (tests) starts it at once, and only when the config asks for it.
  const demo =
    embeddedOptions && (embedded || embeddedOptions.port !== 0)
      ? await EmbeddedProviderHost.create({
          dataDir,
          ...(embeddedOptions.port !== undefined ? { port: embeddedOptions.port } : {}),
          ...(embedded?.port !== undefined ? { configPort: embedded.port } : {}),
          ...(ttl !== undefined ? { accessTokenTtlSeconds: ttl } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(options.log ? { log: options.log } : {}),
        })
      : null;
  if (demo && embedded && (embeddedOptions?.start ?? (role === 'app' ? 'eager' : 'lazy')) === 'eager') {
    // The window should not wait for a provider that cannot start; a sign-in reports it when it is needed.
    await demo.ensureRunning().catch((err: unknown) => options.log?.(`demo provider: ${(err as Error).message}`));
  }
  const embeddedIssuer = demo?.issuer;

  const manager = new SessionManager({
    config,
    vault,
    // The app asks for the passphrase in its window: until then the state says so (phase passphrase_required).
    ...(secrets.passphrase && !options.askPassphrase ? { secretsLock: secrets.passphrase } : {}),
    events,
    openBrowser: options.openBrowser,
    autoRefresh: role === 'app',
    avatars: new AvatarCache({
      dir: join(dataDir, 'avatars'),
      // Only the window shows pictures: a CLI command uses what the app fetched and fetches none itself.
      fetchMissing: role === 'app',
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(embeddedIssuer ? { trustedHttpOrigin: new URL(embeddedIssuer).origin } : {}),
    }),
    ...(initial ? { initialConfig: initial } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.signInTimeoutMs !== undefined ? { signInTimeoutMs: options.signInTimeoutMs } : {}),
    ...(options.waitingHintAfterMs !== undefined ? { waitingHintAfterMs: options.waitingHintAfterMs } : {}),
    ...(options.log ? { log: options.log } : {}),
    createProviderRegistry: (providers) =>
      new ProviderRegistry({
        providers,
        embeddedClientId: DEMO_CLIENT_ID,
        ...(embeddedIssuer ? { embeddedIssuer } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        beforeDiscovery: async (provider) => {
          if (provider.embedded) await demo?.ensureRunning();
        },
      }),
  });
  await mkdir(join(dataDir, 'locks'), { recursive: true, mode: 0o700 });

  return {
    engine: manager,
    restore: () => manager.restore(),
    restored: () => manager.restored(),
    getAccessToken: (accountKey) => manager.getAccessToken(accountKey),
    beginTotpInTerminal: (accountKey) => manager.beginTotpInTerminal(accountKey),
    users: new UserAdmin({ store: config, vault, ...(options.now ? { now: options.now } : {}) }),
    notices: () => manager.notices,
    recheck: () => manager.recheck(),
    completeSignIn: (url) => manager.completeSignIn(url),
    close: async () => {
      await manager.close({ endSessions: role === 'app' });
      // What finishes after its caller had the answer: the log's appends, a refresh's keychain step.
      await Promise.all([events.settled(), vault.settled()]);
      vault.release();
      await demo?.close();
    },
    paths: { configPath, dataDir },
    secrets: { ...secrets.info, ready: () => (secrets.passphrase ? secrets.passphrase.ready() : vault.check()) },
    ...(embeddedIssuer ? { embeddedIssuer } : {}),
  };
}
