/**
 * What the dashboard's API panel shows, made from an API's answer: the request to make per kind of API, and
 * the answer turned into a chart (categories × stacked series) and a table. The answer is another server's
 * JSON, so every field used is checked and clipped here; an answer of the wrong shape becomes a stated
 * problem, never a crash. Pure, so it is the same in every window and easy to test.
 */
import type { ApiDashboard, ApiRequest } from '../../../shared/api';

export interface ChartData {
  /** The x axis: days, or repositories. */
  categories: string[];
  /** Stacked on each category, in this order. */
  series: Array<{ name: string; values: number[] }>;
  /** What one unit is ("commits", "stars"). */
  unit: string;
}

export interface TableColumn {
  key: string;
  label: string;
  align?: 'start' | 'end';
}

export interface TableRow {
  id: string;
  cells: Record<string, string>;
}

export interface PanelView {
  title: string;
  subtitle: string;
  chart: ChartData;
  columns: TableColumn[];
  rows: TableRow[];
  empty: string;
}

export type ViewResult = { ok: true; view: PanelView } | { ok: false; problem: string };

/** What each panel asks its API for. */
export const PANEL_REQUESTS: Readonly<Record<ApiDashboard, ApiRequest>> = {
  'demo-projects': { path: '/projects', query: { days: 30 } },
  'github-repositories': { path: '/user/repos', query: { sort: 'updated', direction: 'desc', per_page: 8 } },
};

const MAX_ITEMS = 50;
const MAX_DAYS = 90;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, max = 120): string | undefined {
  if (typeof value !== 'string') return undefined;
  const clean = value.replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

function when(value: unknown): string {
  if (typeof value !== 'string') return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** `2026-11-29` → `29 Nov` (read as a calendar day, not shifted by the time zone). */
function shortDay(day: string): string {
  const date = new Date(`${day}T12:00:00Z`);
  return Number.isNaN(date.getTime()) ? day : date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

function demoProjects(body: unknown): ViewResult {
  if (!isRecord(body) || !Array.isArray(body.projects)) return { ok: false, problem: 'The answer has no list of projects.' };
  const days = count(body.days) ?? 0;
  const projects = body.projects.slice(0, MAX_ITEMS).filter(isRecord);
  const first = projects.find((project) => Array.isArray(project.activity));
  const dates = (Array.isArray(first?.activity) ? first.activity : [])
    .slice(-MAX_DAYS)
    .map((day) => (isRecord(day) ? text(day.date, 10) : undefined))
    .filter((day): day is string => day !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(day));
  const series = projects.map((project) => {
    const byDate = new Map<string, number>();
    for (const day of Array.isArray(project.activity) ? project.activity.slice(-MAX_DAYS) : []) {
      if (isRecord(day) && typeof day.date === 'string') byDate.set(day.date, count(day.commits) ?? 0);
    }
    return { name: text(project.name, 40) ?? 'Untitled', values: dates.map((date) => byDate.get(date) ?? 0) };
  });
  const rows = projects.map((project, index) => ({
    id: text(project.id, 80) ?? `project-${index}`,
    cells: {
      name: text(project.name, 60) ?? 'Untitled',
      language: text(project.language, 30) ?? '—',
      commits: String(count(project.totalCommits) ?? series[index]?.values.reduce((a, b) => a + b, 0) ?? 0),
      issues: String(count(project.openIssues) ?? '—'),
      updated: when(project.updatedAt),
    },
  }));
  const user = isRecord(body.user) ? text(body.user.name, 60) : undefined;
  return {
    ok: true,
    view: {
      title: 'Your projects',
      subtitle: `${user ? `${user} · ` : ''}commits per day over the last ${days || dates.length} days`,
      chart: { categories: dates.map(shortDay), series, unit: 'commits' },
      columns: [
        { key: 'name', label: 'Project' },
        { key: 'language', label: 'Language' },
        { key: 'commits', label: 'Commits', align: 'end' },
        { key: 'issues', label: 'Open issues', align: 'end' },
        { key: 'updated', label: 'Last commit' },
      ],
      rows,
      empty: 'No projects yet.',
    },
  };
}

function githubRepositories(body: unknown): ViewResult {
  if (!Array.isArray(body)) return { ok: false, problem: 'The answer is not a list of repositories.' };
  const repos = body.slice(0, MAX_ITEMS).filter(isRecord);
  const names = repos.map((repo) => text(repo.name, 40) ?? 'unnamed');
  return {
    ok: true,
    view: {
      title: 'Recently updated repositories',
      subtitle: 'Stars of your most recently updated repositories',
      chart: { categories: names, series: [{ name: 'Stars', values: repos.map((repo) => count(repo.stargazers_count) ?? 0) }], unit: 'stars' },
      columns: [
        { key: 'name', label: 'Repository' },
        { key: 'language', label: 'Language' },
        { key: 'stars', label: 'Stars', align: 'end' },
        { key: 'issues', label: 'Open issues', align: 'end' },
        { key: 'updated', label: 'Updated' },
      ],
      rows: repos.map((repo, index) => ({
        id: String(count(repo.id) ?? text(repo.full_name, 120) ?? index),
        cells: {
          name: `${text(repo.full_name, 80) ?? names[index]}${repo.private === true ? ' (private)' : ''}`,
          language: text(repo.language, 30) ?? '—',
          stars: String(count(repo.stargazers_count) ?? 0),
          issues: String(count(repo.open_issues_count) ?? 0),
          updated: when(repo.updated_at ?? repo.pushed_at),
        },
      })),
      empty: 'No repositories yet.',
    },
  };
}

/** The panel for an answer of this kind of API. */
export function panelView(dashboard: ApiDashboard, body: unknown): ViewResult {
  return dashboard === 'demo-projects' ? demoProjects(body) : githubRepositories(body);
}
