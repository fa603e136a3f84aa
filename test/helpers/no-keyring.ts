/**
 * A data folder for CLI runs on a machine with no keychain to use: config.yaml with the demo provider on a free
 * port, and an environment whose D-Bus session address leads nowhere (so the Secret Service cannot be reached),
 * with the test browser signing in as alice and no display. Used by the passphrase-store tests.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliEnv } from './cli-runner';
import { freePort, tempHome, type TempHome } from './engine-fixture';

export async function noKeyringHome(): Promise<{ home: TempHome; env: NodeJS.ProcessEnv }> {
  const home = await tempHome();
  const port = await freePort();
  await writeFile(
    home.configPath,
    `session:\n  expiry_days: 30\nproviders:\n  demo:\n    label: Demo\n    embedded: true\n    port: ${port}\ncredentials:\n  usernames: {}\n`,
  );
  // No Secret Service here: the session bus is a socket that does not exist.
  const env = cliEnv(home, 'alice', { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/latchkey-test-bus' });
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  delete env.LATCHKEY_STORAGE;
  return { home, env };
}

/**
 * Every file under `dir` with its bytes (to look for secrets in clear, and to see what changed). `skipLocks`:
 * leave out lock files, which come and go with every write.
 */
export async function snapshotFiles(dir: string, options: { skipLocks?: boolean } = {}): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && !(options.skipLocks && entry.name.endsWith('.lock'))) files.set(full, await readFile(full));
    }
  };
  await walk(dir);
  return files;
}
