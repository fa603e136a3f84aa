/**
 * The JavaScript a built renderer page loads before it can paint: the module scripts of its index.html and
 * the chunks it preloads (Vite lists every static import as a modulepreload link). Chunks reached only
 * through a dynamic import() are not in it — that is how the dashboard stays out of the sign-in screen's
 * way. Used by test/renderer-bundle.test.ts (the budget) and `npm run bench` (row 11).
 */
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface FirstPaintJs {
  /** Paths relative to the renderer folder. */
  files: string[];
  bytes: number;
  gzipBytes: number;
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1];
}

/** The first-paint scripts of `index.html` in `rendererDir`, with their total size raw and gzipped. */
export async function firstPaintJs(rendererDir: string): Promise<FirstPaintJs> {
  const html = await readFile(join(rendererDir, 'index.html'), 'utf8');
  const files = new Set<string>();
  for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) {
    const src = attribute(tag, 'src');
    if (src !== undefined && attribute(tag, 'type') === 'module') files.add(normalize(src));
  }
  for (const [tag] of html.matchAll(/<link\b[^>]*>/gi)) {
    const href = attribute(tag, 'href');
    if (href !== undefined && attribute(tag, 'rel') === 'modulepreload') files.add(normalize(href));
  }
  if (files.size === 0) throw new Error(`${join(rendererDir, 'index.html')} loads no module script`);
  let bytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const content = await readFile(join(rendererDir, file));
    bytes += content.length;
    gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  return { files: [...files].sort(), bytes, gzipBytes };
}
