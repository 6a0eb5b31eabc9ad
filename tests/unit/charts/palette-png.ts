/**
 * Reads the palette PNGs the chart rasterizer writes (8-bit indexed, non-interlaced), for the
 * tests: checks the signature and every chunk's CRC, then gives the pixels as RGB. Written
 * here, apart from the encoder, so that a test does not trust the code it checks.
 */
import { crc32, inflateSync } from "node:zlib";

export interface PaletteImage {
  readonly width: number;
  readonly height: number;
  readonly paletteSize: number;
  pixel(x: number, y: number): readonly [number, number, number];
}

export function decodePalettePng(file: Uint8Array): PaletteImage {
  const bytes = Buffer.from(file);
  if (!bytes.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]))) {
    throw new Error("not a PNG file");
  }
  let offset = 8;
  let width = 0;
  let height = 0;
  let palette = Buffer.alloc(0);
  const data: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString("ascii", offset + 4, offset + 8);
    const chunk = bytes.subarray(offset + 8, offset + 8 + length);
    const crc = bytes.readUInt32BE(offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== crc) {
      throw new Error(`bad CRC in ${type}`);
    }
    if (type === "IHDR") {
      width = chunk.readUInt32BE(0);
      height = chunk.readUInt32BE(4);
      if (chunk[8] !== 8 || chunk[9] !== 3 || chunk[12] !== 0) {
        throw new Error(`not an 8-bit palette PNG: depth ${chunk[8]}, colour type ${chunk[9]}`);
      }
    } else if (type === "PLTE") palette = Buffer.from(chunk);
    else if (type === "IDAT") data.push(Buffer.from(chunk));
    else if (type === "IEND") break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  if (raw.length !== height * (width + 1)) throw new Error("IDAT has the wrong size");
  return {
    width,
    height,
    paletteSize: palette.length / 3,
    pixel(x, y) {
      const row = y * (width + 1);
      if (raw[row] !== 0) throw new Error(`row ${y} uses filter ${raw[row]}`);
      const index = raw[row + 1 + x] ?? 0;
      return [palette[index * 3] ?? 0, palette[index * 3 + 1] ?? 0, palette[index * 3 + 2] ?? 0];
    },
  };
}

/** Pixels of a region that differ from `background` by more than `tolerance`. */
export function inkIn(
  image: PaletteImage,
  region: { x: number; y: number; width: number; height: number },
  background: readonly [number, number, number] = [255, 255, 255],
  tolerance = 24,
): number {
  let ink = 0;
  for (let y = region.y; y < Math.min(image.height, region.y + region.height); y++) {
    for (let x = region.x; x < Math.min(image.width, region.x + region.width); x++) {
      const rgb = image.pixel(x, y);
      if (rgb.some((channel, i) => Math.abs(channel - (background[i] ?? 0)) > tolerance)) ink++;
    }
  }
  return ink;
}
