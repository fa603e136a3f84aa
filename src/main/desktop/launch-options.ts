/**
 * What the desktop app takes from its command line and environment. Pure, so `index.ts` stays glue.
 */

export interface LaunchOptions {
  /** `--config <path>` / `--config=<path>`, else `LATCHKEY_CONFIG`; undefined = the default location. */
  configPath?: string;
  /** `LATCHKEY_KEYCHAIN_SERVICE`: a separate keychain namespace (tests, a second profile). */
  keychainService?: string;
  /** `LATCHKEY_BROWSER`: a command that opens URLs instead of the system browser (e.g. a test driver). */
  browserCommand?: string;
  /** `ELECTRON_RENDERER_URL`: electron-vite's dev server, set only by `electron-vite dev`. */
  devServerUrl?: string;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The dev server is trusted with the preload API, so only a local one is accepted: an environment variable
 * must not be able to point the app's window at a remote page. (`index.ts` also ignores it when packaged.)
 */
export function isLoopbackDevServer(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
      ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname)
    );
  } catch {
    return false;
  }
}

/** Finds `--config` in argv. Electron and Chromium add their own switches, so the position is not fixed. */
function configFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === undefined) continue;
    if (arg === '--config') return nonEmpty(argv[i + 1]);
    if (arg.startsWith('--config=')) return nonEmpty(arg.slice('--config='.length));
  }
  return undefined;
}

export function parseLaunchOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): LaunchOptions {
  const options: LaunchOptions = {};
  const configPath = configFromArgv(argv) ?? nonEmpty(env.LATCHKEY_CONFIG);
  if (configPath !== undefined) options.configPath = configPath;
  const keychainService = nonEmpty(env.LATCHKEY_KEYCHAIN_SERVICE);
  if (keychainService !== undefined) options.keychainService = keychainService;
  const browserCommand = nonEmpty(env.LATCHKEY_BROWSER);
  if (browserCommand !== undefined) options.browserCommand = browserCommand;
  const devServerUrl = nonEmpty(env.ELECTRON_RENDERER_URL);
  if (devServerUrl !== undefined && isLoopbackDevServer(devServerUrl)) options.devServerUrl = devServerUrl;
  return options;
}
