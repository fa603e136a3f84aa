/**
 * Opening the system browser from plain Node (the CLI, and the desktop app when LATCHKEY_BROWSER is set).
 * The desktop app otherwise uses Electron's shell.openExternal.
 *
 * The URL comes from a provider's discovery document, so it is untrusted text: it must reach the opener as
 * one argument, exactly as given, and no command interpreter may ever read it. That rules out
 * `cmd /c start "" <url>` on Windows: Node quotes an argument only when it holds a space, tab or `"`, so
 * cmd.exe would treat `&`, `|`, `^` and `%VAR%` in the URL as its own syntax (cutting every sign-in URL at
 * its first `&`, and running whatever follows). Windows gets rundll32's URL handler instead, which hands the
 * rest of its command line to ShellExecute unparsed (what Go's pkg/browser does).
 *
 * `browserCommandFor` decides the argument vector and is pure, so every platform's answer is tested on any
 * machine; `launchBrowserCommand` only spawns it.
 */
import { spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';
import { AuthError } from '../shared/errors';

export type BrowserEnv = Readonly<Record<string, string | undefined>>;

/** A process to start: never through a shell. */
export interface BrowserCommand {
  file: string;
  args: string[];
  options: SpawnOptions & { shell: false; windowsVerbatimArguments: false };
}

const SPAWN_OPTIONS: BrowserCommand['options'] = {
  stdio: 'ignore',
  detached: true,
  shell: false,
  // Node's own quoting stays on: it quotes only arguments holding a space, tab or `"`, which a URL that
  // passed webUrlForCommandLine never does, so the URL reaches rundll32 as its bare text. The program path
  // (SystemRoot) may hold a space, and then needs that quoting.
  windowsVerbatimArguments: false,
};

/**
 * The URL as it is handed to a browser command: http(s) only, in its serialised form (what a browser makes
 * of the same text). Refused when that form still holds a character a command line could split or quote on
 * (space, tab, `"`, control or non-ASCII characters): such a URL could not arrive as one argument unchanged.
 */
export function webUrlForCommandLine(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new AuthError('invalid_argument', 'Refusing to open something that is not a URL in the browser.', { cause });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new AuthError('invalid_argument', `Refusing to open a ${parsed.protocol} URL in the browser: only http and https are opened.`);
  }
  const href = parsed.href;
  // Printable ASCII without the double quote: nothing a Windows command line quotes or splits on.
  if (!/^[\x21\x23-\x7e]+$/.test(href)) {
    throw new AuthError('invalid_argument', 'Refusing to open a URL that holds quotes, spaces or control characters in the browser.');
  }
  return href;
}

/**
 * Programs that would read the URL as commands. A browser command naming one of them is refused: the URL
 * must never pass through a command interpreter, whoever configured it. On Windows, .bat and .cmd files
 * always run in cmd.exe.
 */
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'fish', 'csh', 'tcsh', 'cmd', 'powershell', 'pwsh', 'wsl']);

function isShell(file: string, platform: NodeJS.Platform): boolean {
  const base = (file.split(platform === 'win32' ? /[\\/]/ : /\//).pop() ?? file).toLowerCase();
  if (platform === 'win32' && /\.(bat|cmd)$/.test(base)) return true;
  return SHELLS.has(platform === 'win32' ? base.replace(/\.exe$/, '') : base);
}

/**
 * Splits a $BROWSER-style command line into argv. Supports quotes; `%s` is replaced by the URL, and when
 * there is no `%s` the URL is appended (the convention most tools follow). No shell ever sees the result.
 */
export function browserCommandArgv(command: string, url: string): string[] {
  const parts: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of command.matchAll(pattern)) parts.push(match[1] ?? match[2] ?? match[3] ?? '');
  if (parts.length === 0) throw new AuthError('invalid_argument', 'The browser command is empty.');
  return parts.some((p) => p.includes('%s')) ? parts.map((p) => p.replaceAll('%s', url)) : [...parts, url];
}

/** An explicit browser command line ($BROWSER, LATCHKEY_BROWSER) with the URL filled in. */
export function browserCommandFromLine(command: string, url: string, platform: NodeJS.Platform = process.platform): BrowserCommand {
  const href = webUrlForCommandLine(url);
  const [file, ...args] = browserCommandArgv(command, href);
  if (file === undefined || file === '') throw new AuthError('invalid_argument', 'The browser command is empty.');
  if (isShell(file, platform)) {
    throw new AuthError('invalid_argument', `The browser command "${file}" is a command interpreter, which would read the sign-in URL as commands.`, {
      hint: 'Set BROWSER to the browser program itself (for example firefox or "C:\\Program Files\\Mozilla Firefox\\firefox.exe").',
    });
  }
  return { file, args, options: { ...SPAWN_OPTIONS } };
}

/** The first command of $BROWSER, which may list several separated by ':' (not on Windows: ':' is in paths). */
function browserFromEnv(env: BrowserEnv, platform: NodeJS.Platform): string | undefined {
  const value = platform === 'win32' ? env.BROWSER : env.BROWSER?.split(':')[0];
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** rundll32 by its full path: a bare name would be looked up in the current folder first. */
function rundll32Path(env: BrowserEnv): string {
  const root = (env.SystemRoot ?? env.SYSTEMROOT ?? env.windir ?? env.WINDIR ?? 'C:\\Windows').replace(/[\\/]+$/, '');
  return `${root}\\System32\\rundll32.exe`;
}

/** How `url` is opened on `platform`: $BROWSER when set, else the platform's opener. Pure. */
export function browserCommandFor(platform: NodeJS.Platform, url: string, env: BrowserEnv): BrowserCommand {
  const fromEnv = browserFromEnv(env, platform);
  if (fromEnv !== undefined) return browserCommandFromLine(fromEnv, url, platform);
  const href = webUrlForCommandLine(url);
  const options = { ...SPAWN_OPTIONS };
  if (platform === 'darwin') return { file: 'open', args: [href], options };
  if (platform === 'win32') return { file: rundll32Path(env), args: ['url.dll,FileProtocolHandler', href], options };
  return { file: 'xdg-open', args: [href], options };
}

export type SpawnFunction = (file: string, args: readonly string[], options: SpawnOptions) => ReturnType<typeof nodeSpawn>;

function startFailure(file: string, cause: unknown): AuthError {
  return new AuthError('internal', `Could not start the browser command "${file}".`, {
    cause,
    hint: 'Set BROWSER to a browser command, or open the sign-in link yourself.',
  });
}

/** Starts the command detached and resolves once it has been spawned (browsers may run long). */
export function launchBrowserCommand(command: BrowserCommand, spawn: SpawnFunction = nodeSpawn): Promise<void> {
  return new Promise((resolve, reject) => {
    let child: ReturnType<typeof nodeSpawn>;
    try {
      child = spawn(command.file, command.args, command.options);
    } catch (cause) {
      // Node refuses some programs outright (e.g. .bat files without a shell) by throwing.
      reject(startFailure(command.file, cause));
      return;
    }
    child.once('error', (cause) => reject(startFailure(command.file, cause)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** Opens `url` with an explicit command line (LATCHKEY_BROWSER). */
export async function openUrlWithCommand(command: string, url: string): Promise<void> {
  await launchBrowserCommand(browserCommandFromLine(command, url));
}

/** Where the CLI's browser comes from: $BROWSER in `env`, else the platform's opener. */
export interface BrowserChoice {
  platform: NodeJS.Platform;
  env: BrowserEnv;
}

/** The browser choice for this process (or for the given environment and platform). */
export function defaultBrowserCommand(env: BrowserEnv = process.env, platform: NodeJS.Platform = process.platform): BrowserChoice {
  return { platform, env: { BROWSER: env.BROWSER, SystemRoot: env.SystemRoot ?? env.SYSTEMROOT, windir: env.windir ?? env.WINDIR } };
}

/** The CLI's opener. */
export function createCommandBrowserOpener(choice: BrowserChoice = defaultBrowserCommand()): (url: string) => Promise<void> {
  return async (url) => {
    await launchBrowserCommand(browserCommandFor(choice.platform, url, choice.env));
  };
}
