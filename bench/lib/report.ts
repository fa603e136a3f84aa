/**
 * The benchmark's output: one row per figure, printed as a table and written as JSON and Markdown to
 * bench/results/. A ratio is always the subject's median divided by the baseline's median, both measured
 * in the same run (and the same for p95).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { machineLines, type MachineInfo } from './machine';
import { summarize, type Summary } from './stats';

export interface Measured {
  label: string;
  summary: Summary;
  /** Every timed run in ms, in the order measured (for anyone who wants another statistic). */
  samples: number[];
}

export interface MeasuredRow {
  id: string;
  status: 'measured';
  title: string;
  subject: Measured;
  baseline: Measured;
  ratio: { median: number; p95: number };
  notes: string[];
  /** Counts and facts beside the timings (e.g. refresh requests per batch). */
  extra?: Record<string, unknown>;
}

export interface SkippedRow {
  id: string;
  status: 'not_measured';
  title: string;
  reason: string;
  notes: string[];
}

export type Row = MeasuredRow | SkippedRow;

/** Something the benchmark verified along the way; a failed check means the timings are of the wrong thing. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Results {
  generatedAt: string;
  machine: MachineInfo;
  quick: boolean;
  durationSeconds: number;
  rows: Row[];
  checks: Check[];
}

export function measuredRow(input: {
  id: string;
  title: string;
  subject: { label: string; samples: readonly number[] };
  baseline: { label: string; samples: readonly number[] };
  notes?: string[];
  extra?: Record<string, unknown>;
}): MeasuredRow {
  const subject = summarize(input.subject.samples);
  const baseline = summarize(input.baseline.samples);
  return {
    id: input.id,
    status: 'measured',
    title: input.title,
    subject: { label: input.subject.label, summary: subject, samples: rounded(input.subject.samples) },
    baseline: { label: input.baseline.label, summary: baseline, samples: rounded(input.baseline.samples) },
    ratio: { median: subject.median / baseline.median, p95: subject.p95 / baseline.p95 },
    notes: input.notes ?? [],
    ...(input.extra ? { extra: input.extra } : {}),
  };
}

function rounded(samples: readonly number[]): number[] {
  return samples.map((value) => Math.round(value * 1000) / 1000);
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function ratio(value: number): string {
  return Number.isFinite(value) ? `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}×` : 'n/a';
}

/** Pipes would end a Markdown table cell early. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '| # | Measurement (subject) | n | median ms | p95 ms | Baseline | n | median ms | p95 ms | ratio median | ratio p95 |',
    '|---|---|--:|--:|--:|---|--:|--:|--:|--:|--:|',
  ];
  for (const row of rows) {
    if (row.status === 'not_measured') {
      lines.push(`| ${row.id} | ${cell(row.title)} | – | – | – | not measured: ${cell(row.reason)} | – | – | – | – | – |`);
      continue;
    }
    const s = row.subject.summary;
    const b = row.baseline.summary;
    lines.push(
      `| ${row.id} | ${cell(row.subject.label)} | ${s.n} | ${ms(s.median)} | ${ms(s.p95)} | ${cell(row.baseline.label)} | ${b.n} | ${ms(b.median)} | ${ms(b.p95)} | ${ratio(row.ratio.median)} | ${ratio(row.ratio.p95)} |`,
    );
  }
  return lines.join('\n');
}

export function markdownReport(results: Results): string {
  const notes = results.rows.flatMap((row) => row.notes.map((note) => `- **${row.id}** ${note}`));
  const checks = results.checks.map((check) => `- ${check.ok ? 'ok' : '**FAILED**'}: ${check.name} — ${check.detail}`);
  return [
    '# Latchkey benchmark',
    '',
    `Generated ${results.generatedAt} in ${results.durationSeconds.toFixed(0)} s${results.quick ? ' (quick mode: fewer iterations)' : ''}.`,
    '',
    ...machineLines(results.machine).map((line) => `- ${line}`),
    '',
    markdownTable(results.rows),
    '',
    'Ratio = subject ÷ baseline, medians (and p95s) measured in the same run, subject and baseline alternating.',
    '',
    '## Notes',
    '',
    ...notes,
    '',
    '## Checks',
    '',
    ...checks,
    '',
  ].join('\n');
}

/** Writes bench/results/latest.json and latest.md. */
export async function writeResults(dir: string, results: Results): Promise<{ json: string; md: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, 'latest.json');
  const md = join(dir, 'latest.md');
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(md, markdownReport(results));
  return { json, md };
}
