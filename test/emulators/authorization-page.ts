/**
 * The one sign-in page every emulator shows at its authorization endpoint, so one browser driver works
 * for all of them: a form that posts the authorization request back (hidden fields), one submit button
 * per user (`name="user" value="LOGIN"`) and a Deny button (`name="deny" value="1"`). Error pages (a
 * request the provider refuses to redirect, RFC 6749 §4.1.2.1) carry `data-emulator="error"`.
 */
import { escapeHtml } from './common';

export interface PageUser {
  /** The button's value: what a test passes to pick this user. */
  login: string;
  /** What the button shows (e-mail, display name). */
  label: string;
}

/** Parameters of the page's own form, never copied into the hidden fields of the request. */
const DECISION_FIELDS = new Set(['user', 'deny']);

export function renderAuthorizationPage(provider: string, request: URLSearchParams, users: PageUser[]): string {
  const hidden = [...request]
    .filter(([name]) => !DECISION_FIELDS.has(name))
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n    ');
  const buttons = users
    .map((u) => `<p><button type="submit" name="user" value="${escapeHtml(u.login)}">Continue as ${escapeHtml(u.label)}</button></p>`)
    .join('\n    ');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - ${escapeHtml(provider)}</title></head>
<body data-emulator="authorize">
  <h1>Sign in to ${escapeHtml(provider)}</h1>
  <p>Application <code>${escapeHtml(request.get('client_id') ?? '')}</code> asks for: <code>${escapeHtml(request.get('scope') ?? '')}</code></p>
  <form method="post">
    ${hidden}
    ${buttons}
    <p><button type="submit" name="deny" value="1">Deny</button></p>
  </form>
</body>
</html>`;
}

export function renderErrorPage(provider: string, title: string, detail: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)} - ${escapeHtml(provider)}</title></head>
<body data-emulator="error">
  <h1>${escapeHtml(title)}</h1>
  <p>${escapeHtml(detail)}</p>
</body>
</html>`;
}

export type Decision = { kind: 'user'; user: string } | { kind: 'deny' } | { kind: 'none' };

/** What the person chose on the page: a user, Deny, or nothing (a plain GET or a POST without a button). */
export function readDecision(params: URLSearchParams): Decision {
  if (params.get('deny') === '1') return { kind: 'deny' };
  const user = params.get('user');
  return user ? { kind: 'user', user } : { kind: 'none' };
}

/** The authorization request carried by the page's hidden fields, without the decision fields. */
export function requestWithoutDecision(params: URLSearchParams): URLSearchParams {
  return new URLSearchParams([...params].filter(([name]) => !DECISION_FIELDS.has(name)));
}
