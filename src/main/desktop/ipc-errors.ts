/**
 * How failures leave the main process over IPC.
 *
 * An AuthError is part of the contract: its code, message, hint and location go to the renderer as they are.
 * Anything else is a bug whose message was never reviewed for the UI (it may quote a response body, a URL
 * with a code in it, a token): the renderer gets a constant sentence, and the log gets the real message with
 * anything that looks like a credential cut out.
 */
import { isAuthError, type ErrorInfo } from '../../shared/errors';
import type { IpcResult } from '../../shared/ipc';

/** What the renderer is told about an unexpected failure. */
export const INTERNAL_ERROR_MESSAGE = 'Something went wrong inside Latchkey. The details are in its log.';

/** Log lines are capped so a runaway message cannot flood the log. */
const MAX_LOG_DETAIL_CHARS = 1000;

const REDACTED = '[redacted]';

/**
 * Patterns that look like credentials. Order matters: the specific ones run before the catch-all for long
 * opaque strings, so the log keeps the parameter name (`refresh_token=[redacted]`) where there is one.
 */
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  // JWTs (ID tokens, many access tokens): three base64url parts, the first starting with `{"`.
  [/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g, REDACTED],
  // Authorization headers.
  [/\b(bearer|basic|dpop)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // name=value / "name": "value" pairs of well-known secret parameters.
  [
    /\b((?:access|refresh|id)_?token|client_?secret|code_?verifier|password|assertion)(["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi,
    `$1$2${REDACTED}`,
  ],
  // The authorization code as a URL parameter (`code: 'ECONNREFUSED'` and the like stay readable).
  [/([?&]code=)[^\s&#"']+/gi, `$1${REDACTED}`],
  // Any remaining long opaque run (opaque tokens, keys): real words are rarely 32+ characters long.
  [/[A-Za-z0-9_\-+/=.~]{32,}/g, REDACTED],
];

/** Cuts anything that looks like a credential out of a line meant for the log. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out.length > MAX_LOG_DETAIL_CHARS ? `${out.slice(0, MAX_LOG_DETAIL_CHARS)}...` : out;
}

/** A short, redacted description of a thrown value for the log. */
export function describeUnexpected(error: unknown): string {
  if (error instanceof Error) return redactSecrets(`${error.name}: ${error.message}`);
  return `non-error value of type ${error === null ? 'null' : typeof error}`;
}

/** A copy of an ErrorInfo with only its declared, JSON-safe fields (no cause, no stray properties). */
export function plainErrorInfo(info: ErrorInfo): ErrorInfo {
  const out: ErrorInfo = { code: info.code, message: info.message };
  if (info.hint !== undefined) out.hint = info.hint;
  if (info.retryAt !== undefined) out.retryAt = info.retryAt;
  if (info.location !== undefined) {
    const { file, line, column } = info.location;
    out.location = { file };
    if (line !== undefined) out.location.line = line;
    if (column !== undefined) out.location.column = column;
  }
  return out;
}

/** The envelope for a failure thrown by the engine while serving `channel`. */
export function failureEnvelope(
  channel: string,
  error: unknown,
  log: (line: string) => void,
): IpcResult<never> {
  if (isAuthError(error)) return { ok: false, error: plainErrorInfo(error.toInfo()) };
  log(`ipc ${channel}: unexpected failure: ${describeUnexpected(error)}`);
  return { ok: false, error: { code: 'internal', message: INTERNAL_ERROR_MESSAGE } };
}

/** The envelope for arguments that failed validation. */
export function invalidArgumentEnvelope(message: string): IpcResult<never> {
  return { ok: false, error: { code: 'invalid_argument', message } };
}
