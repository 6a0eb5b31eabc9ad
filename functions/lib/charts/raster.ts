/**
 * Turns chart SVG into PNG for emails (mail clients show neither SVG nor remote images):
 * resvg draws it with the font shipped in `assets/fonts/` and no system font, so a chart's
 * text looks the same on a laptop and on Lambda (which has no fonts), then the picture is
 * re-encoded as a small palette PNG (`png.ts`).
 *
 * resvg is a native module: it is loaded when a rasterizer is created, by a specifier the
 * bundler leaves alone, so that code importing this file bundles without it.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodePalettePng } from "./png.ts";

/** The family name of the shipped font; chart SVG asks for it by this name. */
export const CHART_FONT_FAMILY = "Noto Sans CJK SC";

/** The repository's font folder (a Lambda bundle copies it beside the handler). */
export const DEFAULT_FONTS_DIR = fileURLToPath(new URL("../../../assets/fonts/", import.meta.url));

/** Draws SVG as PNG. */
export interface ChartRasterizer {
  /**
   * A palette PNG of `svg`, drawn at `scale` × its size (2 by default: sharp on
   * high-density screens when the HTML shows it at its own size).
   */
  toPng(svg: string, options?: { readonly scale?: number }): Promise<Uint8Array>;
}

/** The rasterizer cannot work here (no resvg binary, no font). */
export class RasterizerUnavailableError extends Error {
  override name = "RasterizerUnavailableError";
}

// A variable, not a literal: bundlers leave `import(variable)` to run time.
const RESVG_MODULE = "@resvg/resvg-js";

/** A resvg rasterizer with the fonts of `fontsDir` (`.otf`/`.ttf`), and no system font. */
export async function createResvgRasterizer(
  options: { readonly fontsDir?: string } = {},
): Promise<ChartRasterizer> {
  const fontsDir = options.fontsDir ?? DEFAULT_FONTS_DIR;
  let fontFiles: string[];
  try {
    fontFiles = readdirSync(fontsDir)
      .filter((name) => /\.(otf|ttf)$/i.test(name))
      .sort()
      .map((name) => join(fontsDir, name));
  } catch (error) {
    throw new RasterizerUnavailableError(
      `Chart fonts folder ${fontsDir} cannot be read: ship assets/fonts/ with the code (or set OPSPULSE_FONTS_DIR).`,
      { cause: error },
    );
  }
  if (fontFiles.length === 0) {
    throw new RasterizerUnavailableError(
      `No .otf or .ttf font in ${fontsDir}: charts would have no text; ship assets/fonts/ with the code.`,
    );
  }
  let resvg: typeof import("@resvg/resvg-js");
  try {
    resvg = (await import(RESVG_MODULE)) as typeof import("@resvg/resvg-js");
  } catch (error) {
    throw new RasterizerUnavailableError(
      `${RESVG_MODULE} cannot be loaded (${(error as Error).message}): install it for this platform (npm ci) to draw charts.`,
      { cause: error },
    );
  }
  const font = {
    loadSystemFonts: false,
    fontFiles,
    defaultFontFamily: CHART_FONT_FAMILY,
    sansSerifFamily: CHART_FONT_FAMILY,
  };
  return {
    async toPng(svg, { scale = 2 } = {}) {
      const rendered = await resvg.renderAsync(svg, {
        font,
        fitTo: { mode: "zoom", value: scale },
        background: "#ffffff",
        logLevel: "off",
      });
      return encodePalettePng({
        width: rendered.width,
        height: rendered.height,
        pixels: rendered.pixels,
      });
    },
  };
}
