/**
 * The engine for a command: composed (app.ts) when the command runs, restored, and closed afterwards whatever
 * happens. Ctrl-C cancels a sign-in in progress. A config.yaml that is not valid ends the command with its
 * file, line and column.
 */
import { toAuthError } from '../../shared/errors';
import type { SessionState } from '../../shared/session';
import type { Latchkey } from '../app';
import { createNetworkFetch } from '../network/proxy-fetch';
import type { CommandContext } from './context';
import { passphrasePrompt, passphraseStoreFailure } from './passphrase-prompt';
import { passwordInput } from './password-input';
import { reportError } from './output';

export interface EngineOptions {
  /**
   * Wait until every account has been read. restore() answers once the active account is ready; a command
   * that shows every account (status, accounts) waits for the rest.
   */
  allAccounts?: boolean;
}

/** Runs `work` with a restored engine; resolves with its exit code (1 for any failure it reports). */
export async function withEngine(
  context: CommandContext,
  work: (latchkey: Latchkey, state: SessionState) => Promise<number>,
  options: EngineOptions = {},
): Promise<number> {
  const { values, io } = context;
  let latchkey: Latchkey | null = null;
  const interrupt = () => latchkey?.engine.cancelSignIn();
  process.once('SIGINT', interrupt);
  try {
    const [{ createLatchkey }, { createCommandBrowserOpener, defaultBrowserCommand }] = await Promise.all([import('../app'), import('../system-browser')]);
    // HTTPS_PROXY / HTTP_PROXY / NO_PROXY: one fetch for every request the engine makes (network/proxy-fetch.ts).
    const networkFetch = createNetworkFetch(io.env);
    latchkey = await createLatchkey({
      role: 'cli',
      configPath: values.config ?? io.env.LATCHKEY_CONFIG,
      openBrowser: createCommandBrowserOpener(defaultBrowserCommand(io.env)),
      ...(networkFetch ? { fetch: networkFetch } : {}),
      // storage: passphrase: asked on the terminal (or a line of stdin) once, when secrets are first needed.
      askPassphrase: passphrasePrompt(passwordInput(), io.stderr),
    });
    let state = await latchkey.restore();
    if (options.allAccounts) state = await latchkey.restored();
    if (state.phase === 'config_invalid' && state.configError) {
      io.stderr(`latchkey: ${state.configError.message}\n`);
      if (state.configError.hint) io.stderr(`  ${state.configError.hint}\n`);
      return 1;
    }
    const locked = passphraseStoreFailure(latchkey.secrets, state);
    if (locked) {
      io.stderr(`latchkey: ${locked.message}\n`);
      if (locked.hint) io.stderr(`  ${locked.hint}\n`);
      return 1;
    }
    return await work(latchkey, state);
  } catch (err) {
    reportError(io, toAuthError(err));
    return 1;
  } finally {
    process.removeListener('SIGINT', interrupt);
    await latchkey?.close();
  }
}
