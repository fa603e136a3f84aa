/**
 * Repeated keys in config.yaml, found by one walk over the Document (config-guards.ts) instead of yaml's
 * pairwise check: the same files refused, at the same places, as yaml's own `uniqueKeys` rule — checked here
 * against yaml itself — also in a mapping of thousands of accounts.
 */
import { LineCounter, parseDocument, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkConfig, checkDocument } from '../src/main/store/config-parse';

/** Where yaml's own uniqueKeys check puts its DUPLICATE_KEY errors. */
function yamlDuplicates(text: string): string[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, resolveKnownTags: false, lineCounter });
  return doc.errors.filter((error) => error.code === 'DUPLICATE_KEY').map((error) => `${error.linePos?.[0]?.line}:${error.linePos?.[0]?.col}`);
}

function ourDuplicates(text: string): string[] {
  const result = checkConfig(text);
  if (result.ok) return [];
  return result.problems.filter((problem) => problem.what === 'Map keys must be unique').map((problem) => `${problem.position?.line}:${problem.position?.column}`);
}

const CASES = [
  'a: 1\na: 2\n',
  'x:\n  a: 1\n  b: 2\n  a: 3\n',
  '{a: 1, a: 2}\n',
  'x: {a: 1, b: 2, a: 3}\n',
  '&k a: 1\na: 2\n',
  'a: 1\n!!str a: 2\n',
  '"a": 1\na: 2\n',
  "'1': x\n1: y\n",
  '1: x\n0x1: y\n',
  ': x\n: y\n',
  '? a\n: 1\n? a\n: 2\n',
  '.nan: 1\n.nan: 2\n',
  '-0: 1\n0: 2\n',
  'l:\n  - a: 1\n    a: 2\n  - b: 1\n',
  '[a: 1, a: 2]\n',
  'a: 1\nb: [\na: 2\n',
  'x: &anc {a: 1}\ny: *anc\n',
  'null: 1\n~: 2\n',
  'true: 1\nTrue: 2\n',
  'a:\n  b: 1\n  b: 2\nc: 1\nc: 2\n',
];

describe('repeated keys', () => {
  it.each(CASES.map((text) => [JSON.stringify(text), text] as const))('%s: the same verdict and place as yaml\'s own check', (_name, text) => {
    expect(ourDuplicates(text)).toEqual(yamlDuplicates(text));
  });

  it('finds the one repeat in a config of 3,000 accounts, where it is', () => {
    const usernames: Record<string, unknown> = {};
    for (let i = 0; i < 3_000; i++) usernames[`demo:user-${i}`] = { name: `User ${i}`, provider: 'demo', subject: `user-${i}`, logged_in: false };
    const text = stringify({ providers: { demo: { label: 'Demo', embedded: true } }, credentials: { usernames } }, { lineWidth: 0 });
    expect(checkConfig(text).ok).toBe(true);
    const lines = text.split('\n');
    const index = lines.findIndex((l) => l.trimStart().startsWith('demo:user-2999:'));
    const indent = (lines[index] as string).length - (lines[index] as string).trimStart().length;
    lines[index] = (lines[index] as string).replace('demo:user-2999:', 'demo:user-17:');
    const repeated = lines.join('\n');
    expect(ourDuplicates(repeated)).toEqual([`${index + 1}:${indent + 1}`]);
    expect(yamlDuplicates(repeated)).toEqual([`${index + 1}:${indent + 1}`]);
  });

  it('refuses, on a write, a Document edited into a reserved key (the check runs on the Document, not a second parse)', () => {
    const doc = parseDocument('providers:\n  demo: { label: Demo, embedded: true }\n');
    doc.setIn(['providers', '__proto__'], { label: 'x', embedded: true });
    const result = checkDocument(doc);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((p) => p.where)).toEqual(['providers.__proto__']);
  });
});
