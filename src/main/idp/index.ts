/**
 * Latchkey's embedded demo identity provider: a real OpenID Connect provider (oidc-provider) on
 * 127.0.0.1, so the app and the CLI work with no registration anywhere. Its state (keys, sessions,
 * grants, tokens) lives in `dataDir`, so a restart keeps everyone signed in.
 */
import type { EventEmitter } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import Provider from 'oidc-provider';
import { buildConfiguration } from './config';
import { devicePacing } from './device-pacing';
import { DpopNonces, dpopNonceSecret } from './dpop-nonce';
import { FileStore } from './file-store';
import { loadOrCreateKeys } from './keys';
import { ownershipKey } from './ownership';
import { ensurePrivateDir } from './private-files';
import { createRequestHandler } from './routes';
import { closeServer, listen, urlHost } from './server';

export { DEMO_CLIENT_ID, DEMO_CLIENT_NAME, DEMO_REDIRECT_URI, DEMO_POST_LOGOUT_REDIRECT_URI } from './config';
export { DEMO_USERS, type DemoUser } from './users';
export { PortInUseError } from './server';

export const DEFAULT_DEMO_PORT = 4600;
export const DEFAULT_DEMO_HOST = '127.0.0.1';

export interface DemoProviderOptions {
  /** Persistence folder (created 0700; files 0600). */
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4600; 0 = an ephemeral port (tests). */
  port?: number;
  /** Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Default 30 days. */
  refreshTokenTtlSeconds?: number;
  /** Sign-in on another device (RFC 8628): how long a code lasts and how often a device may ask about it. */
  deviceFlow?: DeviceFlowOptions;
  /** Receives operational lines; never given a secret. */
  log?: (line: string) => void;
}

export interface DeviceFlowOptions {
  /** How long a device code can be entered. Default 600. */
  codeTtlSeconds?: number;
  /** The `interval` the device authorization answer names. Default 5 (RFC 8628's default). */
  intervalSeconds?: number;
  /** Polls closer together than this are told to slow down. Default: the interval. */
  minimumPollSeconds?: number;
}

export interface DemoProvider {
  issuer: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the provider. Rejects with an error whose `code` is `'EADDRINUSE'` when the port is taken, so
 * the caller can decide to use the provider that is already running there.
 */
export async function startDemoProvider(options: DemoProviderOptions): Promise<DemoProvider> {
  const host = options.host ?? DEFAULT_DEMO_HOST;
  const log = options.log ?? (() => undefined);

  // Requests that arrive between listen() and the provider being built get a 503.
  let handler: RequestListener | undefined;
  const server = createServer((req, res) => {
    if (handler !== undefined) {
      handler(req, res);
      return;
    }
    res.statusCode = 503;
    res.end();
  });
  // Listen before touching the data folder: when another provider already runs on this port (and maybe
  // on this folder), this one must not read or repair its files.
  const port = await listen(server, host, options.port ?? DEFAULT_DEMO_PORT);
  const issuer = `http://${urlHost(host)}:${port}`;

  let store: FileStore | undefined;
  try {
    await ensurePrivateDir(options.dataDir);
    const keys = await loadOrCreateKeys(options.dataDir, log);
    store = await FileStore.open(options.dataDir, log);
    const nonceSecret = dpopNonceSecret(keys);
    const provider = new Provider(
      issuer,
      buildConfiguration({
        issuer,
        keys,
        store,
        accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 60 * 60,
        refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 30 * 24 * 60 * 60,
        dpopNonceSecret: nonceSecret,
        deviceCodeTtlSeconds: options.deviceFlow?.codeTtlSeconds ?? 600,
      }),
    );
    provider.use(
      devicePacing({
        intervalSeconds: options.deviceFlow?.intervalSeconds ?? 5,
        ...(options.deviceFlow?.minimumPollSeconds === undefined ? {} : { minimumPollSeconds: options.deviceFlow.minimumPollSeconds }),
        forgetAfterSeconds: options.deviceFlow?.codeTtlSeconds ?? 600,
      }),
    );
    provider.on('server_error', (_ctx: unknown, error: Error) => log(`demo provider: server error: ${error.name}: ${error.message}`));
    // Koa prints errors to stderr unless someone listens; route them to the log instead. ('error' is
    // Koa's event, absent from the provider's typed event map.)
    (provider as EventEmitter).on('error', (error: Error) => log(`demo provider: ${error.name}: ${error.message}`));
    handler = createRequestHandler({ provider, issuer, ownershipKey: ownershipKey(keys), dpopNonces: new DpopNonces(nonceSecret), log });
  } catch (error) {
    await closeServer(server);
    throw error;
  }

  log(`demo provider: listening at ${issuer}`);
  const openStore = store;
  let closing: Promise<void> | undefined;
  return {
    issuer,
    port,
    close() {
      closing ??= (async () => {
        await closeServer(server);
        await openStore.flush();
        log('demo provider: stopped');
      })();
      return closing;
    },
  };
}
