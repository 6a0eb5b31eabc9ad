/**
 * User segmentation (weekly): the 8 RFM segments and the lifecycle layers, as
 * `shared/kpi-spec.md` defines them.
 *
 * The exact medians and the high/low flags are computed by `queries/rfm_segments.sql`
 * (customer counts can be large, so the per-customer rows stay in the engine); this file
 * names the windows, maps the three flags to the 8 segments, and turns the query's rows into
 * the counts, revenue and migration matrix the weekly report shows. The lifecycle layers
 * come from `queries/lifecycle_layers.sql` the same way.
 *
 * Pure: no clock, no I/O.
 */

import { centsCell, countCell } from "./cells.ts";
import { SIGNUP_LOOKBACK_DAYS } from "./user-kpis.ts";
import type { Row } from "./values.ts";
import { addDays, type IsoDate, type Period } from "./windows.ts";

/** RFM looks at the paid orders of the 365 local days ending the report week's Sunday. */
export const RFM_WINDOW_DAYS = 365;

export type RfmSegmentId =
  | "important_value"
  | "important_development"
  | "important_retention"
  | "important_winback"
  | "general_value"
  | "general_development"
  | "general_retention"
  | "general_winback";

/** A customer's three RFM flags: true = "high" (strictly better than the cut-off). */
export interface RfmFlags {
  readonly recencyHigh: boolean;
  readonly frequencyHigh: boolean;
  readonly monetaryHigh: boolean;
}

export interface RfmSegmentDef extends RfmFlags {
  readonly id: RfmSegmentId;
  readonly label: { readonly en: string; readonly "zh-CN": string };
}

/** The 8 segments of the spec's table, in its order. */
export const RFM_SEGMENTS: readonly RfmSegmentDef[] = [
  seg("important_value", true, true, true, "Important value", "重要价值客户"),
  seg("important_development", true, false, true, "Important development", "重要发展客户"),
  seg("important_retention", false, true, true, "Important retention", "重要保持客户"),
  seg("important_winback", false, false, true, "Important win-back", "重要挽留客户"),
  seg("general_value", true, true, false, "General value", "一般价值客户"),
  seg("general_development", true, false, false, "General development", "一般发展客户"),
  seg("general_retention", false, true, false, "General retention", "一般保持客户"),
  seg("general_winback", false, false, false, "General win-back", "一般挽留客户"),
];

/** The segment of a customer with these flags. */
export function segmentOf(flags: RfmFlags): RfmSegmentId {
  const found = RFM_SEGMENTS.find(
    (s) =>
      s.recencyHigh === flags.recencyHigh &&
      s.frequencyHigh === flags.frequencyHigh &&
      s.monetaryHigh === flags.monetaryHigh,
  );
  // The 8 definitions cover all 2³ flag combinations.
  return (found ?? (RFM_SEGMENTS[7] as RfmSegmentDef)).id;
}

/** Local days of the current and the previous RFM windows (365 days ending each Sunday). */
export interface RfmWindows {
  readonly currentStart: IsoDate;
  readonly currentEnd: IsoDate;
  readonly previousStart: IsoDate;
  readonly previousEnd: IsoDate;
}

/** The windows of a weekly report: ending its Sunday, and the Sunday before. */
export function rfmWindows(period: Period): RfmWindows {
  const currentEnd = period.end;
  const previousEnd = addDays(currentEnd, -7);
  return {
    currentStart: addDays(currentEnd, 1 - RFM_WINDOW_DAYS),
    currentEnd,
    previousStart: addDays(previousEnd, 1 - RFM_WINDOW_DAYS),
    previousEnd,
  };
}

/** Configured cut-offs that replace the medians (each optional). */
export interface RfmCutoffs {
  readonly recencyDays?: number;
  readonly frequency?: number;
  readonly monetary?: number;
}

/** The population medians of one window (exact; .5 for the mean of two middle values). */
export interface RfmMedians {
  readonly recencyDays: number;
  readonly frequency: number;
  readonly monetary: number;
}

/** Count and revenue of one segment this week and the week before. */
export interface RfmSegmentRow {
  readonly segment: RfmSegmentId;
  readonly customers: number;
  readonly revenue: number;
  readonly previousCustomers: number;
  readonly previousRevenue: number;
  /** customers − previousCustomers. */
  readonly change: number;
}

/** `none` stands for "no paid order in that window" (a new or a lapsed customer). */
export type RfmMigrationKey = RfmSegmentId | "none";

/** One cell of the migration matrix: customers that moved from a segment to another. */
export interface RfmMigration {
  readonly from: RfmMigrationKey;
  readonly to: RfmMigrationKey;
  readonly customers: number;
}

/** What the weekly report shows for RFM (`details.rfm`). */
export interface RfmSummary {
  readonly windows: RfmWindows;
  /** Customers of the current window; the segments' counts add up to it. */
  readonly customers: number;
  readonly previousCustomers: number;
  /** The 8 segments, in the spec's order. */
  readonly segments: readonly RfmSegmentRow[];
  /** Non-empty cells of the matrix previous week → this week, `none` for absent. */
  readonly migration: readonly RfmMigration[];
  readonly medians: { readonly current: RfmMedians | null; readonly previous: RfmMedians | null };
  /** The configured cut-offs used instead of medians, if any. */
  readonly cutoffs: RfmCutoffs;
}

/** The parameters of `rfm_segments.sql` that come from the configured cut-offs. */
export function rfmCutoffParams(cutoffs: RfmCutoffs | undefined): Record<string, number> {
  const flag = (value: number | undefined) => (value === undefined ? 0 : 1);
  return {
    use_recency_cutoff: flag(cutoffs?.recencyDays),
    recency_cutoff_days: cutoffs?.recencyDays ?? 0,
    use_frequency_cutoff: flag(cutoffs?.frequency),
    frequency_cutoff: cutoffs?.frequency ?? 0,
    use_monetary_cutoff: flag(cutoffs?.monetary),
    monetary_cutoff: cutoffs?.monetary ?? 0,
  };
}

/** Turns the rows of `rfm_segments.sql` into the weekly RFM summary. */
export function summarizeRfm(
  rows: readonly Row[],
  windows: RfmWindows,
  cutoffs: RfmCutoffs = {},
): RfmSummary {
  const current = new Map<RfmSegmentId, { customers: number; cents: number }>();
  const previous = new Map<RfmSegmentId, { customers: number; cents: number }>();
  const migration = new Map<string, RfmMigration>();
  const add = (
    into: Map<RfmSegmentId, { customers: number; cents: number }>,
    id: RfmSegmentId,
    customers: number,
    cents: number,
  ) => {
    const cell = into.get(id) ?? { customers: 0, cents: 0 };
    into.set(id, { customers: cell.customers + customers, cents: cell.cents + cents });
  };
  for (const row of rows) {
    const customers = count(row, "customers");
    const from = flagsCell(row, "previous");
    const to = flagsCell(row, "current");
    const fromKey: RfmMigrationKey = from ? segmentOf(from) : "none";
    const toKey: RfmMigrationKey = to ? segmentOf(to) : "none";
    if (to && toKey !== "none") add(current, toKey, customers, cents(row, "current_revenue"));
    if (from && fromKey !== "none") {
      add(previous, fromKey, customers, cents(row, "previous_revenue"));
    }
    const key = `${fromKey}>${toKey}`;
    const cell = migration.get(key);
    migration.set(key, {
      from: fromKey,
      to: toKey,
      customers: (cell?.customers ?? 0) + customers,
    });
  }
  const first = rows[0];
  const segments = RFM_SEGMENTS.map(({ id }) => {
    const now = current.get(id) ?? { customers: 0, cents: 0 };
    const before = previous.get(id) ?? { customers: 0, cents: 0 };
    return {
      segment: id,
      customers: now.customers,
      revenue: now.cents / 100,
      previousCustomers: before.customers,
      previousRevenue: before.cents / 100,
      change: now.customers - before.customers,
    };
  });
  const order = (key: RfmMigrationKey) =>
    key === "none" ? RFM_SEGMENTS.length : RFM_SEGMENTS.findIndex((s) => s.id === key);
  return {
    windows,
    customers: first ? count(first, "current_customers") : 0,
    previousCustomers: first ? count(first, "previous_customers") : 0,
    segments,
    migration: [...migration.values()].sort(
      (a, b) => order(a.from) - order(b.from) || order(a.to) - order(b.to),
    ),
    medians: {
      current: first ? mediansCell(first, "current") : null,
      previous: first ? mediansCell(first, "previous") : null,
    },
    cutoffs,
  };
}

// ---------------------------------------------------------------------------------------
// Lifecycle layers

/** Local days the lifecycle layers look at, for a reference day D (the week's Sunday). */
export interface LifecycleWindows {
  /** "The last 7 days": D-6 … D (new users signed up then; active users were active then). */
  readonly weekStart: IsoDate;
  /** "The last 30 days": D-29 … D. */
  readonly monthStart: IsoDate;
  /** "The 90 days ending D": D-89 … D. */
  readonly quarterStart: IsoDate;
  readonly end: IsoDate;
}

/** Lifecycle windows of the report's Sunday and of the Sunday before (for the change). */
export function lifecycleWindows(period: Period): {
  readonly current: LifecycleWindows;
  readonly previous: LifecycleWindows;
  /** First local day the query reads: the previous quarter, or the signup lookback of its week. */
  readonly eventsStart: IsoDate;
} {
  const windowsEnding = (end: IsoDate): LifecycleWindows => ({
    weekStart: addDays(end, -6),
    monthStart: addDays(end, -29),
    quarterStart: addDays(end, -89),
    end,
  });
  const current = windowsEnding(period.end);
  const previous = windowsEnding(addDays(period.end, -7));
  const lookback = addDays(previous.weekStart, -SIGNUP_LOOKBACK_DAYS);
  return {
    current,
    previous,
    eventsStart: [lookback, previous.quarterStart].toSorted()[0] as IsoDate,
  };
}

export const LIFECYCLE_LAYERS = ["new", "active", "dormant", "churned", "high_value"] as const;
export type LifecycleLayer = (typeof LIFECYCLE_LAYERS)[number];

/** One layer this week and the week before (`details.lifecycle`). */
export interface LifecycleRow {
  readonly layer: LifecycleLayer;
  readonly users: number;
  readonly previousUsers: number;
  readonly change: number;
}

/**
 * The lifecycle layers from the single row of `lifecycle_layers.sql` and the RFM summary
 * (high value = the "important value" segment, this week and the week before).
 */
export function summarizeLifecycle(row: Row | undefined, rfm: RfmSummary): LifecycleRow[] {
  const importantValue = rfm.segments.find((s) => s.segment === "important_value");
  return LIFECYCLE_LAYERS.map((layer) => {
    const users =
      layer === "high_value"
        ? (importantValue?.customers ?? 0)
        : row
          ? count(row, `current_${layer}`)
          : 0;
    const previousUsers =
      layer === "high_value"
        ? (importantValue?.previousCustomers ?? 0)
        : row
          ? count(row, `previous_${layer}`)
          : 0;
    return { layer, users, previousUsers, change: users - previousUsers };
  });
}

// ---------------------------------------------------------------------------------------
// Cells

function seg(
  id: RfmSegmentId,
  recencyHigh: boolean,
  frequencyHigh: boolean,
  monetaryHigh: boolean,
  en: string,
  zh: string,
): RfmSegmentDef {
  return { id, recencyHigh, frequencyHigh, monetaryHigh, label: { en, "zh-CN": zh } };
}

function count(row: Row, column: string): number {
  return countCell(row, column, "RFM row");
}

function cents(row: Row, column: string): number {
  return centsCell(row, column, "RFM row");
}

/** The three flags of one window, or null when the row's customers were absent from it. */
function flagsCell(row: Row, window: "current" | "previous"): RfmFlags | null {
  const flag = (name: string): boolean | null => {
    const cell = row[`${window}_${name}_high`];
    if (cell === null || cell === undefined) return null;
    return Number(cell) === 1;
  };
  const recency = flag("recency");
  const frequency = flag("frequency");
  const monetary = flag("monetary");
  if (recency === null || frequency === null || monetary === null) return null;
  return { recencyHigh: recency, frequencyHigh: frequency, monetaryHigh: monetary };
}

function mediansCell(row: Row, window: "current" | "previous"): RfmMedians | null {
  const half = (name: string): number | null => {
    const cell = row[`${window}_${name}_median_x2`];
    return cell === null || cell === undefined ? null : Number(cell) / 2;
  };
  const recencyDays = half("recency");
  const frequency = half("frequency");
  const monetary = half("monetary");
  if (recencyDays === null || frequency === null || monetary === null) return null;
  return { recencyDays, frequency, monetary };
}
