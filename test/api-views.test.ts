/**
 * What the dashboard's API panel makes of an API's answer (src/renderer/src/lib/api-views.ts) and its chart's
 * axis (chart-scale.ts): the demo API's projects and GitHub's repositories become a chart and a table; an
 * answer of another shape becomes a stated problem; text from the API is kept as text, clipped and cleaned of
 * control and format characters; numbers that are not counts do not reach the chart.
 */
import { describe, expect, it } from 'vitest';
import { panelView, PANEL_REQUESTS } from '../src/renderer/src/lib/api-views';
import { niceTicks, tickLabel } from '../src/renderer/src/lib/chart-scale';
import { projectsAnswer } from '../src/main/idp/demo-data';
import { DEMO_USERS } from '../src/main/idp/users';

describe('the demo projects panel', () => {
  it("turns the demo API's answer into one stacked series per project and one row per project", () => {
    const alice = DEMO_USERS[0];
    if (!alice) throw new Error('no demo user');
    const answer = projectsAnswer(alice, 30, Date.parse('2026-11-29T12:00:00Z'));
    const result = panelView('demo-projects', JSON.parse(JSON.stringify(answer)));
    if (!result.ok) throw new Error(result.problem);
    const { chart, rows } = result.view;
    expect(chart.categories).toHaveLength(30);
    expect(chart.series.map((s) => s.name)).toEqual(answer.projects.map((p) => p.name));
    for (const [index, project] of answer.projects.entries()) {
      expect(chart.series[index]?.values).toEqual(project.activity.map((day) => day.commits));
      expect(rows[index]?.cells).toMatchObject({ name: project.name, language: project.language, commits: String(project.totalCommits), issues: String(project.openIssues) });
    }
    expect(result.view.subtitle).toContain('30 days');
  });

  it('refuses other shapes, and keeps hostile text as clipped plain text', () => {
    for (const body of [null, 'projects', [], { projects: 'none' }, 42]) {
      expect(panelView('demo-projects', body).ok).toBe(false);
    }
    const result = panelView('demo-projects', {
      days: 2,
      projects: [
        { id: 'x', name: `<img src=x onerror=alert(1)>\u001b[2J\u202e${'n'.repeat(200)}`, language: 5, totalCommits: -3, openIssues: Number.NaN, activity: [{ date: '2026-11-28', commits: 1e9 }, { date: 'not a day', commits: 2 }, { date: '2026-11-29', commits: -1 }] },
        'not a project',
      ],
    });
    if (!result.ok) throw new Error(result.problem);
    const row = result.view.rows[0];
    const name = row?.cells.name ?? '';
    expect(name.startsWith('<img src=x onerror=alert(1)>[2J')).toBe(true);
    expect(name.includes('\u001b') || name.includes('\u202e')).toBe(false);
    expect(name.length).toBeLessThanOrEqual(60);
    expect(row?.cells.language).toBe('—');
    expect(result.view.chart.categories).toHaveLength(2); // the malformed day is left out
    expect(result.view.chart.series[0]?.values).toEqual([1e9, 0]); // a negative count is no count
    expect(result.view.rows).toHaveLength(1);
  });
});

describe('the GitHub repositories panel', () => {
  it('shows each repository with its stars, newest first as the API sorted them', () => {
    const result = panelView('github-repositories', [
      { id: 1, name: 'b', full_name: 'octo/b', private: true, language: 'Go', stargazers_count: 12, open_issues_count: 2, updated_at: '2026-11-27T07:15:00Z' },
      { id: 2, name: 'a', full_name: 'octo/a', language: null, stargazers_count: 'many', updated_at: 'yesterday' },
    ]);
    if (!result.ok) throw new Error(result.problem);
    expect(result.view.chart).toEqual({ categories: ['b', 'a'], series: [{ name: 'Stars', values: [12, 0] }], unit: 'stars' });
    expect(result.view.rows.map((r) => r.cells)).toEqual([
      expect.objectContaining({ name: 'octo/b (private)', language: 'Go', stars: '12', issues: '2' }),
      expect.objectContaining({ name: 'octo/a', language: '—', stars: '0', issues: '0', updated: '—' }),
    ]);
    expect(panelView('github-repositories', { message: 'Bad credentials' }).ok).toBe(false);
  });

  it('asks GitHub for the most recently updated repositories', () => {
    expect(PANEL_REQUESTS['github-repositories']).toMatchObject({ path: '/user/repos', query: { sort: 'updated', direction: 'desc' } });
  });
});

describe('the chart axis', () => {
  it('puts about four gridlines on round numbers above the largest bar', () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(3)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(16)).toEqual([0, 5, 10, 15, 20]);
    expect(niceTicks(12_400)).toEqual([0, 5000, 10000, 15000]);
    for (const max of [1, 7, 99, 101, 1234, 98765]) {
      const ticks = niceTicks(max);
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max);
      expect(ticks.length).toBeLessThanOrEqual(6);
    }
    expect([tickLabel(950), tickLabel(15000), tickLabel(2_500_000)]).toEqual(['950', '15k', '2.5M']);
  });
});
