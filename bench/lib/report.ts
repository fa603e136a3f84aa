/**
 * The benchmark's output: one row per figure, printed as a table and written as JSON and Markdown to
 * bench/results/. A ratio is always the subject's median divided by the baseline's median, both measured
 * in the same run (and the same for p95).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeGoal, goalMet, GOALS, type Goal } from './goals';
import { machineLines, type MachineInfo } from './machine';
import { summarize, type Summary } from './stats';

export interface Measured {
  label: string;
  summary: Summary;
  /** Every timed run in ms, in the order measured (for anyone who wants another statistic). */
  samples: number[];
}

/** Times are in ms; memory rows are in MiB; sizes in kB (1,000 bytes). */
export type Unit = 'ms' | 'MiB' | 'kB';

export interface MeasuredRow {
  id: string;
  status: 'measured';
  title: string;
  unit: Unit;
  subject: Measured;
  baseline: Measured;
  ratio: { median: number; p95: number };
  /** From bench/lib/goals.ts; absent for rows that are there for context. */
  goal?: Goal;
  /** Whether the median meets the goal (absent without a goal). */
  met?: boolean;
  notes: string[];
  /** Counts and facts beside the timings (e.g. refresh requests per batch). */
  extra?: Record<string, unknown>;
}

export interface SkippedRow {
  id: string;
  status: 'not_measured';
  title: string;
  goal?: Goal;
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
  unit?: Unit;
  subject: { label: string; samples: readonly number[] };
  baseline: { label: string; samples: readonly number[] };
  notes?: string[];
  extra?: Record<string, unknown>;
}): MeasuredRow {
  const subject = summarize(input.subject.samples);
  const baseline = summarize(input.baseline.samples);
  const ratio = { median: subject.median / baseline.median, p95: subject.p95 / baseline.p95 };
  const goal = GOALS[input.id];
  const met = goalMet(goal, subject.median, ratio.median);
  return {
    id: input.id,
    status: 'measured',
    title: input.title,
    unit: input.unit ?? 'ms',
    subject: { label: input.subject.label, summary: subject, samples: rounded(input.subject.samples) },
    baseline: { label: input.baseline.label, summary: baseline, samples: rounded(input.baseline.samples) },
    ratio,
    ...(goal ? { goal } : {}),
    ...(met !== undefined ? { met } : {}),
    notes: input.notes ?? [],
    ...(input.extra ? { extra: input.extra } : {}),
  };
}

function rounded(samples: readonly number[]): number[] {
  return samples.map((value) => Math.round(value * 1000) / 1000);
}

function figure(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return 'n/a';
  const text = value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  // Times are the default and carry no unit; anything else says what it is.
  return unit === 'ms' ? text : `${text} ${unit}`;
}

function ratio(value: number): string {
  return Number.isFinite(value) ? `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}×` : 'n/a';
}

/** Pipes would end a Markdown table cell early. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function verdict(met: boolean | undefined): string {
  if (met === undefined) return '–';
  return met ? 'met' : '**not met**';
}

/** The table; times in ms unless a figure names its unit. */
export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '| # | Measurement (subject) | n | median | p95 | Baseline | n | median | p95 | ratio median | ratio p95 | goal | |',
    '|---|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const row of rows) {
    if (row.status === 'not_measured') {
      lines.push(`| ${row.id} | ${cell(row.title)} | – | – | – | not measured: ${cell(row.reason)} | – | – | – | – | – | ${describeGoal(row.goal, 'ms')} | not measured |`);
      continue;
    }
    const s = row.subject.summary;
    const b = row.baseline.summary;
    const u = row.unit;
    lines.push(
      `| ${row.id} | ${cell(row.subject.label)} | ${s.n} | ${figure(s.median, u)} | ${figure(s.p95, u)} | ${cell(row.baseline.label)} | ${b.n} | ${figure(b.median, u)} | ${figure(b.p95, u)} | ${ratio(row.ratio.median)} | ${ratio(row.ratio.p95)} | ${describeGoal(row.goal, u)} | ${verdict(row.met)} |`,
    );
  }
  return lines.join('\n');
}

/** One line per goal: met or not, on the median. */
export function goalLines(rows: readonly Row[]): string[] {
  return rows
    .filter((row) => row.goal !== undefined)
    .map((row) => {
      if (row.status === 'not_measured') return `${row.id}: ${describeGoal(row.goal, 'ms')} — not measured (${row.reason})`;
      const value = row.goal?.kind === 'ratio' ? ratio(row.ratio.median) : figure(row.subject.summary.median, row.unit);
      return `${row.id}: ${describeGoal(row.goal, row.unit)} — ${value}: ${row.met ? 'met' : 'NOT MET'}`;
    });
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
    'Ratio = subject ÷ baseline, medians (and p95s) measured in the same run, subject and baseline alternating. Times in ms unless a figure names its unit. Goals (bench/lib/goals.ts) are judged on the median.',
    '',
    '## Goals',
    '',
    ...goalLines(results.rows).map((line) => `- ${line}`),
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
