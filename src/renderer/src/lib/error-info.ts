/**
 * Turns whatever an API call rejected with into the ErrorInfo the error view shows. The preload API rejects
 * with AuthError, but across Electron's context bridge an error may arrive as a plain object carrying only
 * its own properties, so this reads `code` structurally and never guesses from message text.
 */
import { AUTH_ERROR_CODES, type AuthErrorCode, type ErrorInfo } from '../../../shared/errors';

function isCode(value: unknown): value is AuthErrorCode {
  return typeof value === 'string' && (AUTH_ERROR_CODES as readonly string[]).includes(value);
}

export function toErrorInfo(value: unknown): ErrorInfo {
  if (typeof value === 'object' && value !== null) {
    const candidate = value as Partial<ErrorInfo> & { message?: unknown };
    const message = typeof candidate.message === 'string' ? candidate.message : 'Unexpected error.';
    if (isCode(candidate.code)) {
      const info: ErrorInfo = { code: candidate.code, message };
      if (typeof candidate.hint === 'string') info.hint = candidate.hint;
      if (typeof candidate.retryAt === 'string') info.retryAt = candidate.retryAt;
      if (candidate.location && typeof candidate.location.file === 'string') info.location = candidate.location;
      return info;
    }
    return { code: 'internal', message };
  }
  return { code: 'internal', message: 'Unexpected error.' };
}
