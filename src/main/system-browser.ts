/**
 * Opening the system browser from plain Node (the CLI, and the desktop app when LATCHKEY_BROWSER is set).
 * The desktop app otherwise uses Electron's shell.openExternal.
 */
import { spawn } from 'node:child_process';
import { AuthError } from '../shared/errors';

/** Only web URLs are ever handed to a browser command: never a file path or a custom scheme. */
function assertWebUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new AuthError('invalid_argument', 'Refusing to open something that is not a URL.', { cause });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new AuthError('invalid_argument', `Refusing to open a ${parsed.protocol} URL in the browser.`);
  }
}

/**
 * Splits a $BROWSER-style command line into argv. Supports quotes; `%s` is replaced by the URL, and when
 * there is no `%s` the URL is appended (the convention most tools follow).
 */
export function browserCommandArgv(command: string, url: string): string[] {
  const parts: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of command.matchAll(pattern)) parts.push(match[1] ?? match[2] ?? match[3] ?? '');
  if (parts.length === 0) throw new AuthError('invalid_argument', 'The browser command is empty.');
  return parts.some((p) => p.includes('%s')) ? parts.map((p) => p.replaceAll('%s', url)) : [...parts, url];
}

/** Starts `command url` detached and resolves once it has been spawned (browsers may run long). */
export function openUrlWithCommand(command: string, url: string): Promise<void> {
  assertWebUrl(url);
  const [file, ...args] = browserCommandArgv(command, url);
  return new Promise((resolve, reject) => {
    const child = spawn(file as string, args, { stdio: 'ignore', detached: true, shell: false });
    child.once('error', (cause) =>
      reject(new AuthError('internal', `Could not start the browser command "${file}".`, {
        cause,
        hint: 'Set BROWSER to a browser command, or open the sign-in link yourself.',
      })),
    );
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** The platform's way to open a URL in the default browser, honouring $BROWSER first. */
export function defaultBrowserCommand(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  // $BROWSER may be a colon-separated list of commands (not on Windows, where ':' is part of paths).
  const fromEnv = (platform === 'win32' ? env.BROWSER : env.BROWSER?.split(':')[0])?.trim();
  if (fromEnv) return fromEnv;
  if (platform === 'darwin') return 'open';
  // `start` is a cmd built-in; the empty title argument keeps a quoted URL from being taken as the title.
  if (platform === 'win32') return 'cmd /c start ""';
  return 'xdg-open';
}

/** The CLI's opener. */
export function createCommandBrowserOpener(command = defaultBrowserCommand()): (url: string) => Promise<void> {
  return (url) => openUrlWithCommand(command, url);
}
