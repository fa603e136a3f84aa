/**
 * `latchkey token [--account KEY]`: a valid access token on stdout and nothing else (like `gh auth token`), for
 * --account, else LATCHKEY_ACCOUNT, else the active account (account-choice.ts).
 * A token that is still valid is read without the engine (stored-token.ts); otherwise the engine refreshes it,
 * or says why it cannot and how to sign in again.
 */
import { toAuthError } from '../../shared/errors';
import { defaultConfigPath } from '../store/paths';
import type { CliIo, CommandContext } from './context';
import { storedValidToken } from './stored-token';
import { chooseAccount, unknownChosenAccount } from './account-choice';

export async function token(context: CommandContext): Promise<number> {
  const { values, io } = context;
  const choice = chooseAccount(values, io.env);
  const stored = await storedValidToken({
    configPath: values.config ?? io.env.LATCHKEY_CONFIG ?? defaultConfigPath(),
    // As the engine picks it (app.ts).
    keychainService: process.env.LATCHKEY_KEYCHAIN_SERVICE ?? 'Latchkey',
    ...(choice.key !== undefined ? { accountKey: choice.key } : {}),
  }).catch(() => null);
  if (stored !== null) {
    io.stdout(`${stored.accessToken}\n`);
    if (stored.dpopBound) dpopTokenNote(io);
    return 0;
  }
  // Loaded only now: a still-valid token (the common case) needs neither.
  const [{ withEngine }, { reportError, signInAgainHint }] = await Promise.all([import('./engine'), import('./output')]);
  return withEngine(context, async (latchkey, restored) => {
    // A named account config.yaml does not have: an error naming the known ones, never another account's token.
    const unknown = unknownChosenAccount(choice, restored.accounts.map((a) => a.key));
    if (unknown) {
      reportError(io, unknown);
      return 1;
    }
    try {
      io.stdout(`${await latchkey.getAccessToken(choice.key)}\n`);
      const state = latchkey.engine.getState();
      if (state.accounts.find((a) => a.key === (choice.key ?? state.activeAccountKey))?.dpop) dpopTokenNote(io);
      return 0;
    } catch (err) {
      reportError(io, toAuthError(err));
      signInAgainHint(latchkey.engine.getState(), choice.key, io);
      return 1;
    }
  });
}

/** A DPoP-bound token is useless without Latchkey's key: say so (on stderr, so scripts still get the token alone). */
function dpopTokenNote(io: CliIo): void {
  io.stderr('latchkey: this token is DPoP-bound: APIs accept it only with a proof signed by the key Latchkey keeps. Use latchkey api to call them.\n');
}
