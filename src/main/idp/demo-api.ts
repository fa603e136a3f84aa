/**
 * The demo API: a protected resource server beside the demo provider, on the same port under `/api`, so the
 * built-in provider gives a signed-in person something only they can see. It answers only requests with a
 * valid access token of the demo provider (demo-api-auth.ts: DPoP-bound tokens with a proof by their key),
 * and each user gets their own data (demo-data.ts):
 *
 *   GET /api/me               who the token belongs to
 *   GET /api/projects?days=N  the user's projects with commits per day over the last N days (1–90, default 30)
 *   GET /api/projects/{id}    one of the user's projects
 *
 * Every answer is JSON, never cached; every answer to a DPoP request carries the next `DPoP-Nonce`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticateApiRequest, type ApiAuthDeps } from './demo-api-auth';
import { DEFAULT_DAYS, MAX_DAYS, projectAnswerFor, projectsAnswer } from './demo-data';

export const DEMO_API_PREFIX = '/api';

export interface DemoApiDeps extends ApiAuthDeps {
  issuer: string;
  now?: () => number;
}

export function isDemoApiPath(pathname: string): boolean {
  return pathname === DEMO_API_PREFIX || pathname.startsWith(`${DEMO_API_PREFIX}/`);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(`${JSON.stringify(body)}\n`);
}

function parseDays(value: string | null): number | undefined {
  if (value === null) return DEFAULT_DAYS;
  if (!/^\d{1,3}$/.test(value)) return undefined;
  const days = Number(value);
  return days >= 1 && days <= MAX_DAYS ? days : undefined;
}

export async function handleDemoApi(req: IncomingMessage, res: ServerResponse, deps: DemoApiDeps): Promise<void> {
  const url = new URL(req.url ?? '/', deps.issuer);
  // Discard any body: no endpoint takes one, and the connection must stay usable.
  req.resume();
  const auth = await authenticateApiRequest(req, url, deps);
  if (!auth.ok) {
    sendJson(res, 401, { error: 'unauthorized', message: auth.description }, { 'WWW-Authenticate': auth.challenge, ...(auth.nonce ? { 'DPoP-Nonce': auth.nonce } : {}) });
    return;
  }
  const headers: Record<string, string> = auth.dpop ? { 'DPoP-Nonce': deps.nonces.next() } : {};
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: 'method_not_allowed', message: 'The demo API is read-only.' }, { ...headers, Allow: 'GET, HEAD' });
    return;
  }
  const now = (deps.now ?? Date.now)();
  const path = url.pathname.replace(/\/+$/, '');
  if (path === `${DEMO_API_PREFIX}/me`) {
    sendJson(res, 200, { sub: auth.user.username, name: auth.user.name, email: auth.user.email, dpop: auth.dpop }, headers);
    return;
  }
  const days = parseDays(url.searchParams.get('days'));
  if (path === `${DEMO_API_PREFIX}/projects` || path.startsWith(`${DEMO_API_PREFIX}/projects/`)) {
    if (days === undefined) {
      sendJson(res, 400, { error: 'invalid_request', message: `days must be a whole number from 1 to ${MAX_DAYS}.` }, headers);
      return;
    }
    if (path === `${DEMO_API_PREFIX}/projects`) {
      sendJson(res, 200, projectsAnswer(auth.user, days, now), headers);
      return;
    }
    let id: string;
    try {
      id = decodeURIComponent(path.slice(`${DEMO_API_PREFIX}/projects/`.length));
    } catch {
      id = '';
    }
    const project = projectAnswerFor(auth.user, id, days, now);
    if (project) sendJson(res, 200, project, headers);
    else sendJson(res, 404, { error: 'not_found', message: 'You have no project with that id.' }, headers);
    return;
  }
  sendJson(res, 404, { error: 'not_found', message: 'No such endpoint. Try /api/me or /api/projects.' }, headers);
}
