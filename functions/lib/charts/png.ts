/**
 * Re-encodes a rendered chart as an 8-bit palette PNG, which is what keeps the email's
 * inline images small: a chart has a handful of colours plus their anti-aliased blends, so
 * 256 palette entries hold it with no visible loss, at a third of the size of the RGBA PNG
 * the rasterizer writes.
 *
 * The image is flattened onto its background first (emails are not transparent), then the
 * 256 most frequent colours become the palette and every other colour takes its nearest
 * entry. Written with node:zlib: PNG needs nothing more.
 */
import { crc32, deflateSync } from "node:zlib";

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
const MAX_PALETTE = 256;

/** Pixels as the rasterizer gives them: RGBA, 8 bits a channel, row by row. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/** An indexed-colour PNG of `image` flattened onto `background` (`#rrggbb`). */
export function encodePalettePng(image: RgbaImage, background = "#ffffff"): Buffer {
  const { width, height, pixels } = image;
  if (pixels.length !== width * height * 4) {
    throw new Error(`expected ${width}×${height} RGBA pixels, got ${pixels.length} bytes`);
  }
  const [br, bg, bb] = hexColor(background);
  const rgb = new Uint32Array(width * height);
  for (let i = 0; i < rgb.length; i++) {
    const alpha = (pixels[i * 4 + 3] ?? 255) / 255;
    const blend = (channel: number, under: number) =>
      Math.round((pixels[i * 4 + channel] ?? 0) * alpha + under * (1 - alpha));
    rgb[i] = (blend(0, br) << 16) | (blend(1, bg) << 8) | blend(2, bb);
  }

  const frequency = new Map<number, number>();
  for (const color of rgb) frequency.set(color, (frequency.get(color) ?? 0) + 1);
  const palette = [...frequency.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, MAX_PALETTE)
    .map(([color]) => color);
  const indexOf = new Map(palette.map((color, index) => [color, index]));
  const nearest = (color: number): number => {
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const [index, candidate] of palette.entries()) {
      const distance = colorDistance(color, candidate);
      if (distance < bestDistance) {
        best = index;
        bestDistance = distance;
      }
    }
    indexOf.set(color, best);
    return best;
  };

  // Each row starts with its filter type (0: none, which suits palette indices best).
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const color = rgb[y * width + x] ?? 0;
      raw[y * (width + 1) + 1 + x] = indexOf.get(color) ?? nearest(color);
    }
  }

  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 3; // colour type: indexed
  const plte = Buffer.alloc(palette.length * 3);
  for (const [index, color] of palette.entries()) {
    plte[index * 3] = (color >> 16) & 0xff;
    plte[index * 3 + 1] = (color >> 8) & 0xff;
    plte[index * 3 + 2] = color & 0xff;
  }
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", header),
    chunk("PLTE", plte),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function colorDistance(a: number, b: number): number {
  const dr = ((a >> 16) & 0xff) - ((b >> 16) & 0xff);
  const dg = ((a >> 8) & 0xff) - ((b >> 8) & 0xff);
  const db = (a & 0xff) - (b & 0xff);
  return dr * dr + dg * dg + db * db;
}

function hexColor(hex: string): [number, number, number] {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`background must be #rrggbb, got "${hex}"`);
  return [
    Number.parseInt(match[1] ?? "ff", 16),
    Number.parseInt(match[2] ?? "ff", 16),
    Number.parseInt(match[3] ?? "ff", 16),
  ];
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length, 0);
  const typeAndData = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData), 0);
  return Buffer.concat([length, typeAndData, crc]);
}
