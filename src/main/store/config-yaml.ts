/**
 * The YAML stage of reading config.yaml: from text to a Document, or to the problems that stop it — yaml's own
 * errors, the guards that must run before or beside the parser (config-guards.ts), repeated keys, unknown tags.
 * Nothing here loads the schema (zod), so a command that only needs to read a few values (`latchkey token`)
 * can check the file's syntax as strictly as every other command without paying for the schema's start-up.
 */
import { Buffer } from 'node:buffer';
import { Composer, Lexer, LineCounter, Parser, YAMLParseError, type Document } from 'yaml';
import { findKeyProblems, MAX_NESTING_DEPTH, scanStructure, type ForbiddenKey, type Position } from './config-guards';
import { MAX_CONFIG_BYTES } from './config-limits';

export { MAX_ALIAS_COUNT, MAX_CONFIG_BYTES } from './config-limits';

/** yaml's words for a repeated key, kept for the same messages now that the check is Latchkey's. */
export const DUPLICATE_KEY = 'Map keys must be unique';

/** yaml warnings that mean "this tag was ignored": refused, because the value is then not what the file says. */
const TAG_WARNINGS = new Set<string>(['TAG_RESOLVE_FAILED', 'BAD_COLLECTION_TYPE']);

/** One thing wrong with the file: where (schema path and position) and what. */
export interface Problem {
  position?: Position;
  /** Dotted schema path (`providers.company.issuer`); empty for syntax problems. */
  where: string;
  what: string;
  /** 'empty': the file has no content, so the fix is not an edit: delete it (a default is written) or restore it. */
  kind?: 'empty';
}

/** The Document of a text that passed the YAML stage, and the reserved keys found in it (refused by the next stage). */
export interface ConfigSyntax {
  ok: true;
  doc: Document;
  lineCounter: LineCounter;
  forbidden: ForbiddenKey[];
}

/** The YAML stage: a Document, or the problems (size, nesting, emptiness, yaml errors, unknown tags, repeated keys). */
export function readConfigSyntax(text: string): ConfigSyntax | { ok: false; problems: Problem[] } {
  if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) {
    return { ok: false, problems: [{ where: '', what: `the file is larger than ${MAX_CONFIG_BYTES} bytes; this is not a Latchkey config` }] };
  }
  // The file is lexed once: the nesting guard reads the tokens first, then the parser gets the same tokens.
  const tokens = Array.from(new Lexer().lex(text));
  // Before the parser, which recurses once per level: a nesting bomb must never reach it.
  const structure = scanStructure(tokens, text);
  if (structure.tooDeepAt) {
    return { ok: false, problems: [{ where: '', what: `nested too deeply (more than ${MAX_NESTING_DEPTH} levels of lists and mappings)`, position: structure.tooDeepAt }] };
  }
  // Taken as "all defaults", an emptied file would be replaced by the next sign-in; the person may have a copy.
  if (structure.empty) return { ok: false, problems: [{ where: '', what: 'is empty', kind: 'empty' }] };
  const lineCounter = new LineCounter();
  const doc = composeDocument(tokens, text, lineCounter);
  // An unknown tag (`!!js/function`, `!custom`) is only a warning to yaml, which then drops the tag and keeps
  // the bare value: Latchkey would read something other than what the file says.
  const yamlErrors = [...doc.errors, ...doc.warnings.filter((warning) => TAG_WARNINGS.has(warning.code))];
  const keys = findKeyProblems(doc, lineCounter);
  if (yamlErrors.length > 0 || keys.duplicates.length > 0) {
    return {
      ok: false,
      problems: [
        ...yamlErrors.map((error) => {
          const at = error.pos[0] >= 0 ? lineCounter.linePos(error.pos[0]) : undefined;
          // yaml's own wording for this one tells a programmer which function to call instead.
          const what =
            error.code === 'MULTIPLE_DOCS'
              ? 'the file holds more than one YAML document (a line with ---); keep only one'
              : TAG_WARNINGS.has(error.code)
                ? `${yamlMessage(error.message)} (Latchkey reads plain values only; remove the !tag)`
                : yamlMessage(error.message);
          return { where: '', what, ...(at ? { position: { line: at.line, column: at.col } } : {}) };
        }),
        // A repeated key is a syntax problem like yaml's own (it is yaml's rule, checked in linear time).
        ...keys.duplicates.map(({ position }) => ({ where: '', what: DUPLICATE_KEY, ...(position ? { position } : {}) })),
      ],
    };
  }
  return { ok: true, doc, lineCounter, forbidden: keys.forbidden };
}

/**
 * yaml's parseDocument() on tokens lexed already (same parser, same composer, same single-document rule).
 * resolveKnownTags: false - YAML 1.1 tags (!!binary, !!timestamp, !!set...) would turn text into buffers,
 * dates and sets; a config has no use for them, so they are unknown tags like any other. uniqueKeys: false -
 * repeated keys are found by findKeyProblems in linear time (yaml's check compares each key with every one
 * before it).
 */
function composeDocument(tokens: readonly string[], text: string, lineCounter: LineCounter): Document {
  const parser = new Parser(lineCounter.addNewLine);
  const composer = new Composer({ uniqueKeys: false, resolveKnownTags: false });
  lineCounter.addNewLine(0);
  function* cst() {
    for (const token of tokens) yield* parser.next(token);
    yield* parser.end();
  }
  let doc: Document | null = null;
  for (const next of composer.compose(cst(), true, text.length)) {
    if (doc === null) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  // compose(…, true) ends with a document even for an empty stream.
  return doc as Document;
}

/** yaml's messages may carry " at line L, column C:" and a source excerpt; the location is reported separately. */
function yamlMessage(message: string): string {
  const firstLine = message.split('\n', 1)[0] ?? message;
  return firstLine.replace(/ at line \d+, column \d+:?$/, '');
}
