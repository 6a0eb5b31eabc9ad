/**
 * Turns chart SVG into PNG for emails (mail clients show neither SVG nor remote images):
 * resvg draws it with the font shipped in `assets/fonts/` and no other (WebAssembly sees no
 * system font), so a chart's text looks the same on a laptop and on Lambda (which has no
 * fonts), then the picture is re-encoded as a small palette PNG (`png.ts`).
 *
 * resvg runs as WebAssembly (`@resvg/resvg-wasm`): the same code on every platform, so a
 * Lambda bundle built on x86-64 runs on arm64 with no native binary. The package is loaded on
 * first use and resolved as Node resolves any package: from the repository's `node_modules`,
 * or from the copy the Lambda bundle carries in its own `node_modules/` (the stack copies it
 * there rather than inlining it). Its `.wasm` is compiled once per process.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodePalettePng } from "./png.ts";

/** The family name of the shipped font; chart SVG asks for it by this name. */
export const CHART_FONT_FAMILY = "Noto Sans CJK SC";

/** The repository's font folder (a Lambda bundle has its own copy: `OPSPULSE_FONTS_DIR`). */
export const DEFAULT_FONTS_DIR = fileURLToPath(new URL("../../../assets/fonts/", import.meta.url));

/** The package that draws the charts; a Lambda bundle carries a copy in its `node_modules/`. */
export const RESVG_PACKAGE = "@resvg/resvg-wasm";

/** Draws SVG as PNG. */
export interface ChartRasterizer {
  /**
   * A palette PNG of `svg`, drawn at `scale` × its size (2 by default: sharp on
   * high-density screens when the HTML shows it at its own size).
   */
  toPng(svg: string, options?: { readonly scale?: number }): Promise<Uint8Array>;
}

/** The rasterizer cannot work here (no resvg package, no font). */
export class RasterizerUnavailableError extends Error {
  override name = "RasterizerUnavailableError";
}

/**
 * A resvg rasterizer with the `.otf`/`.ttf` fonts of `fontsDir` and no other (the Lambda
 * passes its bundle's copy, `OPSPULSE_FONTS_DIR`).
 */
export async function createResvgRasterizer(
  options: { readonly fontsDir?: string } = {},
): Promise<ChartRasterizer> {
  const fontBuffers = readFonts(options.fontsDir ?? DEFAULT_FONTS_DIR);
  const Resvg = await loadResvg();
  const font = {
    fontBuffers,
    defaultFontFamily: CHART_FONT_FAMILY,
    sansSerifFamily: CHART_FONT_FAMILY,
  };
  return {
    async toPng(svg, { scale = 2 } = {}) {
      const resvg = new Resvg(svg, {
        font,
        fitTo: { mode: "zoom", value: scale },
        background: "#ffffff",
      });
      // WebAssembly memory is not garbage collected: free what each drawing allocated.
      try {
        const rendered = resvg.render();
        try {
          return encodePalettePng({
            width: rendered.width,
            height: rendered.height,
            pixels: rendered.pixels,
          });
        } finally {
          rendered.free();
        }
      } finally {
        resvg.free();
      }
    },
  };
}

function readFonts(fontsDir: string): Uint8Array[] {
  let fontFiles: string[];
  try {
    fontFiles = readdirSync(fontsDir)
      .filter((name) => /\.(otf|ttf)$/i.test(name))
      .sort();
  } catch (error) {
    throw new RasterizerUnavailableError(
      `Chart fonts folder ${fontsDir} cannot be read: ship assets/fonts/ with the code (or point OPSPULSE_FONTS_DIR at a copy).`,
      { cause: error },
    );
  }
  if (fontFiles.length === 0) {
    throw new RasterizerUnavailableError(
      `No .otf or .ttf font in ${fontsDir}: charts would have no text; ship assets/fonts/ with the code (or point OPSPULSE_FONTS_DIR at a copy).`,
    );
  }
  return fontFiles.map((name) => new Uint8Array(readFileSync(join(fontsDir, name))));
}

type ResvgWasm = typeof import("@resvg/resvg-wasm");

/** resvg's WebAssembly can be instantiated once per process: every rasterizer shares it. */
let resvgReady: Promise<ResvgWasm["Resvg"]> | undefined;

function loadResvg(): Promise<ResvgWasm["Resvg"]> {
  resvgReady ??= (async () => {
    let resvg: ResvgWasm;
    let wasmPath: string;
    try {
      resvg = await import("@resvg/resvg-wasm");
      wasmPath = createRequire(import.meta.url).resolve(`${RESVG_PACKAGE}/index_bg.wasm`);
    } catch (error) {
      throw new RasterizerUnavailableError(
        `${RESVG_PACKAGE} cannot be loaded (${(error as Error).message}): install it (npm ci); a Lambda bundle carries it in its node_modules/.`,
        { cause: error },
      );
    }
    try {
      await resvg.initWasm(readFileSync(wasmPath));
    } catch (error) {
      throw new RasterizerUnavailableError(
        `resvg's WebAssembly ${wasmPath} cannot be started (${(error as Error).message}): reinstall ${RESVG_PACKAGE}.`,
        { cause: error },
      );
    }
    return resvg.Resvg;
  })().catch((error: unknown) => {
    // Not remembered: the next rasterizer tries again.
    resvgReady = undefined;
    throw error;
  });
  return resvgReady;
}
