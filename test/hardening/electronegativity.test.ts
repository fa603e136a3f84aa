/**
 * Electron security review by @doyensec/electronegativity, kept honest: the tool scans `src/` (and the build
 * output `out/`, when it exists), and every finding above informational must be justified in
 * `security/electronegativity.json`. The test fails on an unjustified finding, on a justification whose
 * count no longer matches what the tool finds, on a justification that matches nothing (stale), on a file
 * the tool could not read, and on inline `eng-disable` comments (which would hide findings from this review).
 *
 * LATCHKEY_BUILT_DIR=<folder> scans another build output in place of `out/` (its files are named `out/...`).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const ROOT = join(import.meta.dirname, '..', '..');
const JUSTIFICATIONS = join(ROOT, 'security', 'electronegativity.json');
/** The tool's "informational" level (0); everything above it must be justified. */
const INFORMATIONAL = 0;
/**
 * AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK downloads Electron's release list from the network and leaves a copy
 * in the temp folder; the Electron version is pinned and reviewed with the dependencies instead.
 */
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];

interface ToolIssue {
  id: string;
  file: string;
  location: { line: number; column: number };
  severity: { value: number; name: string };
  confidence: { name: string };
  description: string;
}

interface ToolResult {
  issues: ToolIssue[];
  errors: { file: string; message: string; tolerable: boolean }[];
}

type RunElectronegativity = (options: {
  input: string;
  isRelative: boolean;
  electronVersionOverride: string;
  excludeFromScan: string[];
}) => Promise<ToolResult>;

const justificationFile = z.strictObject({
  about: z.string(),
  justifications: z.array(
    z.strictObject({
      check: z.string().regex(/^[A-Z_]+$/),
      file: z.string().regex(/^(src|out)\//),
      count: z.number().int().min(1),
      reason: z.string().min(60),
    }),
  ),
});
type Justification = z.infer<typeof justificationFile>['justifications'][number];

/** One finding as this review counts it: check id and project-relative file. */
interface Finding {
  check: string;
  file: string;
  where: string;
}

const require = createRequire(import.meta.url);

function electronVersion(): string {
  return (require('electron/package.json') as { version: string }).version;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Runs the tool over `input`; findings above informational and unreadable files, named `<prefix>/<file>`. */
/**
 * The tool downloads translations of its messages on every run (an HTTP request with `got`). Latchkey's test
 * machines have no internet, and a test has no business calling out anyway: the tool's own bundled English
 * texts are used instead, by answering that one request with a failure before it is made.
 */
function keepTranslationsOffline(): void {
  const toolRequire = createRequire(require.resolve('@doyensec/electronegativity'));
  const gotPath = toolRequire.resolve('got');
  const offline = () => Promise.reject(new Error('offline: using the bundled translations'));
  require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: Object.assign(offline, { default: offline }) } as unknown as NodeJS.Module;
}

async function scan(input: string, prefix: string): Promise<Finding[]> {
  keepTranslationsOffline();
  const run = require('@doyensec/electronegativity') as RunElectronegativity;
  const result = await run({ input, isRelative: true, electronVersionOverride: electronVersion(), excludeFromScan: EXCLUDED_CHECKS });
  const findings: Finding[] = result.issues
    .filter((issue) => issue.severity.value > INFORMATIONAL)
    .map((issue) => ({
      check: issue.id,
      file: `${prefix}/${issue.file}`,
      where: `${prefix}/${issue.file}:${issue.location.line}:${issue.location.column} ${issue.severity.name}/${issue.confidence.name}: ${issue.description}`,
    }));
  for (const error of result.errors.filter((e) => !e.tolerable)) {
    const file = `${prefix}/${relative(input, error.file)}`;
    findings.push({ check: 'PARSE_ERROR', file, where: `${file}: ${error.message}` });
  }
  return findings;
}

/** `*` in a justification's file stands for any run of characters except `/` (a bundle chunk's hash). */
function fileMatches(pattern: string, file: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  return regex.test(file);
}

/** Compares findings with justifications; returns one line per problem. */
function review(findings: Finding[], justifications: Justification[], scannedPrefixes: string[]): string[] {
  const problems: string[] = [];
  const matched = new Map<Justification, Finding[]>();
  for (const finding of findings) {
    const justification = justifications.find((j) => j.check === finding.check && fileMatches(j.file, finding.file));
    if (justification === undefined) {
      problems.push(`unjustified: ${finding.where}`);
      continue;
    }
    matched.set(justification, [...(matched.get(justification) ?? []), finding]);
  }
  for (const justification of justifications) {
    if (!scannedPrefixes.some((prefix) => justification.file.startsWith(`${prefix}/`))) continue;
    const found = matched.get(justification) ?? [];
    if (found.length === 0) {
      problems.push(`stale justification (nothing found): ${justification.check} ${justification.file}`);
    } else if (found.length !== justification.count) {
      problems.push(
        `${justification.check} ${justification.file}: justified ${justification.count}, found ${found.length}:\n  ${found.map((f) => f.where).join('\n  ')}`,
      );
    }
  }
  return problems;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (/\.(ts|tsx|js|mjs|cjs|html)$/.test(entry.name)) out.push(path);
  }
  return out;
}

describe('electronegativity', () => {
  it('finds nothing above informational in src/ (and out/) that security/electronegativity.json does not justify', async () => {
    const { justifications } = justificationFile.parse(JSON.parse(await readFile(JUSTIFICATIONS, 'utf8')));
    // The review is only meaningful once the Electron glue exists.
    expect(await exists(join(ROOT, 'src', 'main', 'desktop', 'window.ts'))).toBe(true);
    expect(await exists(join(ROOT, 'src', 'main', 'desktop', 'index.ts'))).toBe(true);

    const findings = await scan(join(ROOT, 'src'), 'src');
    const scanned = ['src'];
    const built = process.env['LATCHKEY_BUILT_DIR'] ?? join(ROOT, 'out');
    if (await exists(built)) {
      findings.push(...(await scan(built, 'out')));
      scanned.push('out');
    }
    expect(review(findings, justifications, scanned)).toEqual([]);
  });

  it('has no inline eng-disable comments hiding findings from the review', async () => {
    const hidden: string[] = [];
    for (const file of await sourceFiles(join(ROOT, 'src'))) {
      if (/eng-disable/i.test(await readFile(file, 'utf8'))) hidden.push(relative(ROOT, file));
    }
    expect(hidden).toEqual([]);
  });

  it('reports what it is given: an unjustified finding, a wrong count and a stale entry all fail', () => {
    const findings: Finding[] = [
      { check: 'OPEN_EXTERNAL_JS_CHECK', file: 'src/main/desktop/window.ts', where: 'a' },
      { check: 'OPEN_EXTERNAL_JS_CHECK', file: 'src/main/desktop/window.ts', where: 'b' },
      { check: 'NODE_INTEGRATION_JS_CHECK', file: 'src/main/desktop/window.ts', where: 'c' },
      { check: 'PARSE_ERROR', file: 'out/main/chunks/engine-AbC123.js', where: 'd' },
    ];
    const reason = 'x'.repeat(60);
    const justifications: Justification[] = [
      { check: 'OPEN_EXTERNAL_JS_CHECK', file: 'src/main/desktop/window.ts', count: 1, reason },
      { check: 'PRELOAD_JS_CHECK', file: 'src/main/desktop/window.ts', count: 1, reason },
      { check: 'PARSE_ERROR', file: 'out/main/chunks/engine-*.js', count: 1, reason },
      { check: 'CSP_GLOBAL_CHECK', file: 'out/renderer/index.html', count: 1, reason },
    ];
    const problems = review(findings, justifications, ['src', 'out']);
    expect(problems).toHaveLength(4);
    expect(problems.some((p) => p.startsWith('unjustified: c'))).toBe(true);
    expect(problems.some((p) => p.includes('justified 1, found 2'))).toBe(true);
    expect(problems.some((p) => p.includes('stale justification (nothing found): PRELOAD_JS_CHECK'))).toBe(true);
    expect(problems.some((p) => p.includes('stale justification (nothing found): CSP_GLOBAL_CHECK out/renderer/index.html'))).toBe(true);
    // Entries for a build output that was not scanned are not stale.
    expect(review(findings.slice(0, 2), justifications.slice(0, 1).map((j) => ({ ...j, count: 2 })).concat(justifications.slice(3)), ['src'])).toEqual([]);
  });
});
