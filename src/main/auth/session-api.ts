/**
 * The one request path for using a session: the dashboard's panels (over IPC), `latchkey api` and any code in
 * the main process call a configured API through here, and only here is the token attached.
 *
 * A request is checked (api-request.ts), its URL built below the API's base_url (api-url.ts), and sent with the
 * access token of the API provider's active (or named) account — DPoP-bound with a fresh proof where the
 * session has a key, the server's DPoP nonce learned and retried once by openid-client. A 401 whose
 * WWW-Authenticate says `invalid_token`, or a bare 401 to a token that is not brand new (api-challenge.ts),
 * refreshes the session once (single-flight: concurrent requests share the refresh, and one that finds the token
 * already renewed just retries) and retries. Redirects are followed only
 * while they stay below the base URL; any other redirect is answered as it is, so the token never goes to
 * another origin. The answer is bounded in size and time and carries a safe subset of the headers.
 */
import * as oidc from 'openid-client';
import type { ApiMethod, ApiRequest, ApiResponse, ApiSummary } from '../../shared/api';
import { AuthError } from '../../shared/errors';
import { renewAfter401 } from './api-challenge';
import { requireApi, resolveApis, summarizeApi, type ResolvedApi } from './api-registry';
import { parseApiRequest } from './api-request';
import { decodeBody, readBounded, safeHeaders } from './api-response';
import { isWithinBase, resolveApiUrl } from './api-url';
import { isDpopBound, resourceDpop } from './dpop';
import { guardedFetch } from './provider-fetch';
import type { SessionCore } from './session-core';
import type { SessionRefresher } from './session-refresh';
import type { TokenSet } from './storage';

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

type Fetch = typeof fetch;

interface Outgoing {
  url: URL;
  method: ApiMethod;
  body: string | undefined;
  headers: Record<string, string>;
}

/** Whether a network-level failure (no answer, reset, timeout) is somewhere in the cause chain. */
function isNoAnswer(err: unknown, depth = 0): boolean {
  if (depth > 6 || err === null || typeof err !== 'object') return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.code === 'OAUTH_TIMEOUT' || e.code === 'OAUTH_ABORT') return true;
  if (typeof e.code === 'string' && /^(?:E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(e.code)) return true;
  if (e.name === 'TypeError' && typeof e.message === 'string' && /fetch failed|network|terminated/i.test(e.message)) return true;
  return isNoAnswer(e.cause, depth + 1);
}

function authErrorInside(err: unknown): AuthError | undefined {
  let current = err as { cause?: unknown } | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 6; depth++) {
    if (current instanceof AuthError) return current;
    current = current.cause as typeof current;
  }
  return undefined;
}

/** The response a challenge error carries (openid-client throws on any answer with WWW-Authenticate). */
function challengedResponse(err: unknown): Response | undefined {
  return err instanceof oidc.WWWAuthenticateChallengeError ? (err as unknown as { response: Response }).response : undefined;
}

export interface ApiCallerOptions {
  /** The fetch for API requests (the app's network stack); guarded: plain http only to loopback. */
  fetch?: Fetch;
}

export class ApiCaller {
  readonly #core: SessionCore;
  readonly #refresher: SessionRefresher;
  readonly #fetch: Fetch;
  readonly #configurations = new Map<string, oidc.Configuration>();

  constructor(core: SessionCore, refresher: SessionRefresher, options: ApiCallerOptions = {}) {
    this.#core = core;
    this.#refresher = refresher;
    const base = options.fetch ?? fetch;
    this.#fetch = guardedFetch(base);
  }

  listApis(): ApiSummary[] {
    const config = this.#core.config;
    const providers = this.#core.providers;
    return config && providers && !this.#core.configError ? resolveApis(config, providers).map(summarizeApi) : [];
  }

  async fetchApi(apiName: string, rawRequest: ApiRequest): Promise<ApiResponse> {
    const request = parseApiRequest(rawRequest);
    const config = this.#core.requireConfig();
    const api = requireApi(apiName, config, this.#core.requireProviders());
    const url = resolveApiUrl(api.baseUrl, request.path, request.query);
    const key = this.#accountFor(api, request.accountKey);
    const method = request.method ?? 'GET';
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'Latchkey', ...lowerCased(request.headers) };
    let body: string | undefined;
    if (request.json !== undefined && method !== 'GET' && method !== 'HEAD') {
      body = JSON.stringify(request.json);
      headers['content-type'] ??= 'application/json';
    }
    const outgoing: Outgoing = { url, method, body, headers };

    // The built-in provider serves its demo API itself: a CLI run (which starts it only on demand) starts it now.
    if (api.embedded) await this.#core.requireProviders().client(api.provider);
    await this.#refresher.getAccessToken(key);
    let tokens = this.#tokensOf(key);
    let response = await this.#sendFollowing(api, outgoing, tokens);
    if (response.status === 401 && renewAfter401(response.headers.get('www-authenticate'), tokens.obtainedAt, this.#core.now())) {
      const renewed = await this.#renewedTokens(key, tokens);
      if (renewed) {
        await response.body?.cancel().catch(() => undefined);
        tokens = renewed;
        response = await this.#sendFollowing(api, outgoing, tokens);
      }
    }
    const bytes = method === 'HEAD' ? Buffer.alloc(0) : await this.#read(response, api);
    return {
      status: response.status,
      headers: safeHeaders(response.headers),
      ...decodeBody(bytes, response.headers.get('content-type')),
      accountKey: key,
      dpop: isDpopBound(tokens),
    };
  }

  /** The account named (it must sign in with the API's provider), else the active one, else the first signed in. */
  #accountFor(api: ResolvedApi, named: string | undefined): string {
    const core = this.#core;
    if (named !== undefined) {
      const record = core.requireRecord(named);
      if (record.provider !== api.provider) {
        throw new AuthError('invalid_argument', `Account "${named}" signs in with "${record.provider}"; the API "${api.name}" needs an account of "${api.provider}".`);
      }
      return core.resolveSignedIn(named);
    }
    const ofProvider = (key: string): boolean => core.requireRecord(key).provider === api.provider;
    if (core.activeKey && core.isSignedIn(core.activeKey) && ofProvider(core.activeKey)) return core.activeKey;
    const found = core.signedInKeys().find(ofProvider);
    if (found) return found;
    throw new AuthError('not_signed_in', `No account of "${api.provider}" is signed in, which the API "${api.name}" needs.`, {
      hint: `Sign in with it first (latchkey login --provider ${api.provider}).`,
    });
  }

  #tokensOf(key: string): TokenSet {
    const tokens = this.#core.runtimeFor(key).tokens;
    if (!tokens) throw new AuthError('not_signed_in', `Account "${key}" is not signed in.`);
    return tokens;
  }

  /** Fresh tokens after a 401: someone else's refresh if one happened meanwhile, else one refresh; null if none is possible. */
  async #renewedTokens(key: string, used: TokenSet): Promise<TokenSet | null> {
    const current = this.#core.runtimeFor(key).tokens;
    if (current && current.accessToken !== used.accessToken) return current;
    if (!used.refreshToken) return null;
    return this.#refresher.refresh(key, true);
  }

  /** Sends the request, following redirects only while they stay below the base URL. */
  async #sendFollowing(api: ResolvedApi, first: Outgoing, tokens: TokenSet): Promise<Response> {
    let outgoing = first;
    let response = await this.#send(api, outgoing, tokens);
    for (let hop = 0; hop < MAX_REDIRECTS && REDIRECT_STATUSES.has(response.status); hop++) {
      const location = response.headers.get('location');
      let target: URL;
      try {
        target = new URL(location ?? '', outgoing.url);
      } catch {
        break;
      }
      // Elsewhere (another origin, or outside the base): answered as it is, and the token stays here.
      if (!location || !isWithinBase(target, api.baseUrl)) break;
      await response.body?.cancel().catch(() => undefined);
      const keepsMethod = response.status === 307 || response.status === 308 || outgoing.method === 'HEAD';
      outgoing = keepsMethod ? { ...outgoing, url: target } : { ...outgoing, url: target, method: 'GET', body: undefined };
      response = await this.#send(api, outgoing, tokens);
    }
    return response;
  }

  async #send(api: ResolvedApi, outgoing: Outgoing, tokens: TokenSet): Promise<Response> {
    const configuration = this.#configurationFor(api);
    const dpop = await resourceDpop(configuration, tokens);
    const headers = new Headers(outgoing.headers);
    if (outgoing.body === undefined) headers.delete('content-type');
    try {
      return await oidc.fetchProtectedResource(configuration, tokens.accessToken, outgoing.url, outgoing.method, outgoing.body, headers, dpop ? { DPoP: dpop } : undefined);
    } catch (err) {
      const challenged = challengedResponse(err);
      if (challenged) return challenged;
      throw this.#translate(err, api);
    }
  }

  async #read(response: Response, api: ResolvedApi): Promise<Buffer> {
    try {
      return await readBounded(response, api.maxResponseBytes, api.name);
    } catch (err) {
      throw this.#translate(err, api);
    }
  }

  #translate(err: unknown, api: ResolvedApi): AuthError {
    const own = authErrorInside(err);
    if (own) return own;
    if (isNoAnswer(err)) {
      return new AuthError('network', `The API "${api.name}" (${new URL(api.baseUrl).origin}) did not answer within ${Math.round(api.timeoutMs / 1000)} s, or could not be reached.`, {
        cause: err,
        hint: 'Check your network connection, then try again. You stay signed in.',
      });
    }
    return new AuthError('internal', `The request to the API "${api.name}" failed unexpectedly.`, { cause: err });
  }

  /** A Configuration for requests to one API: its own timeout, the guarded fetch, plain http only on loopback. */
  #configurationFor(api: ResolvedApi): oidc.Configuration {
    const id = `${api.name} ${api.baseUrl} ${api.timeoutMs}`;
    let configuration = this.#configurations.get(id);
    if (!configuration) {
      const base = new URL(api.baseUrl);
      configuration = new oidc.Configuration({ issuer: base.origin }, 'latchkey');
      // Safe: the guarded fetch refuses plain http to anything but this machine, whatever the URL.
      if (base.protocol === 'http:') oidc.allowInsecureRequests(configuration);
      configuration.timeout = Math.max(1, Math.ceil(api.timeoutMs / 1000));
      configuration[oidc.customFetch] = (target, init) => this.#fetch(target, init as RequestInit);
      this.#configurations.set(id, configuration);
    }
    return configuration;
  }
}

function lowerCased(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}
