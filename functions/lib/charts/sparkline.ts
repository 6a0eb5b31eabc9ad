/**
 * The one chart drawn by hand: a sparkline, small enough for a KPI card. Its maths is a
 * linear scale of the values onto the height; everything larger (bars, trends with axes)
 * is Vega-Lite's (`vega.ts`).
 *
 * Text in the picture is language-neutral (the first and last period), so one image serves
 * every locale; the card around it says what it is.
 */
import { CHART_FONT_FAMILY } from "./raster.ts";

/** One period of the line; null for a period without a value (the line breaks there). */
export interface SparkPoint {
  /** Short label of the period, e.g. `11-22` or `W47`. */
  readonly label: string;
  readonly value: number | null;
}

export interface SparklineOptions {
  readonly width: number;
  readonly height: number;
  /** Drawn as a dashed line when it lies within reach of the values. */
  readonly target?: number | null;
  /** Colour of the last point (the current period's status). */
  readonly lastColor?: string;
  readonly lineColor?: string;
  /** Behind the chart (the card's colour); default white. */
  readonly background?: string;
}

const COLORS = { line: "#2563eb", area: "#dbeafe", target: "#94a3b8", text: "#64748b" };
const LABEL_HEIGHT = 13;
const PAD = 4;

/** The SVG of a sparkline of `points` (oldest first). */
export function sparklineSvg(points: readonly SparkPoint[], options: SparklineOptions): string {
  const { width, height } = options;
  const lineColor = options.lineColor ?? COLORS.line;
  const values = points.map((p) => p.value).filter((v): v is number => v !== null);
  const target = options.target ?? null;
  const plotTop = PAD;
  const plotBottom = height - LABEL_HEIGHT - PAD;
  const parts: string[] = [];

  if (values.length > 0) {
    let min = Math.min(...values);
    let max = Math.max(...values);
    // The target joins the scale only when it is near the values: a far target would
    // flatten the line it is meant to be read against.
    const span = Math.max(max - min, Math.abs(max) * 0.05, 1e-9);
    const showTarget = target !== null && target >= min - span && target <= max + span;
    if (showTarget && target !== null) {
      min = Math.min(min, target);
      max = Math.max(max, target);
    }
    if (max === min) {
      max += Math.abs(max) * 0.1 || 1;
      min -= Math.abs(min) * 0.1 || 1;
    }
    const step = points.length > 1 ? (width - 2 * PAD) / (points.length - 1) : 0;
    const x = (i: number) => (points.length > 1 ? PAD + i * step : width / 2);
    const y = (v: number) => plotBottom - ((v - min) / (max - min)) * (plotBottom - plotTop);

    // Runs of consecutive values; a null breaks the line.
    const runs: { i: number; v: number }[][] = [];
    let run: { i: number; v: number }[] = [];
    for (const [i, p] of points.entries()) {
      if (p.value === null) {
        if (run.length > 0) runs.push(run);
        run = [];
      } else run.push({ i, v: p.value });
    }
    if (run.length > 0) runs.push(run);

    for (const r of runs) {
      if (r.length < 2) continue;
      const line = r.map(({ i, v }) => `${fixed(x(i))},${fixed(y(v))}`).join(" ");
      const first = r[0] as { i: number };
      const last = r.at(-1) as { i: number };
      parts.push(
        `<polygon points="${fixed(x(first.i))},${fixed(plotBottom)} ${line} ${fixed(x(last.i))},${fixed(plotBottom)}" fill="${COLORS.area}" fill-opacity="0.6"/>`,
        `<polyline points="${line}" fill="none" stroke="${lineColor}" stroke-width="1.75" stroke-linejoin="round" stroke-linecap="round"/>`,
      );
    }
    for (const r of runs) {
      if (r.length === 1) {
        const only = r[0] as { i: number; v: number };
        parts.push(
          `<circle cx="${fixed(x(only.i))}" cy="${fixed(y(only.v))}" r="1.75" fill="${lineColor}"/>`,
        );
      }
    }
    if (showTarget && target !== null) {
      parts.unshift(
        `<line x1="${PAD}" x2="${width - PAD}" y1="${fixed(y(target))}" y2="${fixed(y(target))}" stroke="${COLORS.target}" stroke-width="1" stroke-dasharray="4 3"/>`,
      );
    }
    const lastIndex = points.length - 1;
    const lastValue = points[lastIndex]?.value;
    if (lastValue !== null && lastValue !== undefined) {
      parts.push(
        `<circle cx="${fixed(x(lastIndex))}" cy="${fixed(y(lastValue))}" r="3.25" fill="${options.lastColor ?? lineColor}" stroke="${options.background ?? "#ffffff"}" stroke-width="1.25"/>`,
      );
    }
  }

  const labelY = height - 3;
  const first = points[0]?.label ?? "";
  const last = points.at(-1)?.label ?? "";
  const text = (content: string, x: number, anchor: "start" | "end") =>
    `<text x="${x}" y="${labelY}" font-family="${CHART_FONT_FAMILY}" font-size="10" fill="${COLORS.text}" text-anchor="${anchor}">${escapeXml(content)}</text>`;
  if (points.length > 1) parts.push(text(first, PAD, "start"));
  if (last) parts.push(text(last, width - PAD, "end"));

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="${width}" height="${height}" fill="${options.background ?? "#ffffff"}"/>${parts.join("")}</svg>`;
}

function fixed(n: number): string {
  return n.toFixed(1);
}

/** Escapes text for SVG markup. */
export function escapeXml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}
