/**
 * Where Latchkey keeps its files, computed without electron so the CLI and the tests agree with the app.
 */
import os from 'node:os';
import path from 'node:path';

/** The folder name Electron derives from the app name: `app.getPath('userData')` ends with it. */
export const APP_FOLDER_NAME = 'Latchkey';
export const CONFIG_FILE_NAME = 'config.yaml';

/**
 * The config file's default path: `config.yaml` in the folder Electron's `app.getPath('userData')` gives
 * an app named "Latchkey" (Linux `$XDG_CONFIG_HOME/Latchkey` or `~/.config/Latchkey`, macOS
 * `~/Library/Application Support/Latchkey`, Windows `%APPDATA%\Latchkey`), so the desktop app and the CLI
 * find the same file. `LATCHKEY_CONFIG` (a file path) overrides it, e.g. for a portable setup or tests.
 * The platform and home are parameters so every OS's answer can be checked on any OS.
 */
export function defaultConfigPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const override = env.LATCHKEY_CONFIG;
  if (override !== undefined && override !== '') return paths.isAbsolute(override) ? override : path.resolve(override);
  return paths.join(userDataDir(env, platform, home), CONFIG_FILE_NAME);
}

/** The folder for Latchkey's other files (keychain blobs, the event log): the config file's folder. */
export function dataDirFor(configPath: string): string {
  return path.dirname(configPath);
}

function userDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  switch (platform) {
    case 'win32': {
      const appData = env.APPDATA;
      return path.win32.join(appData !== undefined && appData !== '' ? appData : path.win32.join(home, 'AppData', 'Roaming'), APP_FOLDER_NAME);
    }
    case 'darwin':
      return path.posix.join(home, 'Library', 'Application Support', APP_FOLDER_NAME);
    default: {
      // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
      const xdg = env.XDG_CONFIG_HOME;
      const base = xdg !== undefined && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.config');
      return path.posix.join(base, APP_FOLDER_NAME);
    }
  }
}
