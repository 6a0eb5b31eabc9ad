/**
 * The segments module (weekly): RFM segments with their migration since last week, and the
 * lifecycle layers with their week-over-week change. Two queries: `rfm_segments.sql` reads
 * the orders of both RFM windows once, `lifecycle_layers.sql` the events of 97 days once.
 */
import { EVENT_TYPES } from "../../contract/schema.ts";
import {
  lifecycleWindows,
  RFM_SEGMENTS,
  type RfmSummary,
  type RfmWindows,
  rfmCutoffParams,
  rfmWindows,
  summarizeLifecycle,
  summarizeRfm,
} from "../../kpi/rfm.ts";
import { SIGNUP_LOOKBACK_DAYS } from "../../kpi/user-kpis.ts";
import {
  calendar,
  type IsoDate,
  localDaysWindow,
  type Period,
  partitionsFor,
} from "../../kpi/windows.ts";
import type { CalendarParamRow, QueryParams } from "../../query/query-file.ts";
import type { DetailTable } from "../details.ts";
import { amount, type KpiModule, type KpiSettings } from "../modules.ts";

/**
 * The `calendar` parameter for the local days `from` … `to`: one row per (local day, `dt`
 * partition it overlaps), so that queries bucket rows by local day with an equi-join on `dt`.
 */
export function calendarParam(from: IsoDate, to: IsoDate, timeZone: string): CalendarParamRow[] {
  return calendar(from, to, timeZone).flatMap((day) =>
    partitionsFor(day.fromUtc, day.toUtc).map((dt) => ({
      localDate: day.localDate,
      dt,
      dayStartUtc: day.fromUtc,
      dayEndUtc: day.toUtc,
    })),
  );
}

/** The parameters of `rfm_segments.sql` for a weekly period. */
export function rfmParams(
  period: Period,
  settings: Pick<KpiSettings, "rfmCutoffs">,
): { readonly windows: RfmWindows; readonly params: QueryParams } {
  const windows = rfmWindows(period);
  const orders = localDaysWindow(windows.previousStart, windows.currentEnd, period.timeZone);
  return {
    windows,
    params: {
      cal: calendarParam(windows.previousStart, windows.currentEnd, period.timeZone),
      orders_dt_from: orders.partitions[0] ?? "",
      orders_dt_to: orders.partitions.at(-1) ?? "",
      orders_from: orders.fromUtc,
      orders_to: orders.toUtc,
      current_start: windows.currentStart,
      current_end: windows.currentEnd,
      previous_start: windows.previousStart,
      previous_end: windows.previousEnd,
      ...rfmCutoffParams(settings.rfmCutoffs),
    },
  };
}

/** The parameters of `lifecycle_layers.sql` for a weekly period. */
export function lifecycleParams(period: Period): QueryParams {
  const { current, previous, eventsStart } = lifecycleWindows(period);
  const events = localDaysWindow(eventsStart, current.end, period.timeZone);
  return {
    cal: calendarParam(eventsStart, current.end, period.timeZone),
    events_dt_from: events.partitions[0] ?? "",
    events_dt_to: events.partitions.at(-1) ?? "",
    event_types: EVENT_TYPES,
    signup_lookback_days: SIGNUP_LOOKBACK_DAYS,
    current_week_start: current.weekStart,
    current_month_start: current.monthStart,
    current_quarter_start: current.quarterStart,
    previous_end: previous.end,
    previous_week_start: previous.weekStart,
    previous_month_start: previous.monthStart,
    previous_quarter_start: previous.quarterStart,
  };
}

/**
 * The weekly email's RFM table: each segment's customers, revenue and change, and where the
 * change came from (moves between segments, new and lapsed customers).
 */
export function rfmSegmentsTable(rfm: RfmSummary): DetailTable {
  const moves = (segment: string, direction: "in" | "out", other: "segment" | "none") =>
    rfm.migration
      .filter((m) => (direction === "in" ? m.to === segment : m.from === segment))
      .filter((m) => {
        const counterpart = direction === "in" ? m.from : m.to;
        return other === "none"
          ? counterpart === "none"
          : counterpart !== "none" && counterpart !== segment;
      })
      .reduce((sum, m) => sum + m.customers, 0);
  return {
    section: "segments",
    title: {
      en: "RFM segments (paid orders of 365 days)",
      "zh-CN": "RFM 客户分层（365日支付订单）",
    },
    columns: [
      { key: "label", label: { en: "Segment", "zh-CN": "分层" } },
      { key: "customers", label: { en: "Customers", "zh-CN": "客户数" }, unit: "count" },
      { key: "change", label: { en: "vs last week", "zh-CN": "较上周" }, unit: "count" },
      { key: "revenue", label: { en: "Revenue", "zh-CN": "收入" }, unit: "money" },
      {
        key: "movedIn",
        label: { en: "From other segments", "zh-CN": "从其他分层转入" },
        unit: "count",
      },
      {
        key: "movedOut",
        label: { en: "To other segments", "zh-CN": "转出到其他分层" },
        unit: "count",
      },
      { key: "gained", label: { en: "New customers", "zh-CN": "新客户" }, unit: "count" },
      { key: "lapsed", label: { en: "Lapsed", "zh-CN": "流失客户" }, unit: "count" },
    ],
    rows: rfm.segments.map((s) => ({
      segment: s.segment,
      label: RFM_SEGMENTS.find((d) => d.id === s.segment)?.label ?? s.segment,
      customers: s.customers,
      change: s.change,
      revenue: s.revenue,
      movedIn: moves(s.segment, "in", "segment"),
      movedOut: moves(s.segment, "out", "segment"),
      gained: moves(s.segment, "in", "none"),
      lapsed: moves(s.segment, "out", "none"),
    })),
  };
}

/**
 * Segments (weekly). Values: `rfm_customers` and the five `lifecycle_*` counts. Details:
 * `rfm` (an {@link RfmSummary}: 8 segments with count, revenue and change, the migration
 * matrix, the medians), the email's table `rfm_segments`, and `lifecycle.layers` (each
 * layer this week, last week and the change).
 */
export const segmentsModule: KpiModule = {
  id: "segments",
  periods: ["week"],
  reads: ["events", "orders"],
  async compute({ engine, catalog, period, settings }) {
    const rfmQuery = rfmParams(period, settings);
    const rfmResult = await engine.run(catalog.get("rfm_segments"), rfmQuery.params);
    const lifecycleResult = await engine.run(
      catalog.get("lifecycle_layers"),
      lifecycleParams(period),
    );
    const rfm = summarizeRfm(rfmResult.rows, rfmQuery.windows, settings.rfmCutoffs);
    const lifecycle = summarizeLifecycle(lifecycleResult.rows[0], rfm);
    const values = Object.fromEntries([
      ["rfm_customers", amount(rfm.customers)],
      ...lifecycle.map((row) => [`lifecycle_${row.layer}`, amount(row.users)]),
    ]);
    return {
      values,
      // The lifecycle layers are metrics of the section (with their change vs the stored
      // previous week); `lifecycle.layers` keeps both weeks' counts in the snapshot.
      details: { rfm, rfm_segments: rfmSegmentsTable(rfm), lifecycle: { layers: lifecycle } },
      stats: [rfmResult.stats, lifecycleResult.stats],
    };
  },
};
