/**
 * What the demo API knows about each demo user: a few projects and their activity (commits per day) over the
 * last days. The numbers are derived from the user, the project and the calendar day, so they are the same on
 * every request of a day (a reload shows the same chart) and move on by themselves from one day to the next,
 * and each user sees only their own projects. Pure.
 */
import { createHash } from 'node:crypto';
import type { DemoUser } from './users';

export interface DemoProject {
  id: string;
  name: string;
  description: string;
  language: string;
  /** Average commits on a busy weekday. */
  intensity: number;
}

export interface DayActivity {
  /** YYYY-MM-DD (UTC). */
  date: string;
  commits: number;
}

export interface ProjectAnswer {
  id: string;
  name: string;
  description: string;
  language: string;
  openIssues: number;
  /** ISO time of the last commit within the period, or null without one. */
  updatedAt: string | null;
  totalCommits: number;
  /** Oldest day first, one entry per day of the period. */
  activity: DayActivity[];
}

export interface ProjectsAnswer {
  user: { sub: string; name: string };
  days: number;
  from: string;
  to: string;
  projects: ProjectAnswer[];
}

export const MAX_DAYS = 90;
export const DEFAULT_DAYS = 30;

const PROJECTS: Readonly<Record<string, readonly DemoProject[]>> = {
  alice: [
    { id: 'latchkey', name: 'Latchkey', description: 'Desktop sign-in that survives restarts', language: 'TypeScript', intensity: 6 },
    { id: 'orbit-api', name: 'Orbit API', description: 'Scheduling service for the launch team', language: 'Go', intensity: 4 },
    { id: 'pallet', name: 'Pallet', description: 'Design tokens and colour palettes', language: 'CSS', intensity: 2 },
    { id: 'field-notes', name: 'Field notes', description: 'Research notes and experiment logs', language: 'Markdown', intensity: 1 },
  ],
  bob: [
    { id: 'ledger', name: 'Ledger', description: 'Double-entry bookkeeping for small teams', language: 'Rust', intensity: 5 },
    { id: 'tidewatch', name: 'Tidewatch', description: 'Harbour sensor dashboards', language: 'Python', intensity: 3 },
    { id: 'kiln', name: 'Kiln', description: 'Build cache for monorepos', language: 'TypeScript', intensity: 2 },
  ],
};

/** A number in [0, 1) fixed by its inputs. */
function unit(...parts: string[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0) / 2 ** 32;
}

function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

function commitsOn(user: string, project: DemoProject, day: string): number {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const quiet = unit(user, project.id, day, 'quiet') < (weekend ? 0.7 : 0.2);
  if (quiet) return 0;
  return Math.round(project.intensity * (0.3 + 1.4 * unit(user, project.id, day, 'count')));
}

export function projectsOf(username: string): readonly DemoProject[] {
  return Object.hasOwn(PROJECTS, username) ? (PROJECTS[username] as readonly DemoProject[]) : [];
}

/** The time of the last commit: a working hour of its day, never later than now. */
function lastCommitTime(user: string, project: DemoProject, day: string, now: number): string {
  const minutes = Math.floor((8 + 10 * unit(user, project.id, day, 'hour')) * 60);
  const time = Math.min(Date.parse(`${day}T00:00:00Z`) + minutes * 60_000, now);
  return new Date(time - (time % 60_000)).toISOString().replace('.000Z', 'Z');
}

function projectAnswer(user: string, project: DemoProject, days: string[], now: number): ProjectAnswer {
  const activity = days.map((date) => ({ date, commits: commitsOn(user, project, date) }));
  const last = [...activity].reverse().find((day) => day.commits > 0);
  return {
    id: project.id,
    name: project.name,
    description: project.description,
    language: project.language,
    openIssues: Math.floor(1 + 12 * unit(user, project.id, 'issues')),
    updatedAt: last ? lastCommitTime(user, project, last.date, now) : null,
    totalCommits: activity.reduce((sum, day) => sum + day.commits, 0),
    activity,
  };
}

/** The user's projects over the last `days` days (today included), most recently updated first. */
export function projectsAnswer(user: DemoUser, days: number, now: number): ProjectsAnswer {
  const dates = Array.from({ length: days }, (_, index) => isoDay(now - (days - 1 - index) * 86_400_000));
  const projects = projectsOf(user.username)
    .map((project) => projectAnswer(user.username, project, dates, now))
    .sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''));
  return { user: { sub: user.username, name: user.name }, days, from: dates[0] as string, to: dates[dates.length - 1] as string, projects };
}

/** One project of the user, or undefined when the user has no project of that id. */
export function projectAnswerFor(user: DemoUser, id: string, days: number, now: number): ProjectAnswer | undefined {
  return projectsAnswer(user, days, now).projects.find((project) => project.id === id);
}
