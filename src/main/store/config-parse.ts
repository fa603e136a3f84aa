/**
 * Turns the bytes of config.yaml into a validated config plus the YAML Document it came from, or into one
 * `config_invalid` error that says exactly where the problem is (`<file>:<line>:<col>: <what>`), so the
 * person can fix it in an editor. The Document is kept because writes are applied to it: that is what
 * preserves the person's comments and ordering.
 *
 * The YAML stage (config-yaml.ts) comes first; this module adds the schema, and the messages.
 * Order matters: the checks in config-guards.ts (UTF-8, nesting depth, emptiness) run before the parser,
 * reserved keys are refused before the Document becomes plain objects, and only then does the schema run.
 * Every message is one bounded line without control characters: it ends up in dialogs and terminals.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { AuthError } from '../../shared/errors';
import { decodeUtf8, findKeyProblems, type ForbiddenKey, type Position } from './config-guards';
import { DUPLICATE_KEY, MAX_ALIAS_COUNT, readConfigSyntax, type Problem } from './config-yaml';
import { clipText, configSchema, isSecretLikeKey, type LatchkeyConfig } from './schema';

export type { Position } from './config-guards';
export { MAX_ALIAS_COUNT, MAX_CONFIG_BYTES, type Problem } from './config-yaml';

/** A valid config and the Document it was read from (writes edit the Document to keep comments). */
export interface ParsedConfig {
  doc: Document;
  config: LatchkeyConfig;
}

export type CheckResult = { ok: true; parsed: ParsedConfig } | { ok: false; problems: Problem[]; cause?: unknown };

/** The longest problem description a message carries; values in it are clipped further (see clipText). */
const MAX_PROBLEM_CHARS = 300;
/** Control and format characters (ESC, BEL, bidi overrides, zero-width...) from the file must not reach a terminal. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}]/gu;

/**
 * The bytes of config.yaml as text; throws `config_invalid` at the first byte that is not UTF-8 rather
 * than replacing it (a later write would save the replacement over the person's text). A BOM is dropped.
 */
export function decodeConfigText(bytes: Uint8Array, file: string): string {
  const decoded = decodeUtf8(bytes);
  if (decoded.ok) return decoded.text;
  throw configInvalid(file, [{ where: '', what: 'is not UTF-8 text (save it as UTF-8 in your editor)', position: decoded.position }]);
}

/** Parses and validates; throws `AuthError('config_invalid')` with the first problem's location. */
export function parseConfig(text: string, file: string): ParsedConfig {
  const result = checkConfig(text);
  if (!result.ok) throw configInvalid(file, result.problems, result.cause);
  return result.parsed;
}

/** The problems of a config text, or the parsed config: for callers that report problems their own way. */
export function checkConfig(text: string): CheckResult {
  const syntax = readConfigSyntax(text);
  if (!syntax.ok) return syntax;
  return checkKeysAndSchema(syntax.doc, syntax.lineCounter, syntax.forbidden);
}

/**
 * The checks after the YAML stage, on a Document: repeated and reserved keys, aliases, the schema.
 * ConfigStore.update() runs them on the Document it has just edited, rather than parsing the text it is about
 * to write a second time.
 */
export function checkDocument(doc: Document, lineCounter = new LineCounter()): CheckResult {
  const keys = findKeyProblems(doc, lineCounter);
  if (keys.duplicates.length > 0) return { ok: false, problems: keys.duplicates.map(({ position }) => ({ where: '', what: DUPLICATE_KEY, ...optionalPosition(position) })) };
  return checkKeysAndSchema(doc, lineCounter, keys.forbidden);
}

function checkKeysAndSchema(doc: Document, lineCounter: LineCounter, forbidden: ForbiddenKey[]): CheckResult {
  // Before toJS: it would turn these keys into something the schema never sees.
  if (forbidden.length > 0) {
    return {
      ok: false,
      problems: forbidden.map(({ path, position }) => ({
        where: dotted(path),
        what: 'this name is reserved in JavaScript and cannot be used as a key; rename or remove it',
        ...optionalPosition(position),
      })),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml refuses to expand an alias bomb (a ReferenceError): point at the first alias.
    const position = firstAliasPosition(doc, lineCounter);
    return {
      ok: false,
      problems: [{ where: '', what: `aliases (*name) expand too far (more than ${MAX_ALIAS_COUNT} copies); write the values out instead`, ...(position ? { position } : {}) }],
      cause: error,
    };
  }
  const result = configSchema.safeParse(data);
  if (!result.success) return { ok: false, problems: result.error.issues.flatMap((issue) => describeIssue(issue, doc, lineCounter)) };
  return { ok: true, parsed: { doc, config: result.data } };
}

/** `where: what` of a problem, as shown in messages. */
export function describeProblem(problem: Problem): string {
  return problem.where === '' ? problem.what : `${problem.where}: ${problem.what}`;
}

/**
 * Builds the config_invalid error; the earliest problem in the file is the one named in the message. The
 * message is one bounded line: the description is clipped and control characters from the file become `?`.
 */
export function configInvalid(file: string, problems: Problem[], cause?: unknown): AuthError {
  const sorted = [...problems].sort(
    (a, b) => (a.position?.line ?? Infinity) - (b.position?.line ?? Infinity) || (a.position?.column ?? 0) - (b.position?.column ?? 0),
  );
  const first = sorted[0] ?? { where: '', what: 'the file is not valid' };
  const at = first.position ? `${file}:${first.position.line}:${first.position.column}` : file;
  const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more problem${sorted.length > 2 ? 's' : ''})` : '';
  const hint =
    first.kind === 'empty'
      ? `Delete ${file} and Latchkey writes a fresh default, or restore your copy.`
      : `Fix or delete ${file}; Latchkey will not change it until it is valid.`;
  return new AuthError('config_invalid', printable(`${at}: ${clipText(describeProblem(first), MAX_PROBLEM_CHARS)}${more}`), {
    ...(cause === undefined ? {} : { cause }),
    location: { file, ...(first.position ? { line: first.position.line, column: first.position.column } : {}) },
    hint: printable(hint),
  });
}

function printable(text: string): string {
  return text.replace(UNPRINTABLE, '?');
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, lineCounter: LineCounter): Problem[] {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
  const locate = (segments: (string | number)[], atKey: boolean): Problem['position'] => positionOf(doc, lineCounter, segments, atKey);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        where: dotted([...path, key]),
        what: isSecretLikeKey(key)
          ? 'looks like a secret; Latchkey keeps secrets in the system keychain, never in this file - remove it'
          : 'unknown key (check the spelling)',
        ...optionalPosition(locate([...path, key], true)),
      }));
    case 'invalid_key':
      return [{ where: dotted(path), what: issue.issues[0]?.message ?? issue.message, ...optionalPosition(locate(path, true)) }];
    case 'invalid_type':
      if (path.length === 0) {
        return [{ where: '', what: 'the file must be a mapping of settings (session:, providers:, credentials:)', ...optionalPosition(locate(path, false)) }];
      }
      return [{ where: dotted(path), what: issue.message, ...optionalPosition(locate(path, false)) }];
    default:
      return [{ where: dotted(path), what: issue.message, ...optionalPosition(locate(path, false)) }];
  }
}

function optionalPosition(position: Position | undefined): { position?: Position } {
  return position ? { position } : {};
}

/** `credentials.usernames.alice.roles[0]`: how a person would find the place by reading the file. Keys are clipped. */
function dotted(path: (string | number)[]): string {
  return path.reduce<string>((out, segment) => {
    if (typeof segment === 'number') return `${out}[${segment}]`;
    const key = clipText(segment);
    return out === '' ? key : `${out}.${key}`;
  }, '');
}

/**
 * Maps a schema path to the YAML node it came from. Walks the Document by hand rather than with getIn:
 * keys compare as text (a YAML key `123` is the number 123, but the path says "123"), aliases are
 * followed, and when the path ends at something absent the nearest existing ancestor is used.
 */
function positionOf(doc: Document, lineCounter: LineCounter, path: (string | number)[], atKey: boolean): Position | undefined {
  let node: unknown = doc.contents;
  let best: unknown = node;
  for (const [index, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) break;
      // An empty value (`key:`) has no node of its own: point at its key then.
      best = (last && atKey) || pair.value === null ? pair.key : pair.value;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (node === undefined || node === null) break;
      best = node;
    } else {
      break;
    }
  }
  const range = (best as { range?: [number, number, number] } | null)?.range;
  if (range === undefined) return undefined;
  const { line, col } = lineCounter.linePos(range[0]);
  return { line, column: col };
}

function firstAliasPosition(doc: Document, lineCounter: LineCounter): Position | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, alias) {
      offset = alias.range?.[0];
      return visit.BREAK;
    },
  });
  if (offset === undefined) return undefined;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
