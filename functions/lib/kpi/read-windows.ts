/**
 * The windows each metric reads: per raw fact table, the local days whose records can move
 * its value. The completeness gate checks every `dt` partition inside them (not only the
 * report day's), and a metric is "data incomplete" only when a partition that one of its
 * own windows covers is missing or thin: a day missing four days back makes WAU and MAU
 * incomplete, not the day's DAU.
 *
 * Pure: dates and zones only.
 */

import { contentWindows } from "./content.ts";
import { SIGNUP_LOOKBACK_DAYS, userKpiWindows } from "./user-kpis.ts";
import { addDays, type IsoDate, localDaysWindow, type Period, partitionsFor } from "./windows.ts";

/** The raw fact tables whose partitions the gate checks. */
export type FactTable = "events" | "orders";

/** Local days `from` … `to`, both included. */
export interface DayRange {
  readonly from: IsoDate;
  readonly to: IsoDate;
}

/** The days a metric reads, per fact table. */
export type TableDays = Partial<Readonly<Record<FactTable, readonly DayRange[]>>>;

/** What a module's metrics read: per metric, or `all` for every metric not listed. */
export interface ReadWindows {
  readonly all?: TableDays;
  readonly metrics?: Readonly<Record<string, TableDays>>;
}

/** The `dt` partitions the days of `ranges` touch in `timeZone` (sorted, distinct). */
export function partitionsOfDays(ranges: readonly DayRange[], timeZone: string): IsoDate[] {
  const dts = new Set<IsoDate>();
  for (const range of ranges) {
    const window = localDaysWindow(range.from, range.to, timeZone);
    for (const dt of partitionsFor(window.fromUtc, window.toUtc)) dts.add(dt);
  }
  return [...dts].sort();
}

/** The `dt` partitions of each fact table that a metric's days touch. */
export function partitionsOf(days: TableDays, timeZone: string): Record<FactTable, IsoDate[]> {
  return {
    events: partitionsOfDays(days.events ?? [], timeZone),
    orders: partitionsOfDays(days.orders ?? [], timeZone),
  };
}

/**
 * The windows of the user and order KPIs (`user_kpis.sql`), per metric. A signup counts
 * only after 30 days without one, so a cohort's days start 30 days before it; an order
 * window (conversion, LTV) runs from the cohort to the period's end.
 */
export function userReadWindows(period: Period): ReadWindows {
  const w = userKpiWindows(period);
  const D = w.periodEnd;
  const days = (from: IsoDate, to: IsoDate = D): DayRange[] => [{ from, to }];
  const signups = (cohort: IsoDate) => addDays(cohort, -SIGNUP_LOOKBACK_DAYS);
  const periodDays = days(w.periodStart);
  const cohort = (c: IsoDate): TableDays => ({ events: days(signups(c)) });
  return {
    metrics: {
      new_users: { events: days(signups(w.periodStart)) },
      dau: { events: periodDays },
      wau: { events: days(w.wauStart) },
      mau: { events: days(w.mauStart) },
      stickiness: { events: days(w.mauStart) },
      private_domain_share: { events: days(w.mauStart) },
      retention_d1: cohort(w.retentionCohorts.d1),
      retention_d7: cohort(w.retentionCohorts.d7),
      retention_d30: cohort(w.retentionCohorts.d30),
      first_order_conversion: {
        events: days(signups(w.conversionCohort), w.conversionCohort),
        orders: days(w.conversionCohort),
      },
      ltv_30: {
        events: days(signups(w.ltvCohort.start), w.ltvCohort.end),
        orders: days(w.ltvCohort.start),
      },
      orders: { orders: periodDays },
      gmv: { orders: periodDays },
      aov: { orders: periodDays },
      paying_users: { orders: periodDays },
      arpu: { orders: periodDays, events: period.kind === "week" ? days(w.wauStart) : periodDays },
      repurchase_rate: { orders: days(w.repurchaseStart) },
      private_domain_repurchase_multiple: {
        orders: days(w.repurchaseStart),
        events: days(w.repurchaseStart),
      },
    },
  };
}

/** Content KPIs: the period's events and orders, and the reach cohort's 7 days of views. */
export function contentReadWindows(period: Period): ReadWindows {
  const w = contentWindows(period);
  const events = w.reachCohort
    ? [{ from: w.reachCohort.start, to: w.periodEnd }]
    : [{ from: w.periodStart, to: w.periodEnd }];
  return { all: { events, orders: [{ from: w.periodStart, to: w.periodEnd }] } };
}

/** KPIs computed from the period's records alone (efficiency, data quality). */
export function periodReadWindows(period: Period): ReadWindows {
  const days = [{ from: period.start, to: period.end }];
  return { all: { events: days, orders: days } };
}

/** An issue of the gate, as far as deciding which metrics it makes incomplete goes. */
export interface PartitionIssue {
  readonly table: string;
  readonly partition: IsoDate;
  /** `window`: a partition before the period that some metrics' windows cover. */
  readonly scope?: "period" | "window";
}

/**
 * The tables whose issues make a metric "data incomplete": an issue of the period (its own
 * partitions, freshness) when the metric reads the table (`tables`; every table with an
 * issue when unknown); an issue of a window partition only when that partition lies in
 * one of the metric's own windows (`days`; when unknown, none: its module declared the
 * period only).
 */
export function incompleteTablesOf(
  issues: readonly PartitionIssue[],
  tables: readonly string[] | undefined,
  days: TableDays | undefined,
  timeZone: string,
): string[] {
  const reads = (table: string) => tables === undefined || tables.includes(table);
  // Drawn only when a window issue needs them: most runs have none.
  let partitions: Record<FactTable, IsoDate[]> | undefined;
  const hit = new Set<string>();
  for (const issue of issues) {
    if (!reads(issue.table)) continue;
    if (issue.scope !== "window") {
      hit.add(issue.table);
      continue;
    }
    if (!days) continue;
    partitions ??= partitionsOf(days, timeZone);
    if (partitions[issue.table as FactTable]?.includes(issue.partition)) hit.add(issue.table);
  }
  return [...hit].sort();
}
