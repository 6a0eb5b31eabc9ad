/**
 * The user-operations module (AARRR and orders): one query per run, `queries/user_kpis.sql`,
 * over the rollups `user_day` and `order_day` of its windows, which the run first brings up
 * to date (functions/lib/rollups/): a daily run reads the raw partitions of the days that
 * are new or changed, about one local day, instead of 60 to 90 days of events and orders.
 */

import { userReadWindows } from "../../kpi/read-windows.ts";
import {
  CONVERSION_WINDOW_HOURS,
  LTV_WINDOW_HOURS,
  USER_KPI_IDS,
  userKpiCountsFromRow,
  userKpis,
  userKpiWindows,
} from "../../kpi/user-kpis.ts";
import { localDaysWindow, localMidnightUtc, type Period } from "../../kpi/windows.ts";
import type { QueryStats, Row } from "../../ports.ts";
import type { QueryParams } from "../../query/query-file.ts";
import {
  localDaysOf,
  queryOverRollups,
  type RollupNeeds,
  rollupDays,
} from "../../rollups/refresh.ts";
import {
  WEEKLY_STATES,
  type WeeklyStateSpec,
  weeklyStateSourceDays,
  windowStart,
} from "../../rollups/weekly-state.ts";
import type { KpiModule, MetricValue, ModuleContext } from "../modules.ts";

const HOUR_MS = 3_600_000;

/** The UTC bounds of the orders window: every order window of the period's metrics. */
function ordersWindow(period: Period): { readonly fromUtc: Date; readonly toUtc: Date } {
  const zone = period.timeZone;
  const windows = userKpiWindows(period);
  const periodBounds = localDaysWindow(windows.periodStart, windows.periodEnd, zone);
  const cohortEnd = (lastDay: string, hours: number) =>
    localDaysWindow(lastDay, lastDay, zone).toUtc.getTime() + hours * HOUR_MS;
  // The repurchase window, plus the cohorts' order windows, which may end up to a DST hour
  // after the period does.
  const fromUtc = new Date(
    Math.min(
      localMidnightUtc(windows.repurchaseStart, zone).getTime(),
      localMidnightUtc(windows.conversionCohort, zone).getTime(),
      localMidnightUtc(windows.ltvCohort.start, zone).getTime(),
    ),
  );
  const toUtc = new Date(
    Math.max(
      periodBounds.toUtc.getTime(),
      cohortEnd(windows.conversionCohort, CONVERSION_WINDOW_HOURS),
      cohortEnd(windows.ltvCohort.end, LTV_WINDOW_HOURS),
    ),
  );
  return { fromUtc, toUtc };
}

/** The activity state a period's WAU, MAU and private-domain figures come from. */
const activityStateOf = (period: Period): WeeklyStateSpec =>
  period.kind === "day" ? WEEKLY_STATES.activity_day : WEEKLY_STATES.activity_week;

/**
 * The local days of each rollup that `user_kpis.sql` reads for a period: `user_day` over
 * the activity windows, `order_day` over the order windows, and the per-user state kept up
 * to date with the `user_day` days back to `eventsStart` (a cold first run's state, or the
 * state inlined on an engine without rollup storage, sees those days). A week's MAU and
 * private-domain customers (the 90 days ending its Sunday) are read from the week's
 * activity state, carried from the `user_day` days it names.
 */
export function userKpiRollups(period: Period): RollupNeeds {
  const windows = userKpiWindows(period);
  const orders = ordersWindow(period);
  const state = activityStateOf(period);
  const stateSources = weeklyStateSourceDays(state, windows.periodEnd);
  return {
    user_state: { from: windows.eventsStart, to: windows.periodEnd },
    order_day: localDaysOf(orders.fromUtc, orders.toUtc, period.timeZone),
    // The period's own days, and those the activity state is carried from or made of.
    user_day: {
      from: [stateSources.from, windows.periodStart].sort()[0] ?? windows.periodStart,
      to: windows.periodEnd,
    },
    [state.name]: rollupDays([windows.periodEnd]),
  };
}

/**
 * The activity state partitions holding a period's WAU, MAU and private-domain customers:
 * a day's `activity_day` (the 30 days ending it), a week's `activity_week` (the 90 days
 * ending its Sunday); `[""]` names none of the other table. The private-domain customers'
 * window must be the state's.
 */
function activityStates(period: Period): { activity_days: string[]; activity_weeks: string[] } {
  const windows = userKpiWindows(period);
  const state = activityStateOf(period);
  const stateStart = windowStart(state, windows.periodEnd);
  if (stateStart !== windows.privateCustomerStart || windows.mauStart < stateStart) {
    throw new Error(
      `user_kpis: the private-domain customers' window starts ${windows.privateCustomerStart} and MAU's ${windows.mauStart}, the ${state.name} state's ${stateStart}: make them the same window.`,
    );
  }
  const days = [windows.periodEnd];
  return period.kind === "day"
    ? { activity_days: days, activity_weeks: [""] }
    : { activity_days: [""], activity_weeks: days };
}

/** The parameters of `user_kpis.sql` for a period: local days and UTC bounds. */
export function userKpiParams(period: Period): QueryParams {
  const zone = period.timeZone;
  const windows = userKpiWindows(period);
  const rollups = userKpiRollups(period);
  const periodBounds = localDaysWindow(windows.periodStart, windows.periodEnd, zone);
  const orders = ordersWindow(period);
  return {
    events_first_day: windows.periodStart,
    events_last_day: windows.periodEnd,
    period_start: windows.periodStart,
    period_end: windows.periodEnd,
    wau_start: windows.wauStart,
    mau_start: windows.mauStart,
    private_customer_start: windows.privateCustomerStart,
    ...activityStates(period),
    retention_d1_cohort: windows.retentionCohorts.d1,
    retention_d7_cohort: windows.retentionCohorts.d7,
    retention_d30_cohort: windows.retentionCohorts.d30,
    conversion_cohort: windows.conversionCohort,
    ltv_cohort_start: windows.ltvCohort.start,
    ltv_cohort_end: windows.ltvCohort.end,
    orders_first_day: rollups.order_day?.from ?? "",
    orders_last_day: rollups.order_day?.to ?? "",
    orders_from: orders.fromUtc,
    orders_to: orders.toUtc,
    period_from: periodBounds.fromUtc,
    period_to: periodBounds.toUtc,
    repurchase_from: localMidnightUtc(windows.repurchaseStart, zone),
  };
}

/**
 * Runs `user_kpis.sql` for the context's period, after the rollup days it reads are fresh;
 * returns its one row and the cost of every query run (rollup builds first).
 */
export async function userKpiRow(
  context: Pick<ModuleContext, "engine" | "catalog" | "period" | "settings" | "now">,
): Promise<{ readonly row: Row; readonly stats: readonly QueryStats[] }> {
  const { period } = context;
  const prepared = await queryOverRollups(
    { ...context, timeZone: period.timeZone },
    "user_kpis",
    userKpiRollups(period),
  );
  const result = await context.engine.run(prepared.query, userKpiParams(period));
  const [row] = result.rows;
  if (!row || result.rows.length !== 1) {
    throw new Error(`user_kpis returned ${result.rows.length} rows; it must return exactly one.`);
  }
  return { row, stats: [...prepared.stats, result.stats] };
}

/** User operations (AARRR) and orders, for daily and weekly reports. */
export const usersModule: KpiModule = {
  id: "users",
  periods: ["day", "week"],
  reads: ["events", "orders", "identities"],
  readWindows: userReadWindows,
  async compute(context) {
    const { row, stats } = await userKpiRow(context);
    const all = userKpis(userKpiCountsFromRow(row), context.period, context.settings);
    const values: Record<string, MetricValue> = {};
    for (const id of USER_KPI_IDS[context.period.kind]) {
      const value = all[id];
      if (value) values[id] = value;
    }
    return { values, stats };
  },
};
