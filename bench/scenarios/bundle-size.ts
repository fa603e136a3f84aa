/**
 * Row 11: how much JavaScript the window loads before it can paint its first screen. The subject is the
 * renderer as `electron-vite build` ships it (minified; the dashboard a chunk of its own, which the first
 * screen never waits for);
 * the baseline is the same sources built now the way the app shipped them before (one unminified bundle,
 * the dashboard inside), so both come from this run's code. Sizes are the same on every build, so each side
 * is one sample; the figure is in kB (1,000 bytes, as Vite prints them).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstPaintJs, type FirstPaintJs } from '../../test/helpers/first-paint-js';
import { measuredRow, type Check } from '../lib/report';
import type { ScenarioContext, ScenarioResult } from '../lib/scenario';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILT_RENDERER = path.join(ROOT, 'out', 'renderer');
/** The dashboard's root element as the minified JSX writes it: present in exactly one chunk. */
const DASHBOARD_MARKER = /["']data-testid["']\s*:\s*["']dashboard["']/;

async function contains(dir: string, files: readonly string[], marker: RegExp): Promise<boolean> {
  for (const file of files) if (marker.test(await readFile(path.join(dir, file), 'utf8'))) return true;
  return false;
}

/** The renderer as one unminified bundle (dynamic imports inlined), built into a temp folder. */
async function singleUnminifiedBundle(): Promise<{ dir: string; js: FirstPaintJs }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-bench-bundle-'));
  const { build } = await import('vite');
  const { default: react } = await import('@vitejs/plugin-react');
  await build({
    configFile: false,
    root: path.join(ROOT, 'src', 'renderer'),
    base: './',
    plugins: [react()],
    logLevel: 'warn',
    build: { outDir: dir, emptyOutDir: true, minify: false, rollupOptions: { output: { inlineDynamicImports: true } } },
  });
  return { dir, js: await firstPaintJs(dir) };
}

export async function bundleSizeScenario(context: ScenarioContext): Promise<ScenarioResult> {
  context.progress('renderer bundle: first-paint JavaScript of out/renderer, and of one unminified bundle');
  const subject = await firstPaintJs(BUILT_RENDERER);
  const baseline = await singleUnminifiedBundle();
  try {
    const checks: Check[] = [
      {
        name: 'the dashboard is not in the first-paint JavaScript (its own chunk)',
        ok: !(await contains(BUILT_RENDERER, subject.files, DASHBOARD_MARKER)),
        detail: subject.files.join(', '),
      },
      {
        name: 'the single-bundle baseline holds the whole app, dashboard included',
        ok: baseline.js.files.length === 1 && (await contains(baseline.dir, baseline.js.files, DASHBOARD_MARKER)),
        detail: baseline.js.files.join(', '),
      },
    ];
    const kB = (bytes: number): number => bytes / 1000;
    return {
      rows: [
        measuredRow({
          id: '11',
          title: 'Renderer: JavaScript before the first paint',
          unit: 'kB',
          subject: { label: 'JavaScript the window needs before it paints: the minified entry chunk (the dashboard chunk is fetched alongside, never waited for)', samples: [kB(subject.bytes)] },
          baseline: { label: 'the same sources as one unminified bundle (how the app shipped before), built in this run', samples: [kB(baseline.js.bytes)] },
          notes: [`gzip: ${kB(subject.gzipBytes).toFixed(1)} kB against ${kB(baseline.js.gzipBytes).toFixed(1)} kB. One sample each: sizes do not vary between builds.`],
          extra: { subjectFiles: subject.files, subjectBytes: subject.bytes, baselineBytes: baseline.js.bytes, subjectGzipBytes: subject.gzipBytes, baselineGzipBytes: baseline.js.gzipBytes },
        }),
      ],
      checks,
    };
  } finally {
    await rm(baseline.dir, { recursive: true, force: true });
  }
}
