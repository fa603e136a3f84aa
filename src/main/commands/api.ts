/**
 * `latchkey api <api> <path>`: a request to a configured API with the signed-in session, for scripts — modelled
 * on `gh api`. The request goes through the engine's one request path (the token, DPoP proof and refresh stay
 * inside it); this command only turns the command line into a request and the answer into output:
 *
 * - `-X METHOD` (default GET, or POST when a body is given), `-f key=value` (repeatable: query parameters for
 *   GET, HEAD and DELETE, else fields of a JSON body; with `--input` they are query parameters), `--input FILE`
 *   (a JSON body from a file, `-` for stdin), `--include` (the status line and the safe headers first);
 * - the body on stdout: JSON pretty-printed on a terminal and compact otherwise (one line, for `jq`), text as it
 *   came, nothing for a binary answer (stderr says what it was);
 * - exit 0 for a 2xx answer, 1 for any other answer or failure, 2 for a malformed command line or a path that
 *   would leave the API's base_url.
 */
import { readFile } from 'node:fs/promises';
import { API_METHODS, type ApiMethod, type ApiQueryValue, type ApiRequest, type ApiResponse } from '../../shared/api';
import { isAuthError, toAuthError } from '../../shared/errors';
import type { Latchkey } from '../app';

export interface ApiCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a terminal (JSON is then pretty-printed). */
  isTerminal?: boolean;
}

export interface ApiCommandOptions {
  api: string | undefined;
  path: string | undefined;
  method: string | undefined;
  fields: string[];
  input: string | undefined;
  include: boolean;
  account: string | undefined;
}

export const API_USAGE = '  api <api> <path> [-X METHOD] [-f key=value]... [--input FILE] [--include] [--account KEY]\n' +
  '                                   call a configured API (config.yaml apis:) with the session; prints the body\n';

class CommandLineError extends Error {}

function methodOf(value: string | undefined, hasBody: boolean): ApiMethod {
  if (value === undefined) return hasBody ? 'POST' : 'GET';
  const upper = value.toUpperCase();
  if (!(API_METHODS as readonly string[]).includes(upper)) throw new CommandLineError(`-X must be one of ${API_METHODS.join(', ')}`);
  return upper as ApiMethod;
}

function parseFields(fields: string[]): Array<[string, string]> {
  return fields.map((field) => {
    const at = field.indexOf('=');
    if (at <= 0) throw new CommandLineError(`-f expects key=value, got "${field.slice(0, 40)}"`);
    return [field.slice(0, at), field.slice(at + 1)];
  });
}

async function readInput(file: string): Promise<unknown> {
  let text: string;
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new CommandLineError(`--input: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CommandLineError(`--input: ${file === '-' ? 'stdin' : file} is not JSON`);
  }
}

/** The request the command line describes. */
async function buildRequest(options: ApiCommandOptions): Promise<ApiRequest> {
  const fields = parseFields(options.fields);
  const body = options.input !== undefined ? await readInput(options.input) : undefined;
  const method = methodOf(options.method, body !== undefined || fields.length > 0);
  const fieldsInQuery = body !== undefined || method === 'GET' || method === 'HEAD' || method === 'DELETE';
  const request: ApiRequest = { method, path: options.path as string };
  if (fields.length > 0 && fieldsInQuery) {
    const query: Record<string, ApiQueryValue> = {};
    for (const [key, value] of fields) {
      const existing = query[key];
      query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
    request.query = query;
  } else if (fields.length > 0) {
    request.json = Object.fromEntries(fields);
  }
  if (body !== undefined) request.json = body;
  if (options.account !== undefined) request.accountKey = options.account;
  return request;
}

function printAnswer(response: ApiResponse, options: ApiCommandOptions, io: ApiCommandIo): void {
  if (options.include) {
    io.stdout(`HTTP ${response.status}\n`);
    for (const [name, value] of Object.entries(response.headers)) io.stdout(`${name}: ${value}\n`);
    io.stdout('\n');
  }
  switch (response.bodyType) {
    case 'json':
      io.stdout(`${io.isTerminal ? JSON.stringify(response.body, null, 2) : JSON.stringify(response.body)}\n`);
      break;
    case 'text': {
      const text = String(response.body);
      io.stdout(text.endsWith('\n') ? text : `${text}\n`);
      break;
    }
    case 'binary':
      io.stderr(`latchkey: not printing a binary answer (${response.headers['content-type'] ?? 'no content type'}, ${Buffer.from(String(response.body), 'base64').length} bytes)\n`);
      break;
    case 'empty':
      break;
  }
}

export async function runApiCommand(latchkey: Latchkey, options: ApiCommandOptions, io: ApiCommandIo): Promise<number> {
  if (!options.api || !options.path) {
    io.stderr(`latchkey: api needs an API name and a path, e.g. latchkey api demo /projects\n\nUsage:\n${API_USAGE}`);
    return 2;
  }
  let request: ApiRequest;
  try {
    request = await buildRequest(options);
  } catch (err) {
    if (!(err instanceof CommandLineError)) throw err;
    io.stderr(`latchkey: ${err.message}\n`);
    return 2;
  }
  let response: ApiResponse;
  try {
    response = await latchkey.engine.fetchApi(options.api, request);
  } catch (err) {
    const error = toAuthError(err);
    io.stderr(`latchkey: ${error.message}\n`);
    if (error.hint) io.stderr(`  ${error.hint}\n`);
    return isAuthError(error, 'invalid_argument') ? 2 : 1;
  }
  printAnswer(response, options, io);
  if (response.status >= 200 && response.status < 300) return 0;
  io.stderr(`latchkey: ${options.api} answered HTTP ${response.status}\n`);
  return 1;
}
