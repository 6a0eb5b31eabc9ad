/**
 * The dashboard's charts as Vega-Lite specs (compiled to SVG by `charts/vega.ts`): KPI trends
 * with their targets, the campaign ROI board, RFM segments and migration, and the daily
 * status mix. Data is inline; no chart maths here beyond picking fields.
 */

import { CHART_CONFIG, type ChartSpec } from "../charts/vega.ts";
import type { Status } from "../kpi/evaluate.ts";
import type { Locale, MetricDef, Unit } from "../kpi/registry.ts";
import { RFM_SEGMENTS, type RfmSummary } from "../kpi/rfm.ts";
import { STATUS_COLORS } from "../report/email/i18n.ts";
import type { CampaignCurve, StoredSnapshot } from "./data.ts";

/** Statuses in legend order, with their email colours. */
const STATUS_DOMAIN: readonly Status[] = [
  "met",
  "warning",
  "breach",
  "data_incomplete",
  "insufficient_data",
  "tracking",
  "no_target",
];
const STATUS_RANGE = STATUS_DOMAIN.map((status) => STATUS_COLORS[status].color);

/** What every dashboard chart starts with: its size, fitted with padding, on white, and its data. */
function chartFrame(
  size: { readonly width: number; readonly height: number },
  values: readonly object[],
) {
  return {
    width: size.width,
    height: size.height,
    autosize: { type: "fit", contains: "padding" },
    background: "#ffffff",
    config: CHART_CONFIG,
    data: { values },
  };
}

/** d3-format of a unit's axis. */
export function axisFormat(unit: Unit): string {
  switch (unit) {
    case "percent":
      return ".0%";
    case "ratio":
      return ".2~f";
    case "money":
      return ",.0f";
    default:
      return ",~d";
  }
}

/** One point of a trend. */
interface TrendRow {
  readonly period: string;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly status: string;
}

/** A metric's values over the stored periods, with the threshold each was judged against. */
export function trendRows(
  docs: readonly StoredSnapshot[],
  def: MetricDef,
  weekly: boolean,
): TrendRow[] {
  return docs.flatMap((doc) => {
    const m = doc.metrics?.[def.id];
    if (!m) return [];
    // A growth or month-to-date threshold is not on the value's scale: not drawn.
    const comparable = m.target?.basis === "value";
    return [
      {
        period: weekly ? (doc.period?.start ?? doc.periodKey) : doc.periodKey,
        value: m.value,
        threshold: comparable ? m.threshold : null,
        status: m.status,
      },
    ];
  });
}

/** A KPI's trend: the line, points coloured by status, and the target as a dashed step. */
export function trendSpec(
  def: MetricDef,
  rows: readonly TrendRow[],
  size: { readonly width: number; readonly height: number },
): ChartSpec {
  const x = {
    field: "period",
    type: "temporal",
    title: null,
    axis: { format: "%m-%d", labelAngle: 0, tickCount: 6, grid: false },
  } as const;
  const format = axisFormat(def.unit);
  const layers: unknown[] = [
    {
      mark: { type: "line", color: "#2563eb", strokeWidth: 2 },
      encoding: {
        x,
        y: {
          field: "value",
          type: "quantitative",
          title: null,
          scale: { zero: false },
          axis: { format, tickCount: 4 },
        },
      },
    },
    {
      mark: { type: "point", filled: true, size: 36, opacity: 1 },
      encoding: {
        x,
        y: { field: "value", type: "quantitative" },
        color: {
          field: "status",
          type: "nominal",
          scale: { domain: STATUS_DOMAIN, range: STATUS_RANGE },
          legend: null,
        },
        tooltip: [
          { field: "period", type: "temporal", title: "period" },
          { field: "value", type: "quantitative", format },
          { field: "status", type: "nominal" },
        ],
      },
    },
  ];
  if (rows.some((row) => row.threshold !== null)) {
    layers.unshift({
      mark: {
        type: "line",
        color: "#94a3b8",
        strokeDash: [5, 4],
        strokeWidth: 1.5,
        interpolate: "step-after",
      },
      encoding: { x, y: { field: "threshold", type: "quantitative" } },
    });
  }
  return {
    ...chartFrame(
      size,
      rows.map((row) => ({ ...row })),
    ),
    layer: layers,
  } as ChartSpec;
}

/** The ROI board: each campaign's ROI over its days, against the ROI target. */
export function roiBoardSpec(
  campaigns: readonly CampaignCurve[],
  target: number | null,
  labels: { readonly day: string; readonly roi: string; readonly target: string },
  size: { readonly width: number; readonly height: number },
): ChartSpec {
  const values = campaigns.flatMap((c) =>
    c.points.map((p) => ({ campaign: c.name, day: p.day, roi: p.roi, final: p.final })),
  );
  const x = { field: "day", type: "quantitative", title: labels.day, axis: { tickMinStep: 1 } };
  const layers: unknown[] = [
    {
      mark: { type: "line", strokeWidth: 2, point: { filled: true, size: 30 } },
      encoding: {
        x,
        y: {
          field: "roi",
          type: "quantitative",
          title: labels.roi,
          axis: { format: ".1f" },
        },
        color: {
          field: "campaign",
          type: "nominal",
          title: null,
          scale: { scheme: "tableau10" },
          legend: { orient: "right", labelLimit: 0 },
        },
      },
    },
  ];
  if (target !== null) {
    layers.push(
      {
        data: { values: [{ target }] },
        mark: { type: "rule", color: "#b91c1c", strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y: { field: "target", type: "quantitative" } },
      },
      {
        data: { values: [{ target, text: `${labels.target} ${target}` }] },
        mark: { type: "text", align: "left", dx: 4, dy: -7, color: "#b91c1c", fontSize: 11 },
        encoding: {
          y: { field: "target", type: "quantitative" },
          x: { value: 0 },
          text: { field: "text" },
        },
      },
    );
  }
  return {
    ...chartFrame(size, values),
    layer: layers,
  } as ChartSpec;
}

/** The RFM migration matrix: customers from last week's segment (rows) to this week's. */
export function rfmMigrationSpec(
  rfm: RfmSummary,
  locale: Locale,
  labels: { readonly from: string; readonly to: string; readonly none: string },
  size: { readonly width: number; readonly height: number },
): ChartSpec {
  const name = (id: string) =>
    id === "none" ? labels.none : (RFM_SEGMENTS.find((s) => s.id === id)?.label[locale] ?? id);
  const order = [...RFM_SEGMENTS.map((s) => s.label[locale]), labels.none];
  const values = rfm.migration.map((cell) => ({
    from: name(cell.from),
    to: name(cell.to),
    customers: cell.customers,
    stayed: cell.from === cell.to,
  }));
  const axis = { labelLimit: 0, ticks: false, domain: false };
  return {
    ...chartFrame(size, values),
    encoding: {
      x: {
        field: "to",
        type: "nominal",
        sort: order,
        title: labels.to,
        axis: { ...axis, labelAngle: -35 },
      },
      y: { field: "from", type: "nominal", sort: order, title: labels.from, axis },
    },
    layer: [
      {
        mark: { type: "rect", stroke: "#ffffff", strokeWidth: 1 },
        encoding: {
          color: {
            field: "customers",
            type: "quantitative",
            scale: { scheme: "blues", type: "sqrt" },
            legend: null,
          },
        },
      },
      {
        mark: { type: "text", fontSize: 10 },
        encoding: {
          text: { field: "customers", type: "quantitative", format: ",d" },
          color: {
            condition: { test: "datum.stayed", value: "#ffffff" },
            value: "#0f172a",
          },
        },
      },
    ],
  } as ChartSpec;
}

/** How many metrics met, warned or breached each day. */
export function statusMixSpec(
  daily: readonly StoredSnapshot[],
  statusLabels: Readonly<Record<Status, string>>,
  size: { readonly width: number; readonly height: number },
): ChartSpec {
  const shown: readonly Status[] = [
    "met",
    "warning",
    "breach",
    "data_incomplete",
    "insufficient_data",
  ];
  const values = daily.flatMap((doc) =>
    shown.map((status) => ({
      period: doc.periodKey,
      status: statusLabels[status],
      metrics: doc.statusCounts?.[status] ?? 0,
    })),
  );
  return {
    ...chartFrame(size, values),
    mark: { type: "bar" },
    encoding: {
      x: {
        field: "period",
        type: "temporal",
        timeUnit: "yearmonthdate",
        title: null,
        axis: { format: "%m-%d", labelAngle: 0, tickCount: 6, grid: false },
      },
      y: {
        field: "metrics",
        type: "quantitative",
        stack: true,
        title: null,
        axis: { tickMinStep: 1 },
      },
      color: {
        field: "status",
        type: "nominal",
        title: null,
        scale: {
          domain: shown.map((status) => statusLabels[status]),
          range: shown.map((status) => STATUS_COLORS[status].color),
        },
        legend: { orient: "top" },
      },
    },
  } as ChartSpec;
}
