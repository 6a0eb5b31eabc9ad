/**
 * The pictures of a report email: a sparkline per headline KPI (its last periods from the
 * snapshot history, then the current value) and, in the weekly report, the RFM segment sizes
 * as bars. Each is a small PNG attached inline and referenced as `cid:` from the HTML: mail
 * clients show neither SVG nor remote images.
 */
import type { EvaluatedMetric } from "../kpi/evaluate.ts";
import type { Locale } from "../kpi/registry.ts";
import { RFM_SEGMENTS, type RfmSummary } from "../kpi/rfm.ts";
import { addDays, isoWeekLabel, type Period } from "../kpi/windows.ts";
import type { SnapshotDocument } from "../ports.ts";
import { periodKeyOf, storedValue, unzonedKey } from "../report/snapshot.ts";
import type { ChartRasterizer } from "./raster.ts";
import { type SparkPoint, sparklineSvg } from "./sparkline.ts";
import { CHART_CONFIG, type ChartSpec, vegaLiteToSvg } from "./vega.ts";

/** Periods a sparkline shows: the current one and those before it. */
export const SPARKLINE_PERIODS = { day: 30, week: 14 } as const;

/** Size of a sparkline in the card, in CSS pixels (the PNG has twice as many). */
export const SPARKLINE_SIZE = { width: 240, height: 52 } as const;
const CARD_BACKGROUND = "#f8fafc";
const FIGURE_WIDTH = 560;

/** An image attached to the email and shown inline. */
export interface InlineImage {
  /** Content-ID: the HTML shows it as `<img src="cid:…">`. */
  readonly cid: string;
  readonly filename: string;
  readonly contentType: "image/png";
  readonly content: Uint8Array;
  /** Size shown, in CSS pixels. */
  readonly width: number;
  readonly height: number;
  readonly alt: string;
}

/** The charts of one email (one locale). */
export interface EmailCharts {
  /** Sparkline per headline metric id. */
  readonly headline: Readonly<Record<string, InlineImage>>;
  /** Larger charts shown after the headline cards (the weekly RFM bars). */
  readonly figures: readonly { readonly title: string; readonly image: InlineImage }[];
}

/** Every image of `charts`, for the email's attachments. */
export function chartAttachments(charts: EmailCharts): InlineImage[] {
  return [...Object.values(charts.headline), ...charts.figures.map((f) => f.image)];
}

/** What the charts are drawn from. */
export interface EmailChartsInput {
  readonly period: Period;
  /** The run's report-wide metrics (the current values). */
  readonly metrics: readonly EvaluatedMetric[];
  /** Stored snapshots of earlier periods of the report, oldest first (any range). */
  readonly history: readonly SnapshotDocument[];
  /** The modules' details of the run (`rfm` for the weekly bars). */
  readonly details: Readonly<Record<string, unknown>>;
  readonly locales: readonly Locale[];
}

const STRINGS = {
  en: {
    trend: (label: string, count: number, kind: Period["kind"]) =>
      `${label}: the last ${count} ${kind === "day" ? "days" : "weeks"}`,
    rfmTitle: "RFM segments: customers this week (bars) and last week (ticks)",
    customers: "Customers",
  },
  "zh-CN": {
    trend: (label: string, count: number, kind: Period["kind"]) =>
      `${label}：最近 ${count} ${kind === "day" ? "天" : "周"}`,
    rfmTitle: "RFM 客户分层：本周客户数（柱）与上周（刻度）",
    customers: "客户数",
  },
} as const satisfies Record<Locale, unknown>;

/** The key range of the history a sparkline of `period` needs (before the period itself). */
export function sparklineHistoryRange(period: Period): { fromKey: string; toKey: string } {
  const days = period.kind === "day" ? 1 : 7;
  const count = SPARKLINE_PERIODS[period.kind];
  const keyOf = (date: string) => (period.kind === "day" ? date : isoWeekLabel(date));
  return {
    fromKey: keyOf(addDays(period.start, -days * (count - 1))),
    toKey: keyOf(addDays(period.start, -days)),
  };
}

/** Draws the charts of each locale's email. Sparklines are drawn once and shared. */
export async function renderEmailCharts(
  input: EmailChartsInput,
  rasterizer: ChartRasterizer,
): Promise<Record<string, EmailCharts>> {
  const { period } = input;
  const headlineMetrics = input.metrics.filter((m) => m.def.headline);
  const earlier = [...input.history]
    .filter((doc) => unzonedKey(doc.periodKey) < periodKeyOf(period))
    .sort((a, b) => (a.periodKey < b.periodKey ? -1 : 1))
    .slice(-(SPARKLINE_PERIODS[period.kind] - 1));

  const sparks = new Map<string, { png: Uint8Array; points: number }>();
  for (const m of headlineMetrics) {
    const points: SparkPoint[] = [
      ...earlier.map((doc) => ({
        label: shortLabel(unzonedKey(doc.periodKey)),
        value: storedValue(doc, m.def.id),
      })),
      { label: shortLabel(periodKeyOf(period)), value: m.evaluation.value },
    ];
    const target = m.evaluation.target?.basis === "value" ? m.evaluation.threshold : null;
    const svg = sparklineSvg(points, {
      ...SPARKLINE_SIZE,
      target,
      lastColor: STATUS_DOT[m.evaluation.status] ?? "#2563eb",
      background: CARD_BACKGROUND,
    });
    sparks.set(m.def.id, { png: await rasterizer.toPng(svg), points: points.length });
  }

  const rfm = rfmSummaryOf(input.details);
  const result: Record<string, EmailCharts> = {};
  for (const locale of new Set(input.locales)) {
    const strings = STRINGS[locale];
    const headline: Record<string, InlineImage> = {};
    for (const m of headlineMetrics) {
      const spark = sparks.get(m.def.id);
      if (!spark) continue;
      headline[m.def.id] = {
        cid: `spark-${m.def.id}@opspulse`,
        filename: `spark-${m.def.id}.png`,
        contentType: "image/png",
        content: spark.png,
        ...SPARKLINE_SIZE,
        alt: strings.trend(m.def.label[locale], spark.points, period.kind),
      };
    }
    const figures: EmailCharts["figures"][number][] = [];
    if (rfm && rfm.segments.length > 0) {
      const height = rfm.segments.length * 24 + 36;
      const svg = await vegaLiteToSvg(rfmBarsSpec(rfm, locale, FIGURE_WIDTH, height));
      figures.push({
        title: strings.rfmTitle,
        image: {
          cid: `rfm-segments-${locale}@opspulse`,
          filename: "rfm-segments.png",
          contentType: "image/png",
          content: await rasterizer.toPng(svg),
          ...svgSize(svg),
          alt: strings.rfmTitle,
        },
      });
    }
    result[locale] = { headline, figures };
  }
  return result;
}

const STATUS_DOT: Readonly<Record<string, string>> = {
  met: "#15803d",
  warning: "#b45309",
  breach: "#b91c1c",
  data_incomplete: "#6d28d9",
};

/** The RFM bars: this week's customers per segment, last week's as a tick. */
export function rfmBarsSpec(
  rfm: RfmSummary,
  locale: Locale,
  width: number,
  height: number,
): ChartSpec {
  const label = (id: string) => RFM_SEGMENTS.find((s) => s.id === id)?.label[locale] ?? id;
  const order = RFM_SEGMENTS.map((s) => s.label[locale]);
  const values = rfm.segments.map((s) => ({
    segment: label(s.segment),
    customers: s.customers,
    previous: s.previousCustomers,
    important: s.segment.startsWith("important"),
  }));
  const y = {
    field: "segment",
    type: "nominal",
    sort: order,
    title: null,
    axis: { labelLimit: 0, ticks: false, domain: false, labelPadding: 6 },
  } as const;
  return {
    width,
    height,
    padding: { left: 4, right: 16, top: 4, bottom: 4 },
    autosize: { type: "fit", contains: "padding" },
    background: "#ffffff",
    config: { ...CHART_CONFIG, axisY: { minExtent: 150, maxExtent: 150 } },
    data: { values },
    layer: [
      {
        mark: { type: "bar", cornerRadiusEnd: 3, height: 16 },
        encoding: {
          y,
          x: {
            field: "customers",
            type: "quantitative",
            title: null,
            axis: { grid: true, tickCount: 4, format: ",d", domain: false, ticks: false },
          },
          color: {
            field: "important",
            type: "nominal",
            scale: { domain: [true, false], range: ["#2563eb", "#93c5fd"] },
            legend: null,
          },
        },
      },
      {
        mark: { type: "tick", color: "#0f172a", thickness: 2, size: 20 },
        encoding: { y, x: { field: "previous", type: "quantitative" } },
      },
      {
        mark: { type: "text", align: "left", dx: 6, color: "#334155", fontSize: 11 },
        encoding: {
          y,
          x: { field: "customers", type: "quantitative" },
          text: { field: "customers", type: "quantitative", format: ",d" },
        },
      },
    ],
  } as ChartSpec;
}

/** The RFM summary in a run's details, when the segments module ran. */
export function rfmSummaryOf(details: Readonly<Record<string, unknown>>): RfmSummary | undefined {
  const rfm = details.rfm as Partial<RfmSummary> | undefined;
  return rfm && Array.isArray(rfm.segments) ? (rfm as RfmSummary) : undefined;
}

/** `2026-11-22` → `11-22`; `2026-W47` → `W47`. */
export function shortLabel(periodKey: string): string {
  const week = /^\d{4}-(W\d{2})$/.exec(periodKey);
  if (week) return week[1] as string;
  const day = /^\d{4}-(\d{2}-\d{2})$/.exec(periodKey);
  return day ? (day[1] as string) : periodKey;
}

function svgSize(svg: string): { width: number; height: number } {
  const width = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1] ?? FIGURE_WIDTH);
  const height = Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(svg)?.[1] ?? 200);
  return { width: Math.round(width), height: Math.round(height) };
}
