/**
 * Reads QR codes the way a phone would, with zbar (Debian's zbar-tools: `zbarimg`), so the encoder is checked
 * by an independent decoder: from a PNG screenshot, or from Latchkey's SVG or terminal drawing turned into a PBM
 * image here.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The text of the one QR code in the image file. */
export async function readQrImage(file: string): Promise<string> {
  try {
    const { stdout } = await run('zbarimg', ['-q', '--raw', file], { timeout: 20_000 });
    return stdout.replace(/\n$/, '');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new Error('zbarimg is missing: sudo apt-get install -y zbar-tools (.ci/run installs it)');
    throw error;
  }
}

/** The dark modules of Latchkey's QR SVG (`M{x} {y}h1v1h-1z` per module), drawn 4 pixels a module into a PBM. */
export async function readQrSvg(svg: string): Promise<string> {
  const size = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)?.[1]);
  const dark = new Set([...svg.matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map((m) => `${m[1]},${m[2]}`));
  const scale = 4;
  const rows: string[] = [];
  for (let y = 0; y < size * scale; y += 1) {
    const row: string[] = [];
    for (let x = 0; x < size * scale; x += 1) row.push(dark.has(`${Math.floor(x / scale)},${Math.floor(y / scale)}`) ? '1' : '0');
    rows.push(row.join(' '));
  }
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-qr-'));
  try {
    const file = join(dir, 'code.pbm');
    await writeFile(file, `P1\n${size * scale} ${size * scale}\n${rows.join('\n')}\n`);
    return await readQrImage(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The terminal's half-block drawing (qr-text.ts) back into a PBM image (dark = a space or the dark half of a half block) for zbar. */
export async function readQrText(lines: string[]): Promise<string> {
  const scale = 4;
  const width = Math.max(...lines.map((line) => [...line].length));
  const rows: string[] = [];
  for (const line of lines) {
    const chars = [...line.padEnd(width, '█')];
    const top = chars.map((c) => (c === ' ' || c === '▄' ? '1' : '0'));
    const bottom = chars.map((c) => (c === ' ' || c === '▀' ? '1' : '0'));
    for (const half of [top, bottom]) {
      const row = half.flatMap((bit) => Array<string>(scale).fill(bit)).join(' ');
      for (let i = 0; i < scale; i += 1) rows.push(row);
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-qr-text-'));
  try {
    const file = join(dir, 'code.pbm');
    await writeFile(file, `P1\n${width * scale} ${rows.length}\n${rows.join('\n')}\n`);
    return await readQrImage(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
