/**
 * A TOTP second factor (RFC 6238) for local accounts: turning it on (a QR code of the `otpauth://` URI, shown
 * as an image; confirmed with a first code; recovery codes shown once), checking it at sign-in (after the
 * password, before the session; a wrong code counts like a wrong password; a recovery code works once), and
 * turning it off (the password asked again). The secret stays in the main process and the keychain.
 */
import { randomBytes } from 'node:crypto';
import type { TerminalTotpEnrollment, TotpActivation, TotpEnrollment } from '../../../shared/accounts';
import { AuthError } from '../../../shared/errors';
import type { AccountRecord } from '../../store/schema';
import { verifyPassword } from '../local-accounts/passwords';
import type { SessionCore } from '../session-core';
import { base32Decode, base32Encode } from './base32';
import { qrSvg } from '../qr/qr-svg';
import { matchTotp } from './totp';
import { deleteTotp, readTotp, recoveryDigest, writeTotp } from './totp-vault';

const ISSUER = 'Latchkey';
/** How long a started enrolment waits for its first code. */
const ENROLMENT_MS = 10 * 60_000;
const RECOVERY_CODES = 8;
const RECOVERY_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  let code = '';
  for (const byte of bytes) code += RECOVERY_ALPHABET[byte & 31];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

function signedInLocal(core: SessionCore, accountKey: string | undefined): { key: string; record: AccountRecord } {
  const key = core.resolveSignedIn(accountKey);
  const record = core.requireRecord(key);
  if (!core.isLocalProvider(record.provider)) throw new AuthError('invalid_argument', `Account "${key}" signs in with ${record.provider}: its second factor is managed there.`);
  return { key, record };
}

export class TotpAccounts {
  readonly #core: SessionCore;
  /** Enrolments waiting for their first code: memory only. */
  readonly #pending = new Map<string, { secret: Buffer; expiresAt: number }>();

  constructor(core: SessionCore) {
    this.#core = core;
  }

  /** For the window: the QR code as a drawing, with no text of the secret. */
  begin(accountKey?: string): TotpEnrollment {
    const started = this.beginInTerminal(accountKey);
    return { qrSvg: qrSvg(started.otpauthUri), label: started.label, expiresAt: started.expiresAt };
  }

  /** For the command line: the URI (drawn as a QR code in the terminal) and the secret as text. */
  beginInTerminal(accountKey?: string): TerminalTotpEnrollment {
    const { key, record } = signedInLocal(this.#core, accountKey);
    const secret = randomBytes(20);
    const expiresAt = this.#core.now() + ENROLMENT_MS;
    this.#pending.set(key, { secret, expiresAt });
    const label = `${ISSUER}:${record.email ?? key}`;
    const text = base32Encode(secret);
    const otpauthUri = `otpauth://totp/${encodeURIComponent(label)}?secret=${text}&issuer=${ISSUER}&algorithm=SHA1&digits=6&period=30`;
    return { otpauthUri, secret: text, label, expiresAt: new Date(expiresAt).toISOString() };
  }

  async confirm(code: string, accountKey?: string): Promise<TotpActivation> {
    const core = this.#core;
    const { key } = signedInLocal(core, accountKey);
    const pending = this.#pending.get(key);
    if (!pending || pending.expiresAt < core.now()) {
      this.#pending.delete(key);
      throw new AuthError('invalid_argument', 'Start turning on two-factor sign-in again: the QR code has lapsed.');
    }
    const step = matchTotp(pending.secret, code.trim(), core.now());
    if (step === null) throw new AuthError('invalid_credentials', 'That code does not match. Type the code your authenticator app shows now.');
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    await writeTotp(core.options.vault, key, { secret: base32Encode(pending.secret), recovery: codes.map(recoveryDigest), lastStep: step }, core.now());
    this.#pending.delete(key);
    core.setConfig(
      await core.options.store.update((draft) => {
        const current = draft.getAccount(key);
        if (current) draft.setAccount(key, { ...current, totp: true });
      }),
    );
    await core.options.events.record({ kind: 'sign_in', accountKey: key, outcome: 'ok', detail: 'two-factor sign-in turned on' });
    core.emit();
    return { recoveryCodes: codes };
  }

  async disable(password: string, accountKey?: string): Promise<void> {
    const core = this.#core;
    const { key, record } = signedInLocal(core, accountKey);
    if (!record.password || !(await verifyPassword(record.password, password))) throw new AuthError('invalid_credentials', 'The password is not right.');
    await removeTotp(core, key);
    await core.options.events.record({ kind: 'sign_in', accountKey: key, outcome: 'ok', detail: 'two-factor sign-in turned off' });
    core.emit();
  }
}

/** Turns TOTP off for an account: the YAML flag first (so no sign-in asks for a code that no longer exists), then the secret. */
export async function removeTotp(core: Pick<SessionCore, 'options' | 'setConfig'>, key: string): Promise<void> {
  core.setConfig(
    await core.options.store.update((draft) => {
      const current = draft.getAccount(key);
      if (!current?.totp) return;
      const next = { ...current };
      delete next.totp;
      draft.setAccount(key, next);
    }),
  );
  await deleteTotp(core.options.vault, key);
}

/**
 * The second factor at a local sign-in, after the password matched. Resolves when it is satisfied (or the
 * account has none); `totp_required` when no code was given; `invalid_credentials` (to be counted as a failed
 * attempt by the caller) when the code is wrong, already used, or not a recovery code left.
 */
export async function checkSecondFactor(core: SessionCore, key: string, record: AccountRecord, code: string | undefined): Promise<void> {
  if (!record.totp) return;
  if (code === undefined || code.trim() === '') {
    throw new AuthError('totp_required', 'Type the code your authenticator app shows (or a recovery code).');
  }
  const stored = await readTotp(core.options.vault, key);
  if (!stored) throw new AuthError('keychain_unavailable', 'The second factor of this account is not in the keychain. Ask an administrator: latchkey users reset-password NAME turns it off.');
  const typed = code.trim();
  const step = matchTotp(base32Decode(stored.secret), typed, core.now());
  if (step !== null && step > stored.lastStep) {
    await writeTotp(core.options.vault, key, { ...stored, lastStep: step }, core.now());
    return;
  }
  const digest = recoveryDigest(typed);
  if (step === null && stored.recovery.includes(digest)) {
    await writeTotp(core.options.vault, key, { ...stored, recovery: stored.recovery.filter((d) => d !== digest) }, core.now());
    await core.options.events.record({ kind: 'sign_in', accountKey: key, outcome: 'ok', detail: `recovery code used (${stored.recovery.length - 1} left)` });
    return;
  }
  throw new AuthError('invalid_credentials', 'The code does not match (or was used already).');
}
