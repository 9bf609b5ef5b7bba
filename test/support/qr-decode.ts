// Decodes a QR code SVG the way a phone would see it: rasterise the modules (qrcode-svg draws each dark
// module as an axis-aligned square in one path) onto a white canvas with a quiet zone, then run jsQR.
import jsQR from 'jsqr';

export function decodeQRCodeSVG(svg: string, scale = 4): string | null {
  const viewBox = svg.match(/viewBox="0 0 ([\d.]+) ([\d.]+)"/);
  const size = Math.ceil(Number(viewBox?.[1] ?? 256) * scale);
  const pixels = new Uint8ClampedArray(size * size * 4).fill(255);
  const path = svg.match(/<path[^>]* d="([^"]+)"/)?.[1] ?? '';
  for (const square of path.matchAll(/M([\d.]+),([\d.]+) V([\d.]+) H([\d.]+)/g)) {
    const [x1, y1, y2, x2] = [square[1], square[2], square[3], square[4]].map((v) =>
      Math.round(Number(v) * scale),
    );
    for (let y = Math.min(y1 ?? 0, y2 ?? 0); y < Math.max(y1 ?? 0, y2 ?? 0); y++) {
      for (let x = Math.min(x1 ?? 0, x2 ?? 0); x < Math.max(x1 ?? 0, x2 ?? 0); x++) {
        const offset = (y * size + x) * 4;
        pixels[offset] = pixels[offset + 1] = pixels[offset + 2] = 0;
      }
    }
  }
  return jsQR(pixels, size, size)?.data ?? null;
}
