/**
 * A stacked bar chart drawn as plain SVG elements: no chart library, nothing that needs a script or a style the
 * window's Content-Security-Policy refuses, colours from the stylesheet (so it follows the light and dark
 * theme). One bar per category, one segment per series; each segment names its value in a tooltip, and the
 * whole chart is described for screen readers.
 */
import { useId } from 'react';
import type { ChartData } from '../lib/api-views';
import { niceTicks, tickLabel } from '../lib/chart-scale';

const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { top: 10, right: 8, bottom: 26, left: 40 };
const PALETTE_SIZE = 8;
const MAX_X_LABELS = 10;

interface Props {
  data: ChartData;
  label: string;
}

export function StackedBarChart({ data, label }: Props) {
  const titleId = useId();
  const { categories, series, unit } = data;
  const totals = categories.map((_, index) => series.reduce((sum, s) => sum + (s.values[index] ?? 0), 0));
  const ticks = niceTicks(Math.max(0, ...totals));
  const top = ticks[ticks.length - 1] ?? 1;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const band = categories.length > 0 ? plotWidth / categories.length : plotWidth;
  const barWidth = Math.max(1, band * 0.72);
  const y = (value: number): number => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const labelEvery = Math.max(1, Math.ceil(categories.length / MAX_X_LABELS));
  const grandTotal = totals.reduce((a, b) => a + b, 0);

  return (
    <figure className="chart" data-testid="api-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={titleId} preserveAspectRatio="xMidYMid meet">
        <title id={titleId}>{`${label}: ${grandTotal} ${unit} in total over ${categories.length} ${categories.length === 1 ? 'bar' : 'bars'}`}</title>
        {ticks.map((tick) => (
          <g key={tick} className="chart-grid">
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} />
            <text x={MARGIN.left - 6} y={y(tick)} dy="0.32em" textAnchor="end">
              {tickLabel(tick)}
            </text>
          </g>
        ))}
        {categories.map((category, index) => {
          let base = 0;
          const x = MARGIN.left + index * band + (band - barWidth) / 2;
          return (
            <g key={`${category}-${index}`} data-testid="chart-bar" data-category={category} data-total={totals[index]}>
              {series.map((s, seriesIndex) => {
                const value = s.values[index] ?? 0;
                if (value <= 0) return null;
                const y0 = y(base);
                base += value;
                const y1 = y(base);
                return (
                  <rect key={s.name + seriesIndex} className={`series-${seriesIndex % PALETTE_SIZE}`} x={x} y={y1} width={barWidth} height={Math.max(0.5, y0 - y1)} rx={Math.min(2, barWidth / 4)}>
                    <title>{`${s.name} · ${category}: ${value} ${unit}`}</title>
                  </rect>
                );
              })}
              {index % labelEvery === 0 && (
                <text className="chart-x-label" x={x + barWidth / 2} y={HEIGHT - 8} textAnchor="middle">
                  {category}
                </text>
              )}
            </g>
          );
        })}
        <line className="chart-axis" x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(0)} y2={y(0)} />
      </svg>
      {series.length > 1 && (
        <figcaption>
          <ul className="chart-legend">
            {series.map((s, index) => (
              <li key={s.name + index}>
                <svg className="chart-swatch" viewBox="0 0 10 10" aria-hidden="true">
                  <rect className={`series-${index % PALETTE_SIZE}`} width="10" height="10" rx="2" />
                </svg>
                {s.name}
              </li>
            ))}
          </ul>
        </figcaption>
      )}
    </figure>
  );
}
