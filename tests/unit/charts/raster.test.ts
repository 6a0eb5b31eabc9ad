/**
 * The rasterizer (resvg as WebAssembly) draws with the shipped font only: text has ink, a
 * character the font lacks has none (no system font stands in, as on Lambda), and every label
 * a chart can write — the registry's and the RFM segments' names in both languages — is in
 * the font.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  CHART_FONT_FAMILY,
  type ChartRasterizer,
  createResvgRasterizer,
  RasterizerUnavailableError,
} from "../../../functions/lib/charts/raster.ts";
import { METRICS, SECTION_LABELS } from "../../../functions/lib/kpi/registry.ts";
import { RFM_SEGMENTS } from "../../../functions/lib/kpi/rfm.ts";
import { decodePalettePng, inkIn } from "./palette-png.ts";

let rasterizer: ChartRasterizer;
beforeAll(async () => {
  rasterizer = await createResvgRasterizer();
});

const textSvg = (text: string, width = 400) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="40"><rect width="${width}" height="40" fill="#fff"/><text x="4" y="28" font-family="${CHART_FONT_FAMILY}" font-size="20" fill="#000">${text}</text></svg>`;

describe("createResvgRasterizer", () => {
  it("draws a palette PNG at twice the size", async () => {
    const png = decodePalettePng(
      await rasterizer.toPng(
        `<svg xmlns="http://www.w3.org/2000/svg" width="50" height="20"><rect x="10" y="5" width="20" height="10" fill="#b91c1c"/></svg>`,
      ),
    );
    expect([png.width, png.height]).toEqual([100, 40]);
    expect(png.pixel(40, 20)).toEqual([185, 28, 28]);
    expect(png.pixel(2, 2)).toEqual([255, 255, 255]);
  });

  it("renders Latin and Chinese text with the shipped font", async () => {
    const region = { x: 0, y: 0, width: 800, height: 80 };
    const text = decodePalettePng(await rasterizer.toPng(textSvg("DAU 日活跃用户 ▲ 12.5%")));
    expect(inkIn(text, region)).toBeGreaterThan(1500);
    // A character no font here has draws nothing: no system font fills in.
    const missing = decodePalettePng(await rasterizer.toPng(textSvg("\u2fe0\u2fe1\u2fe2")));
    expect(inkIn(missing, region)).toBe(0);
  });

  it("has a glyph for every character of every label a chart can write", async () => {
    const labels = [
      ...METRICS.flatMap((m) => [m.label.en, m.label["zh-CN"]]),
      ...RFM_SEGMENTS.flatMap((s) => [s.label.en, s.label["zh-CN"]]),
      ...Object.values(SECTION_LABELS).flatMap((l) => [l.en, l["zh-CN"]]),
    ];
    const characters = [...new Set(labels.join("").replaceAll(/\s/g, ""))];
    // One row of 20 characters per image: a character without ink is missing from the font.
    const missing: string[] = [];
    for (let i = 0; i < characters.length; i += 20) {
      const row = characters.slice(i, i + 20);
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${row.length * 30}" height="30"><rect width="100%" height="100%" fill="#fff"/>${row
        .map(
          (c, j) =>
            `<text x="${j * 30 + 3}" y="22" font-family="${CHART_FONT_FAMILY}" font-size="20">${c.replace("&", "&amp;").replace("<", "&lt;")}</text>`,
        )
        .join("")}</svg>`;
      const png = decodePalettePng(await rasterizer.toPng(svg, { scale: 1 }));
      for (const [j, c] of row.entries()) {
        if (inkIn(png, { x: j * 30, y: 0, width: 30, height: 30 }) === 0) missing.push(c);
      }
    }
    expect(characters.length).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });

  it("shares resvg's WebAssembly, which starts once per process, between rasterizers", async () => {
    const second = await createResvgRasterizer();
    const svg = textSvg("W47 ¥1,234");
    expect(await second.toPng(svg)).toEqual(await rasterizer.toPng(svg));
  });

  it("says which folder lacks fonts", async () => {
    await expect(createResvgRasterizer({ fontsDir: "/nonexistent-fonts" })).rejects.toThrow(
      RasterizerUnavailableError,
    );
    await expect(createResvgRasterizer({ fontsDir: "/nonexistent-fonts" })).rejects.toThrow(
      /\/nonexistent-fonts/,
    );
  });
});
