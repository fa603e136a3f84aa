/**
 * Calling protected APIs with the signed-in session: what a caller (the renderer, the CLI, main-process code)
 * asks for and what it gets back. The main process attaches the token (DPoP-bound where the provider supports
 * it), so nothing here ever carries a token, and the answer carries only a safe subset of the headers.
 * Pure: imported by main, preload and renderer alike.
 */

/** The methods an API request may use. */
export const API_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type ApiMethod = (typeof API_METHODS)[number];

/** A query value: one value or a list (`?label=a&label=b`). */
export type ApiQueryValue = string | number | boolean | Array<string | number | boolean>;

/** One request to a configured API (`apis.<name>` in config.yaml). */
export interface ApiRequest {
  /** Default GET. */
  method?: ApiMethod;
  /** Below the API's base_url: `/projects` or `projects`. A query part is allowed and re-encoded. */
  path: string;
  query?: Record<string, ApiQueryValue>;
  /** A JSON body (sent with `content-type: application/json`). */
  json?: unknown;
  /** Extra request headers; credentials and connection headers are refused. */
  headers?: Record<string, string>;
  /** The account to use (default: the API provider's active account). */
  accountKey?: string;
}

/** How the body of an answer arrived. */
export type ApiBodyType = 'json' | 'text' | 'binary' | 'empty';

export interface ApiResponse {
  status: number;
  /** A safe subset of the answer's headers (content type, caching, paging, rate limits), lower-case names. */
  headers: Record<string, string>;
  bodyType: ApiBodyType;
  /** Parsed JSON (`json`), the text (`text`), base64 (`binary`) or null (`empty`). */
  body: unknown;
  /** The account whose session was used. */
  accountKey: string;
  /** Whether the request was made with a DPoP-bound token (RFC 9449). */
  dpop: boolean;
}

/** Which dashboard panel an API feeds, if any. */
export type ApiDashboard = 'demo-projects' | 'github-repositories';

/** A configured API, as the renderer and the CLI may see it. */
export interface ApiSummary {
  name: string;
  label: string;
  provider: string;
  baseUrl: string;
  dashboard?: ApiDashboard;
}
