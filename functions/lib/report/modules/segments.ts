/**
 * The segments module (weekly): RFM segments with their migration since last week, and the
 * lifecycle layers with their week-over-week change. Two queries over the rollups, which
 * the run first brings up to date (functions/lib/rollups/): `rfm_segments.sql` reads
 * the report week's RFM state (`rfm_week`, weekly-state.ts, carried week to week from the `order_day`
 * days of both windows, 372 local days), `lifecycle_layers.sql` reads
 * the week's activity state (`activity_week`, carried from `user_day`, 97 local days).
 */
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
import { calendar, type IsoDate, type Period, partitionsFor } from "../../kpi/windows.ts";
import type { QueryStats, Row } from "../../ports.ts";
import type { CalendarParamRow, QueryParams } from "../../query/query-file.ts";
import { queryOverRollups, type RollupNeeds, rollupDays } from "../../rollups/refresh.ts";
import { WEEKLY_STATES, weeklyStateSourceDays } from "../../rollups/weekly-state.ts";
import type { DetailTable } from "../details.ts";
import { amount, type KpiModule, type KpiSettings, type ModuleContext } from "../modules.ts";

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

/** The parameters of `rfm_segments.sql` for a weekly period, and the rollup days it reads. */
export function rfmParams(
  period: Period,
  settings: Pick<KpiSettings, "rfmCutoffs">,
): { readonly windows: RfmWindows; readonly params: QueryParams; readonly rollups: RollupNeeds } {
  const windows = rfmWindows(period);
  return {
    windows,
    // The report week's state (rfm-week.ts), made of the order_day days of both windows.
    rollups: {
      order_day: weeklyStateSourceDays(WEEKLY_STATES.rfm_week, windows.currentEnd),
      rfm_week: rollupDays([windows.currentEnd]),
    },
    params: {
      state_weeks: [windows.currentEnd],
      current_end: windows.currentEnd,
      previous_end: windows.previousEnd,
      ...rfmCutoffParams(settings.rfmCutoffs),
    },
  };
}

/** The rollup days `lifecycle_layers.sql` reads for a weekly period (and the user state). */
export function lifecycleRollups(period: Period): RollupNeeds {
  const { current, eventsStart } = lifecycleWindows(period);
  return {
    // The week's activity state (weekly-state.ts) is carried from these user_day days.
    user_day: weeklyStateSourceDays(WEEKLY_STATES.activity_week, current.end),
    user_state: { from: eventsStart, to: current.end },
    activity_week: rollupDays([current.end]),
  };
}

/** The parameters of `lifecycle_layers.sql` for a weekly period. */
export function lifecycleParams(period: Period): QueryParams {
  const { current, previous } = lifecycleWindows(period);
  return {
    state_weeks: [current.end],
    current_end: current.end,
    current_week_start: current.weekStart,
    current_month_start: current.monthStart,
    current_quarter_start: current.quarterStart,
    previous_end: previous.end,
    previous_week_start: previous.weekStart,
    previous_month_start: previous.monthStart,
    previous_quarter_start: previous.quarterStart,
  };
}

/** What running a segments query needs (the settings the rollups and RFM cut-offs read). */
type SegmentsContext = Pick<ModuleContext, "engine" | "catalog" | "period" | "now"> & {
  readonly settings: Pick<KpiSettings, "privateDomainChannels" | "rfmCutoffs">;
};

/** Runs `rfm_segments.sql` over fresh `order_day` rollups; the rows and every query's cost. */
export async function rfmRows(context: SegmentsContext): Promise<{
  readonly rows: readonly Row[];
  readonly windows: RfmWindows;
  readonly stats: readonly QueryStats[];
}> {
  const { windows, params, rollups } = rfmParams(context.period, context.settings);
  const prepared = await queryOverRollups(
    { ...context, timeZone: context.period.timeZone },
    "rfm_segments",
    rollups,
  );
  const result = await context.engine.run(prepared.query, params);
  return { rows: result.rows, windows, stats: [...prepared.stats, result.stats] };
}

/** Runs `lifecycle_layers.sql` over fresh `user_day` rollups; its one row and the costs. */
export async function lifecycleRow(
  context: SegmentsContext,
): Promise<{ readonly row: Row | undefined; readonly stats: readonly QueryStats[] }> {
  const prepared = await queryOverRollups(
    { ...context, timeZone: context.period.timeZone },
    "lifecycle_layers",
    lifecycleRollups(context.period),
  );
  const result = await context.engine.run(prepared.query, lifecycleParams(context.period));
  return { row: result.rows[0], stats: [...prepared.stats, result.stats] };
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
  reads: ["events", "orders", "identities"],
  readWindows: (period) => {
    const rfm = rfmWindows(period);
    const lifecycle = lifecycleWindows(period);
    return {
      all: {
        orders: [{ from: rfm.previousStart, to: rfm.currentEnd }],
        events: [{ from: lifecycle.eventsStart, to: lifecycle.current.end }],
      },
    };
  },
  async compute(context) {
    const rfmResult = await rfmRows(context);
    const lifecycleResult = await lifecycleRow(context);
    const rfm = summarizeRfm(rfmResult.rows, rfmResult.windows, context.settings.rfmCutoffs);
    const lifecycle = summarizeLifecycle(lifecycleResult.row, rfm);
    const values = Object.fromEntries([
      ["rfm_customers", amount(rfm.customers)],
      ...lifecycle.map((row) => [`lifecycle_${row.layer}`, amount(row.users)]),
    ]);
    return {
      values,
      // The lifecycle layers are metrics of the section (with their change vs the stored
      // previous week); `lifecycle.layers` keeps both weeks' counts in the snapshot.
      details: { rfm, rfm_segments: rfmSegmentsTable(rfm), lifecycle: { layers: lifecycle } },
      stats: [...rfmResult.stats, ...lifecycleResult.stats],
    };
  },
};
