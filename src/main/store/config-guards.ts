/**
 * Checks on config.yaml that must run before (or beside) the YAML parser and the schema, because what
 * they catch would otherwise be silently changed or would hurt the process:
 *
 * - bytes that are not UTF-8 (decoding would replace them with U+FFFD, and the next write would save that);
 * - nesting so deep that the recursive parser would exhaust the stack (found in yaml's own token stream,
 *   which its lexer makes iteratively, before anything recursive runs; config-parse.ts lexes once and hands
 *   the same tokens to the parser);
 * - a file with no content at all (taking it as "all defaults" would let the next write replace it);
 * - keys such as `__proto__` that JavaScript objects treat specially, so they never reach the schema;
 * - the same key twice in one mapping (a person's edit that silently loses one of the two values).
 *
 * Every check here is linear in the size of the file: a config with a thousand accounts is a normal file.
 */
import { CST, isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

/** 1-based line and column in the file, as editors count them. */
export interface Position {
  line: number;
  column: number;
}

/**
 * A real config nests about six levels (credentials > usernames > account > roles). A hundred is far
 * beyond any hand-written file and far below what the parser's recursion can take.
 */
export const MAX_NESTING_DEPTH = 100;

/** `fatal`: refuse invalid bytes instead of replacing them. The default `ignoreBOM: false` drops a leading BOM. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The file's bytes as text, or the position of the first byte that is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): { ok: true; text: string } | { ok: false; position: Position } {
  try {
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (bytes[i] === 0x0a) {
        line += 1;
        lineStart = i + 1;
      }
    }
    // Everything before the bad byte is valid, so it decodes; the column counts UTF-16 units, as the parser's do.
    const column = utf8.decode(bytes.subarray(lineStart, offset)).length + 1;
    return { ok: false, position: { line, column } };
  }
}

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629, Table 3-7). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    // [continuation bytes, allowed range of the first continuation byte]: excludes overlong forms,
    // UTF-16 surrogates and code points above U+10FFFF.
    let shape: [number, number, number] | undefined;
    if (lead >= 0xc2 && lead <= 0xdf) shape = [1, 0x80, 0xbf];
    else if (lead === 0xe0) shape = [2, 0xa0, 0xbf];
    else if (lead === 0xed) shape = [2, 0x80, 0x9f];
    else if (lead >= 0xe1 && lead <= 0xef) shape = [2, 0x80, 0xbf];
    else if (lead === 0xf0) shape = [3, 0x90, 0xbf];
    else if (lead >= 0xf1 && lead <= 0xf3) shape = [3, 0x80, 0xbf];
    else if (lead === 0xf4) shape = [3, 0x80, 0x8f];
    if (shape === undefined) return i;
    const [count, low, high] = shape;
    for (let k = 1; k <= count; k++) {
      const byte = bytes[i + k];
      const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (byte === undefined || byte < min || byte > max) return i;
    }
    i += count + 1;
  }
  return bytes.length;
}

/** What the structure scan found: whether the file holds anything, and where it nests too deeply. */
export interface StructureScan {
  /** No content at all: only whitespace, comments, a BOM, directives or `---`. */
  empty: boolean;
  tooDeepAt?: Position;
}

/**
 * Scans the token stream (yaml's Lexer output, see config-parse.ts) once, estimating the nesting depth at every node: the open flow brackets plus
 * the open block collections. Block collections are tracked by the column they start at (a nested one
 * always starts further right, except a list under a mapping key, so the estimate is at least half the
 * true depth); each indicator (`-`, `?`, `:`) followed by content on the same line opens a level too,
 * which is how `- - - - x` nests. The estimate errs high by a level or two, which is harmless at this
 * limit. Stops at the first place that is too deep, so a huge bomb costs only a few hundred tokens.
 */
export function scanStructure(tokens: Iterable<string>, text: string, limit = MAX_NESTING_DEPTH): StructureScan {
  let offset = 0;
  let column = 0;
  let flowDepth = 0;
  /** Columns of the open block nodes, innermost last. */
  const blocks: number[] = [];
  let lineStart = true;
  /** After an indicator: the next content on this line is a nested node. */
  let afterIndicator = false;
  /** The next token is the text of a scalar (yaml's lexer announces scalars with a marker). */
  let scalarNext = false;
  /** The scalar that follows is the body of a `|` or `>` block scalar: part of the header's node. */
  let blockBody = false;
  let empty = true;

  /** A node starts at the current column; returns true when it is nested too deeply. */
  const node = (): boolean => {
    empty = false;
    if (flowDepth === 0) {
      if (lineStart) {
        while ((blocks.at(-1) ?? -1) > column) blocks.pop();
        if (blocks.at(-1) !== column) blocks.push(column);
      } else if (afterIndicator) {
        blocks.push(column);
      }
    }
    lineStart = false;
    afterIndicator = false;
    return blocks.length + flowDepth > limit;
  };

  for (const token of tokens) {
    let tooDeep = false;
    if (scalarNext) {
      scalarNext = false;
      if (blockBody) blockBody = false;
      else tooDeep = node();
    } else {
      const type = CST.tokenType(token);
      switch (type) {
        case 'scalar':
          // A marker with no source text of its own; the scalar's text is the next token.
          scalarNext = true;
          continue;
        case 'doc-mode':
        case 'flow-error-end':
          continue;
        case 'newline':
          lineStart = true;
          afterIndicator = false;
          break;
        case 'flow-map-start':
        case 'flow-seq-start':
          tooDeep = node();
          flowDepth += 1;
          tooDeep ||= blocks.length + flowDepth > limit;
          break;
        case 'flow-map-end':
        case 'flow-seq-end':
          flowDepth = Math.max(0, flowDepth - 1);
          break;
        case 'seq-item-ind':
        case 'explicit-key-ind':
        case 'map-value-ind':
          // A `:` after a key on the same line belongs to the key's node; at the start of a line it starts one.
          if (lineStart || type !== 'map-value-ind') tooDeep = node();
          empty = false;
          afterIndicator = flowDepth === 0;
          break;
        case 'block-scalar-header':
          tooDeep = node();
          blockBody = true;
          break;
        case 'anchor':
        case 'tag':
        case 'alias':
        case 'single-quoted-scalar':
        case 'double-quoted-scalar':
          tooDeep = node();
          break;
        default:
          // space, comment, comma, byte-order-mark, directive, doc-start, doc-end: no node of their own.
          break;
      }
    }
    if (tooDeep) return { empty: false, tooDeepAt: positionAt(text, offset) };
    offset += token.length;
    const newline = token.lastIndexOf('\n');
    column = newline === -1 ? column + token.length : token.length - newline - 1;
  }
  return { empty };
}

/** Line and column of a string offset. */
function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** A mapping key JavaScript treats specially, found in the Document. */
export interface ForbiddenKey {
  /** The schema path of the key itself (`credentials.usernames.__proto__`). */
  path: (string | number)[];
  key: string;
  position?: Position;
}

/** Never a plain key in a JavaScript object: `obj['__proto__'] = x` replaces the prototype instead. */
const PROTO_KEY = '__proto__';
/** Names that collide with Object.prototype members; refused where keys become object properties by name. */
const PROTOTYPE_NAMES = new Set(['constructor', 'prototype']);
/** The mappings whose keys are names chosen by the person (providers, account keys). */
const NAMED_SECTIONS = ['providers', 'apis', 'credentials.usernames'];

/** A key that appears twice in one mapping: where its second occurrence is. */
export interface DuplicateKey {
  path: (string | number)[];
  position?: Position;
}

/** What the walk over the Document's keys found. */
export interface KeyProblems {
  forbidden: ForbiddenKey[];
  duplicates: DuplicateKey[];
}

/**
 * One walk over the Document finds two kinds of key problems:
 *
 * - every `__proto__` key anywhere in the file, and every `constructor` / `prototype` key directly under
 *   providers or credentials.usernames. Converting the Document to plain objects either drops such a key or
 *   turns it into something the schema never sees, so they are refused before that, with their location.
 * - every scalar key that repeats one before it in the same mapping. This is yaml's own `uniqueKeys` rule
 *   (keys are equal when their scalar values are ===), done with a set per mapping instead of yaml's scan of
 *   the pairs before each new one, which made a mapping of n accounts cost n²/2 comparisons.
 *
 * Aliases are not followed (the anchored node is visited where it is written), except to read an aliased key.
 */
export function findKeyProblems(doc: Document, lineCounter: LineCounter): KeyProblems {
  const problems: KeyProblems = { forbidden: [], duplicates: [] };
  const positionOf = (node: unknown): { position?: Position } => {
    const offset = (node as { range?: [number, number, number] } | null)?.range?.[0];
    if (offset === undefined) return {};
    const at = lineCounter.linePos(offset);
    return { position: { line: at.line, column: at.col } };
  };
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      const section = path.join('.');
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const scalar = scalarKey(pair.key);
        if (scalar !== undefined) {
          const value = scalar.value;
          // NaN !== NaN, so yaml never counts it as a repeat; a Set would.
          if (seen.has(value) && !Number.isNaN(value)) problems.duplicates.push({ path: [...path, String(value)], ...positionOf(pair.key) });
          seen.add(value);
        }
        const key = keyText(doc, pair.key);
        if (key !== undefined && (key === PROTO_KEY || (PROTOTYPE_NAMES.has(key) && NAMED_SECTIONS.includes(section)))) {
          problems.forbidden.push({ path: [...path, key], key, ...positionOf(pair.key) });
        }
        walk(pair.key, path);
        walk(pair.value, key === undefined ? path : [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index]));
    }
  };
  walk(doc.contents, []);
  return problems;
}

function keyText(doc: Document, key: unknown): string | undefined {
  const node = isAlias(key) ? key.resolve(doc) : key;
  const scalar = scalarKey(node);
  return scalar === undefined ? undefined : String(scalar.value);
}

/**
 * The value of a scalar key: a Scalar node as parsed, or a plain value as yaml's own setters (setIn, set) put
 * it in an edited Document. Update() checks an edited Document without parsing its text again, so both count.
 */
function scalarKey(key: unknown): { value: unknown } | undefined {
  if (isScalar(key)) return { value: key.value };
  if (key === null || typeof key === 'string' || typeof key === 'number' || typeof key === 'boolean' || typeof key === 'bigint') return { value: key };
  return undefined;
}
