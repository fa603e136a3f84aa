#!/usr/bin/env node
/**
 * Makes the app icons from the brand mark, so the installed app looks like the window it opens.
 *
 * The mark is read from the renderer itself (src/renderer/src/components/BrandMark.tsx: its rect, circle
 * and path) and coloured with the light theme's accent colours (src/renderer/src/styles/app.css), so the
 * icon cannot drift from the logo: test/packaging.test.ts rebuilds the SVGs from the same sources and
 * compares them with the checked-in ones.
 *
 * Output (checked in, under build/ — electron-builder's resources folder):
 *   icon.svg            the mark filling its square (Linux, Windows)
 *   icon-macos.svg      the mark on macOS's icon grid (824 of 1024 px, centred: the Dock expects the margin)
 *   icons/NxN.png       16 … 1024 px of icon.svg (Linux hicolor sizes; electron-builder picks them up)
 *   icon.png            1024 px of icon.svg
 *   icon.icns           from icon-macos.svg at 1024 px (png2icons, pure JavaScript)
 *   icon.ico            16 … 256 px of icon.svg (png2icons)
 *
 * Rasterising uses Chromium through playwright-core (Debian's /usr/bin/chromium, or CHROMIUM_PATH), the
 * same browser the tests drive. Run: `node scripts/make-icons.mjs` (or `npm run icons`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BRAND_MARK = join(ROOT, 'src', 'renderer', 'src', 'components', 'BrandMark.tsx');
const STYLES = join(ROOT, 'src', 'renderer', 'src', 'styles', 'app.css');
export const BUILD_DIR = join(ROOT, 'build');
export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];

/** The JSX attributes of the first `<tag …/>` in `source`, as SVG attribute names. */
function attributesOf(source, tag) {
  const element = new RegExp(`<${tag}\\s([^>]*?)/>`).exec(source);
  if (element === null) throw new Error(`BrandMark.tsx has no <${tag}>`);
  const attributes = {};
  for (const [, name, value] of element[1].matchAll(/([a-zA-Z]+)="([^"]*)"/g)) {
    // JSX camelCase → SVG attribute names (strokeWidth → stroke-width).
    attributes[name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] = value;
  }
  return attributes;
}

/** `--name` of the stylesheet's first (light theme) `:root` block. */
function cssVariable(css, name) {
  const root = /:root\s*\{([^}]*)\}/.exec(css);
  const value = root && new RegExp(`--${name}:\\s*([^;]+);`).exec(root[1]);
  if (!value) throw new Error(`app.css has no --${name} in :root`);
  return value[1].trim();
}

/** The brand mark's shapes and colours, read from the renderer's sources. */
export async function readBrandMark() {
  const [tsx, css] = await Promise.all([readFile(BRAND_MARK, 'utf8'), readFile(STYLES, 'utf8')]);
  const viewBox = /viewBox="([^"]+)"/.exec(tsx)?.[1];
  if (viewBox === undefined) throw new Error('BrandMark.tsx has no viewBox');
  return {
    viewBox,
    rect: attributesOf(tsx, 'rect'),
    circle: attributesOf(tsx, 'circle'),
    path: attributesOf(tsx, 'path'),
    background: cssVariable(css, 'accent'),
    foreground: cssVariable(css, 'accent-text'),
  };
}

function attributes(record, omit) {
  return Object.entries(record)
    .filter(([name]) => !omit.includes(name))
    .map(([name, value]) => `${name}="${value}"`)
    .join(' ');
}

/**
 * The icon as SVG. `scale` < 1 shrinks the mark around the centre (macOS grid); the canvas stays the
 * viewBox, transparent outside the mark's rounded square.
 */
export function iconSvg(mark, scale = 1) {
  const [x, y, width, height] = mark.viewBox.split(/\s+/).map(Number);
  const cx = x + width / 2;
  const cy = y + height / 2;
  const transform = scale === 1 ? '' : ` transform="translate(${cx} ${cy}) scale(${scale}) translate(${-cx} ${-cy})"`;
  const skip = ['class-name', 'fill', 'stroke'];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${mark.viewBox}" width="1024" height="1024">`,
    `  <g${transform}>`,
    `    <rect ${attributes(mark.rect, skip)} fill="${mark.background}"/>`,
    `    <circle ${attributes(mark.circle, skip)} fill="none" stroke="${mark.foreground}"/>`,
    `    <path ${attributes(mark.path, skip)} fill="none" stroke="${mark.foreground}"/>`,
    '  </g>',
    '</svg>',
    '',
  ].join('\n');
}

/** macOS app icons: the rounded square is 824 of 1024 px, centred. */
export const MACOS_SCALE = 824 / 1024 / (30 / 32);

/** The two SVG sources, from the renderer's current brand mark. */
export async function iconSources() {
  const mark = await readBrandMark();
  return { 'icon.svg': iconSvg(mark), 'icon-macos.svg': iconSvg(mark, Number(MACOS_SCALE.toFixed(6))) };
}

async function rasterise(browser, svg, sizes) {
  const page = await browser.newPage({ viewport: { width: 1024, height: 1024 }, deviceScaleFactor: 1 });
  const pngs = new Map();
  try {
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    for (const size of sizes) {
      await page.setViewportSize({ width: size, height: size });
      await page.setContent(
        `<!doctype html><html><body style="margin:0;background:transparent"><img id="i" src="${src}" width="${size}" height="${size}" style="display:block"></body></html>`,
      );
      await page.locator('#i').evaluate((img) => img.decode());
      pngs.set(size, await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }));
    }
  } finally {
    await page.close();
  }
  return pngs;
}

async function main() {
  const { chromium } = await import('playwright-core');
  const png2icons = (await import('png2icons')).default;
  const sources = await iconSources();
  await mkdir(join(BUILD_DIR, 'icons'), { recursive: true });
  for (const [name, svg] of Object.entries(sources)) await writeFile(join(BUILD_DIR, name), svg);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const full = await rasterise(browser, sources['icon.svg'], PNG_SIZES);
    for (const [size, png] of full) await writeFile(join(BUILD_DIR, 'icons', `${size}x${size}.png`), png);
    await writeFile(join(BUILD_DIR, 'icon.png'), full.get(1024));

    const mac = await rasterise(browser, sources['icon-macos.svg'], [1024]);
    const icns = png2icons.createICNS(mac.get(1024), png2icons.BICUBIC2, 0);
    if (icns === null) throw new Error('png2icons could not make icon.icns');
    await writeFile(join(BUILD_DIR, 'icon.icns'), icns);

    // The .ico holds each size rendered from the SVG, not one large PNG scaled down: small sizes stay crisp.
    const ico = icoFromPngs(ICO_SIZES.map((size) => [size, full.get(size)]));
    await writeFile(join(BUILD_DIR, 'icon.ico'), ico);
  } finally {
    await browser.close();
  }
  process.stdout.write(`icons written to ${BUILD_DIR}\n`);
}

/** A Windows .ico of PNG-compressed images (Vista and later read these; 256 px is stored as 0). */
export function icoFromPngs(entries) {
  const header = Buffer.alloc(6 + 16 * entries.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(entries.length, 4);
  let offset = header.length;
  entries.forEach(([size, png], index) => {
    const at = 6 + 16 * index;
    header.writeUInt8(size >= 256 ? 0 : size, at);
    header.writeUInt8(size >= 256 ? 0 : size, at + 1);
    header.writeUInt8(0, at + 2);
    header.writeUInt8(0, at + 3);
    header.writeUInt16LE(1, at + 4);
    header.writeUInt16LE(32, at + 6);
    header.writeUInt32LE(png.length, at + 8);
    header.writeUInt32LE(offset, at + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...entries.map(([, png]) => png)]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    process.stderr.write(`make-icons: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
