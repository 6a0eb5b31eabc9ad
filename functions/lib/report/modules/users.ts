/**
 * The user-operations module (AARRR and orders): one query per run, `queries/user_kpis.sql`,
 * which reads the events and orders partitions of its windows once each.
 */
import { KNOWN_EVENT_TYPES } from "../../kpi/efficiency.ts";
import {
  CONVERSION_WINDOW_HOURS,
  LTV_WINDOW_HOURS,
  SIGNUP_LOOKBACK_DAYS,
  USER_KPI_IDS,
  userKpiCountsFromRow,
  userKpis,
  userKpiWindows,
} from "../../kpi/user-kpis.ts";
import {
  calendar,
  localDaysWindow,
  localMidnightUtc,
  type Period,
  partitionsFor,
} from "../../kpi/windows.ts";
import type { CalendarParamRow, QueryParams } from "../../query/query-file.ts";
import type { KpiModule, KpiSettings, MetricValue } from "../modules.ts";

const HOUR_MS = 3_600_000;

/** The parameters of `user_kpis.sql` for a period: local days, UTC bounds and partitions. */
export function userKpiParams(
  period: Period,
  settings: Pick<KpiSettings, "privateDomainChannels">,
): QueryParams {
  const zone = period.timeZone;
  const windows = userKpiWindows(period);
  const days = calendar(windows.eventsStart, windows.periodEnd, zone);
  const cal: CalendarParamRow[] = days.flatMap((day) =>
    partitionsFor(day.fromUtc, day.toUtc).map((dt) => ({
      localDate: day.localDate,
      dt,
      dayStartUtc: day.fromUtc,
      dayEndUtc: day.toUtc,
    })),
  );
  const events = localDaysWindow(windows.eventsStart, windows.periodEnd, zone);
  const periodBounds = localDaysWindow(windows.periodStart, windows.periodEnd, zone);
  const repurchaseFrom = localMidnightUtc(windows.repurchaseStart, zone);
  const cohortEnd = (lastDay: string, hours: number) =>
    localDaysWindow(lastDay, lastDay, zone).toUtc.getTime() + hours * HOUR_MS;
  // Orders: the repurchase window, plus the cohorts' order windows, which may end up to a
  // DST hour after the period does.
  const ordersFrom = new Date(
    Math.min(
      repurchaseFrom.getTime(),
      localMidnightUtc(windows.conversionCohort, zone).getTime(),
      localMidnightUtc(windows.ltvCohort.start, zone).getTime(),
    ),
  );
  const ordersTo = new Date(
    Math.max(
      periodBounds.toUtc.getTime(),
      cohortEnd(windows.conversionCohort, CONVERSION_WINDOW_HOURS),
      cohortEnd(windows.ltvCohort.end, LTV_WINDOW_HOURS),
    ),
  );
  const orderPartitions = partitionsFor(ordersFrom, ordersTo);
  return {
    cal,
    events_dt_from: events.partitions[0] ?? "",
    events_dt_to: events.partitions.at(-1) ?? "",
    signup_lookback_days: SIGNUP_LOOKBACK_DAYS,
    private_channels: settings.privateDomainChannels,
    event_types: KNOWN_EVENT_TYPES,
    period_start: windows.periodStart,
    period_end: windows.periodEnd,
    wau_start: windows.wauStart,
    mau_start: windows.mauStart,
    retention_d1_cohort: windows.retentionCohorts.d1,
    retention_d7_cohort: windows.retentionCohorts.d7,
    retention_d30_cohort: windows.retentionCohorts.d30,
    conversion_cohort: windows.conversionCohort,
    ltv_cohort_start: windows.ltvCohort.start,
    ltv_cohort_end: windows.ltvCohort.end,
    orders_dt_from: orderPartitions[0] ?? "",
    orders_dt_to: orderPartitions.at(-1) ?? "",
    orders_from: ordersFrom,
    orders_to: ordersTo,
    period_from: periodBounds.fromUtc,
    period_to: periodBounds.toUtc,
    repurchase_from: repurchaseFrom,
  };
}

/** User operations (AARRR) and orders, for daily and weekly reports. */
export const usersModule: KpiModule = {
  id: "users",
  periods: ["day", "week"],
  reads: ["events", "orders"],
  async compute({ engine, catalog, period, settings }) {
    const result = await engine.run(catalog.get("user_kpis"), userKpiParams(period, settings));
    const [row] = result.rows;
    if (!row || result.rows.length !== 1) {
      throw new Error(`user_kpis returned ${result.rows.length} rows; it must return exactly one.`);
    }
    const all = userKpis(userKpiCountsFromRow(row), period, settings);
    const values: Record<string, MetricValue> = {};
    for (const id of USER_KPI_IDS[period.kind]) {
      const value = all[id];
      if (value) values[id] = value;
    }
    return { values, stats: [result.stats] };
  },
};
