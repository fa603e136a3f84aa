/**
 * The authorization endpoint's skeleton shared by the emulators: validate the request, then either show an
 * error page (never redirecting to an unverified redirect URI, RFC 6749 §4.1.2.1), redirect with an
 * error, show the sign-in page, or act on the person's choice from that page.
 */
import type { ServerResponse } from 'node:http';
import { formParams, paramsObject, redirect, sendHtml, withQuery, type EmulatorRequest } from './common';
import { readDecision, renderAuthorizationPage, renderErrorPage, requestWithoutDecision, type PageUser } from './authorization-page';

export type QueryParams = Record<string, string | undefined>;

export type AuthorizationCheck<T> =
  /** A valid request: show the page (GET) or act on the choice (POST). */
  | { kind: 'ok'; value: T; redirectUri: string }
  /** Refused without redirecting: the client or redirect URI cannot be trusted. */
  | { kind: 'page'; status: number; title: string; detail: string }
  /** Refused by redirecting to `redirectUri` with `params` (error, error_description, state...). */
  | { kind: 'redirect'; redirectUri: string; params: QueryParams };

export interface AuthorizationEndpoint<T> {
  provider: string;
  users: PageUser[];
  /** Called with each authorization request that is not the page's own form submission. */
  record(params: Record<string, string>): void;
  validate(request: URLSearchParams): AuthorizationCheck<T>;
  /** Redirect parameters when the person clicks Deny. */
  deny(value: T, request: URLSearchParams): QueryParams;
  /** Redirect parameters when the person picks `user` (a code, or an error such as a wrong tenant). */
  approve(user: string, value: T, request: URLSearchParams): QueryParams;
}

export function serveAuthorization<T>(req: EmulatorRequest, res: ServerResponse, endpoint: AuthorizationEndpoint<T>): void {
  const params = formParams(req);
  const decision = req.method === 'POST' ? readDecision(params) : ({ kind: 'none' } as const);
  const request = requestWithoutDecision(params);
  if (decision.kind === 'none') endpoint.record(paramsObject(request));
  const check = endpoint.validate(request);
  if (check.kind === 'page') {
    sendHtml(res, check.status, renderErrorPage(endpoint.provider, check.title, check.detail));
    return;
  }
  if (check.kind === 'redirect') {
    redirect(res, withQuery(check.redirectUri, check.params));
    return;
  }
  if (decision.kind === 'none') {
    sendHtml(res, 200, renderAuthorizationPage(endpoint.provider, request, endpoint.users));
    return;
  }
  if (decision.kind === 'deny') {
    redirect(res, withQuery(check.redirectUri, endpoint.deny(check.value, request)));
    return;
  }
  if (!endpoint.users.some((u) => u.login === decision.user)) {
    sendHtml(res, 400, renderErrorPage(endpoint.provider, 'Unknown user', `No user "${decision.user}" here.`));
    return;
  }
  redirect(res, withQuery(check.redirectUri, endpoint.approve(decision.user, check.value, request)));
}
