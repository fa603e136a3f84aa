/**
 * `latchkey totp enable|disable [--user NAME]`: a local account's second factor from the command line, for a
 * person who has no window (a server over SSH) — the same engine steps as the app's settings. Enabling draws the
 * `otpauth://` QR code in the terminal and prints the secret as text for an app that cannot scan, asks for the
 * first code (three tries), then prints the recovery codes on stdout, once: they are the command's answer.
 * Disabling asks for the password again. Default account: the active, signed-in one.
 */
import { isAuthError } from '../../shared/errors';
import type { Latchkey } from '../app';
import { qrText } from '../auth/qr/qr-text';
import type { AccountCommandIo } from './account-commands';

const CODE_TRIES = 3;

/** The secret in groups of four, as authenticator apps show and take it. */
function grouped(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}

export async function totp(latchkey: Latchkey, action: string | undefined, user: string | undefined, io: AccountCommandIo): Promise<number> {
  if (action === 'disable') {
    const password = await io.input.read('Password: ');
    await latchkey.engine.disableTotp(password, user);
    io.stdout('Two-factor sign-in is off.\n');
    return 0;
  }
  const started = latchkey.beginTotpInTerminal(user);
  io.stderr(`Scan this QR code with your authenticator app (${started.label}):\n\n${qrText(started.otpauthUri)}\n`);
  io.stderr(`Or type this key into it (time-based, 6 digits, 30 s): ${grouped(started.secret)}\n`);
  io.stderr(`Confirm before ${started.expiresAt}.\n`);
  for (let attempt = 1; ; attempt++) {
    const code = await io.input.read('Code from your authenticator app: ');
    try {
      const { recoveryCodes } = await latchkey.engine.confirmTotp(code, user);
      io.stderr('Two-factor sign-in is on. Keep these recovery codes somewhere safe: each works once, instead of a code, and they are not shown again.\n');
      io.stdout(`${recoveryCodes.join('\n')}\n`);
      return 0;
    } catch (error) {
      if (!isAuthError(error, 'invalid_credentials') || attempt >= CODE_TRIES) throw error;
      io.stderr('That code does not match. Type the code your app shows now.\n');
    }
  }
}
