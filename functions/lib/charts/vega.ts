/**
 * Vega-Lite specs compiled to SVG in-process: `vega-lite` compiles the spec to Vega, a
 * headless `vega.View` (`renderer: "none"`) lays it out and writes SVG. No browser, no server,
 * no network: the data is inline in the spec. Both libraries are loaded on first use.
 */
import type { TopLevelSpec } from "vega-lite";
import { CHART_FONT_FAMILY } from "./raster.ts";

/** A Vega-Lite spec (inline data only). */
export type ChartSpec = TopLevelSpec;

/** Defaults every chart shares: the shipped font, quiet axes, no border. */
export const CHART_CONFIG = {
  font: CHART_FONT_FAMILY,
  view: { stroke: null },
  axis: {
    labelColor: "#475569",
    titleColor: "#475569",
    gridColor: "#e2e8f0",
    domainColor: "#cbd5e1",
    tickColor: "#cbd5e1",
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 600,
  },
  legend: { labelColor: "#334155", titleColor: "#475569", labelFontSize: 11, titleFontSize: 11 },
  title: { color: "#0f172a", fontSize: 13, anchor: "start", fontWeight: 600 },
} as const;

/** The SVG of a Vega-Lite spec. */
export async function vegaLiteToSvg(spec: ChartSpec): Promise<string> {
  // A report Lambda has both beside its bundle with only what is used here: vega's View and
  // parse, vega-lite's compile (infra/bundling/lazy-packages.ts names them).
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
