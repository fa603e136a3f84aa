/**
 * A QR code as an SVG image: one path of dark modules with a four-module quiet zone, crisp at any size. The
 * window shows it as an image; it holds the drawing, never the text it encodes.
 */
import { encodeQr } from './qr-code';

export function qrSvg(text: string, moduleSize = 6): string {
  const modules = encodeQr(text);
  const quiet = 4;
  const size = modules.length + quiet * 2;
  let path = '';
  modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) path += `M${x + quiet} ${y + quiet}h1v1h-1z`;
    }),
  );
  const pixels = size * moduleSize;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${pixels}" height="${pixels}" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges"><rect width="${size}" height="${size}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
}
