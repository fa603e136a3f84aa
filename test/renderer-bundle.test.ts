/**
 * The built renderer (out/renderer, as `npm run build` makes it): minified, and split so that the sign-in
 * screen paints from the entry chunk alone while the dashboard comes in its own chunk. The budget is for
 * the JavaScript loaded before the first paint; `npm run bench` reports the same figure against the
 * unminified single bundle the app used to ship (row 11).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { firstPaintJs, type FirstPaintJs } from './helpers/first-paint-js';

const RENDERER = join(import.meta.dirname, '..', 'out', 'renderer');
/** Bytes of JavaScript before the first paint: React and the screens before sign-in fit well within it. */
const FIRST_PAINT_BUDGET = 300_000;

let firstPaint: FirstPaintJs;
let chunks: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(RENDERER, 'index.html'))) throw new Error('The renderer is not built: run `npx electron-vite build` (or `npm run build`) first.');
  firstPaint = await firstPaintJs(RENDERER);
  chunks = (await readdir(join(RENDERER, 'assets'))).filter((name) => name.endsWith('.js')).map((name) => join('assets', name));
});

describe('renderer bundle', () => {
  it(`loads at most ${FIRST_PAINT_BUDGET / 1000} kB of JavaScript before the first paint`, () => {
    expect(firstPaint.files.length).toBeGreaterThan(0);
    expect(firstPaint.bytes).toBeLessThanOrEqual(FIRST_PAINT_BUDGET);
  });

  it('keeps the dashboard out of the first paint, in a chunk of its own', async () => {
    const marker = /["']data-testid["']\s*:\s*["']dashboard["']/;
    const later = chunks.filter((chunk) => !firstPaint.files.includes(chunk));
    expect(later.length).toBeGreaterThan(0);
    for (const file of firstPaint.files) expect(marker.test(await readFile(join(RENDERER, file), 'utf8')), file).toBe(false);
    const holders = [];
    for (const chunk of later) if (marker.test(await readFile(join(RENDERER, chunk), 'utf8'))) holders.push(chunk);
    expect(holders).toHaveLength(1);
    // The sign-in screen itself is in the first paint.
    const entry = (await Promise.all(firstPaint.files.map((file) => readFile(join(RENDERER, file), 'utf8')))).join('\n');
    expect(entry).toMatch(/["']data-testid["']\s*:\s*["']sign-in["']/);
  });

  it('is minified: no comments, long lines', async () => {
    for (const file of chunks) {
      const text = await readFile(join(RENDERER, file), 'utf8');
      expect(text.split('\n').length, file).toBeLessThan(40);
      expect(text, file).not.toMatch(/\n\s*\/\*\*\n/);
    }
  });
});
