/**
 * The doctor's report is meant to be pasted into a bug report, so everything in it passes through here first:
 * known secrets (client secrets from config.yaml) and anything shaped like a token (JWTs, bearer values,
 * token-carrying query parameters) become `[redacted]`, credentials in URLs (proxy URLs) are removed, the home
 * folder becomes `~`, and e-mail addresses keep only their first letter and their domain.
 */
import type { DiagnosticsReport } from '../../shared/diagnostics';

export interface RedactionContext {
  /** The home folder, shown as `~`. */
  home?: string;
  /** Values that must never appear (client secrets...). */
  secrets?: readonly string[];
}

const REDACTED = '[redacted]';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|DPoP|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const TOKEN_PARAMS = /\b(access_token|refresh_token|id_token|client_secret|code_verifier|code|token|password|id_token_hint)=[^&\s"']+/gi;
const EMAIL = /\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b/g;

export function redactText(text: string, context: RedactionContext = {}): string {
  let out = text;
  for (const secret of context.secrets ?? []) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  out = out
    .replace(URL_CREDENTIALS, '$1')
    .replace(JWT, REDACTED)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(TOKEN_PARAMS, `$1=${REDACTED}`)
    .replace(EMAIL, '$1***@$2');
  const home = context.home?.replace(/[/\\]+$/, '');
  if (home && home.length > 1) {
    // The home folder itself, or followed by a path separator: never a longer name that starts with it.
    out = out.replace(new RegExp(`${escapeRegExp(home)}(?=[/\\\\]|$|[^A-Za-z0-9._-])`, 'g'), '~');
  }
  return out;
}

/** The report with every text in it redacted. */
export function redactReport(report: DiagnosticsReport, context: RedactionContext): DiagnosticsReport {
  const clean = (text: string) => redactText(text, context);
  return {
    ...report,
    configPath: clean(report.configPath),
    platform: clean(report.platform),
    checks: report.checks.map((check) => ({
      ...check,
      title: clean(check.title),
      detail: clean(check.detail),
      ...(check.fix !== undefined ? { fix: clean(check.fix) } : {}),
    })),
  };
}
