import { describe, expect, it } from "vitest";
import { encodePalettePng } from "../../../functions/lib/charts/png.ts";
import { decodePalettePng } from "./palette-png.ts";

/** An RGBA image whose pixel (x, y) is `color(x, y)`. */
function image(width: number, height: number, color: (x: number, y: number) => number[]) {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set(color(x, y), (y * width + x) * 4);
  }
  return { width, height, pixels };
}

describe("encodePalettePng", () => {
  it("keeps every colour of an image with at most 256 of them", () => {
    const stripes = image(16, 9, (x, y) => [x * 16, y * 28, 200, 255]);
    const png = decodePalettePng(encodePalettePng(stripes));
    expect([png.width, png.height, png.paletteSize]).toEqual([16, 9, 144]);
    for (const [x, y] of [
      [0, 0],
      [15, 8],
      [7, 3],
    ] as const) {
      expect(png.pixel(x, y)).toEqual([x * 16, y * 28, 200]);
    }
  });

  it("flattens transparency onto the background", () => {
    const clear = image(2, 1, (x) => (x === 0 ? [0, 0, 0, 0] : [0, 0, 0, 128]));
    const png = decodePalettePng(encodePalettePng(clear, "#f8fafc"));
    expect(png.pixel(0, 0)).toEqual([248, 250, 252]);
    expect(png.pixel(1, 0)).toEqual([124, 125, 126]);
  });

  it("maps the colours beyond 256 to their nearest palette entry", () => {
    // 512 greys: two pixels of each even grey (kept), one of each odd grey (mapped).
    const greys = image(512, 3, (x, y) => {
      const grey = y < 2 ? (x >> 1) * 2 : (x >> 1) | 1;
      return [grey % 256, grey % 256, grey % 256, 255];
    });
    const png = decodePalettePng(encodePalettePng(greys));
    expect(png.paletteSize).toBe(256);
    for (let x = 0; x < 512; x += 37) {
      const wanted = (x >> 1) | 1;
      const [r] = png.pixel(x, 2);
      expect(Math.abs(r - wanted)).toBeLessThanOrEqual(1);
    }
  });

  it("rejects pixels that do not match the size", () => {
    expect(() => encodePalettePng({ width: 2, height: 2, pixels: new Uint8Array(4) })).toThrow(
      /2×2 RGBA/,
    );
  });
});
