/**
 * A QR code for a terminal: two rows of modules per line of text with the Unicode half blocks (▀ ▄ █ and a
 * space), drawn from the same matrix as the SVG (qr-code.ts), with a quiet zone around it. Light modules are
 * drawn as blocks and dark ones as spaces, so the code reads right on the usual dark terminal background
 * (a phone's scanner also reads the inverted code when the terminal is light).
 */
import { encodeQr } from './qr-code';

const QUIET = 2;

/** The QR code of `text` as lines of half blocks (each line ends with a newline). */
export function qrText(text: string): string {
  const modules = encodeQr(text);
  const size = modules.length + QUIET * 2;
  const dark = (x: number, y: number): boolean => {
    const row = modules[y - QUIET];
    return row !== undefined && row[x - QUIET] === true;
  };
  let out = '';
  for (let y = 0; y < size; y += 2) {
    let line = '';
    for (let x = 0; x < size; x += 1) {
      // Drawn (light) halves: the top module and the bottom one (beyond the last row counts as quiet zone).
      const top = !dark(x, y);
      const bottom = y + 1 < size ? !dark(x, y + 1) : true;
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
    }
    out += `${line}\n`;
  }
  return out;
}
