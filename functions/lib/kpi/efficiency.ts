/**
 * Efficiency and data-operations KPIs (`shared/kpi-spec.md`): data freshness, data quality,
 * automation rate, ops cost ratio and users per ops head, from the rows of
 * `queries/efficiency_events.sql`, `efficiency_orders.sql` and `efficiency_costs.sql`.
 *
 * Choices the spec leaves open, stated once here:
 * - data_freshness_minutes: whole minutes from the newest event_time at or before the run
 *   to the run; the query looks back {@link FRESHNESS_LOOKBACK_HOURS} hours, and with no
 *   event in that time the value is missing (`no_data`), which the pipeline treats as a
 *   data problem, not as a number;
 * - data_quality: events and order records of the period together (reasons and their
 *   counts per table in the details); a record failing several checks counts once in the
 *   share and once under each reason;
 * - ops_cost_ratio for a period = (pro-rated campaign cost + production cost of the content
 *   published in the period + pro-rated team cost) / revenue of the period's paid orders:
 *   a campaign's whole cost is spread evenly over its local days, and the period carries
 *   the share of the days it overlaps; the monthly team cost is spread evenly over the
 *   days of each month. It needs at least `minSample` paid orders (the sample behind the
 *   revenue);
 * - users_per_ops_head = mau / headcount, with the mau the users module computed in the
 *   same run (no second scan of the events).
 *
 * Pure: no clock, no I/O (the run time comes in as an argument).
 */
import { EVENT_TYPES, ORDER_STATUSES } from "../contract/schema.ts";
import { centsCell, countCell } from "./cells.ts";
import type { Row } from "./values.ts";
import { type KpiSettings, type MetricValue, minSampleFor, ratio } from "./values.ts";
import { addDays, dateRange, daysBetween, type IsoDate, type Period } from "./windows.ts";

/** How far before the run the freshness query looks for the newest event. */
export const FRESHNESS_LOOKBACK_HOURS = 7 * 24;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export const KNOWN_EVENT_TYPES: readonly string[] = EVENT_TYPES;
export const KNOWN_ORDER_STATUSES: readonly string[] = ORDER_STATUSES;

export const EVENT_FAILURE_REASONS = [
  "missing_id",
  "null_user",
  "unknown_type",
  "future",
  "duplicate",
] as const;
export const ORDER_FAILURE_REASONS = [
  "missing_id",
  "null_user",
  "negative_amount",
  "unknown_status",
  "future",
  "duplicate",
] as const;

/** The start of the freshness look-back for a run at `now`. */
export function freshnessFrom(now: Date): Date {
  return new Date(now.getTime() - FRESHNESS_LOOKBACK_HOURS * HOUR_MS);
}

/** Data quality of one table: records, passing records, failures by reason. */
export interface TableQuality {
  readonly records: number;
  readonly passing: number;
  readonly failures: Readonly<Record<string, number>>;
}

/** What the reports show beside the efficiency metrics (`details.efficiency`). */
export interface EfficiencyDetails {
  readonly dataQuality: { readonly events: TableQuality; readonly orders: TableQuality };
  /** Newest event_time at or before the run (ISO 8601), or null. */
  readonly newestEventTime: string | null;
  readonly freshnessLookbackHours: number;
  readonly messages: number;
  readonly automatedMessages: number;
  /** Cost parts of the ops cost ratio, in the deployment's currency. */
  readonly costs: {
    readonly campaigns: number;
    readonly content: number;
    readonly team: number;
    readonly total: number;
  };
  readonly revenue: number;
  readonly paidOrders: number;
  /** MAU used for users per ops head (from the users module), or null. */
  readonly mau: number | null;
  readonly opsHeadcount: number;
}

/** Everything the efficiency metrics need, read from the three queries' rows. */
export interface EfficiencyInputs {
  readonly events: Row;
  readonly orders: Row;
  readonly costs: readonly Row[];
  /** The run time (freshness, "not in the future"). */
  readonly now: Date;
  /** MAU of the same period from the users module, when it ran. */
  readonly mau?: number | null;
}

/** Efficiency metric values and details of a period. */
export function efficiencyKpis(
  inputs: EfficiencyInputs,
  period: Period,
  settings: Pick<
    KpiSettings,
    "minSample" | "metricMinSamples" | "teamMonthlyCost" | "opsHeadcount"
  >,
): { values: Record<string, MetricValue>; details: EfficiencyDetails } {
  const events = tableQuality(inputs.events, EVENT_FAILURE_REASONS);
  const orders = tableQuality(inputs.orders, ORDER_FAILURE_REASONS);
  const newestEventTime = nullableText(inputs.events, "newest_event_time");
  const messages = count(inputs.events, "messages");
  const automatedMessages = count(inputs.events, "automated_messages");
  const paidOrders = count(inputs.orders, "paid_orders");
  const revenueCents = cents(inputs.orders, "revenue");
  const costs = opsCosts(inputs.costs, period, settings.teamMonthlyCost);
  const mau = inputs.mau ?? null;

  const freshness: MetricValue =
    newestEventTime === null
      ? { value: null, reason: "no_data" }
      : {
          value: Math.floor((inputs.now.getTime() - Date.parse(newestEventTime)) / MINUTE_MS),
        };
  const opsCostRatio: MetricValue =
    paidOrders < minSampleFor(settings, "ops_cost_ratio") || revenueCents <= 0
      ? {
          value: null,
          reason: "insufficient_sample",
          sample: paidOrders,
          numerator: costs.total,
          denominator: revenueCents / 100,
        }
      : {
          value: costs.total / (revenueCents / 100),
          sample: paidOrders,
          numerator: costs.total,
          denominator: revenueCents / 100,
        };
  const usersPerHead: MetricValue =
    mau === null || settings.opsHeadcount <= 0
      ? { value: null, reason: "no_data" }
      : { value: mau / settings.opsHeadcount, numerator: mau, denominator: settings.opsHeadcount };

  return {
    values: {
      data_freshness_minutes: freshness,
      data_quality: ratio(
        events.passing + orders.passing,
        events.records + orders.records,
        minSampleFor(settings, "data_quality"),
      ),
      automation_rate: ratio(
        automatedMessages,
        messages,
        minSampleFor(settings, "automation_rate"),
      ),
      ops_cost_ratio: opsCostRatio,
      users_per_ops_head: usersPerHead,
    },
    details: {
      dataQuality: { events, orders },
      newestEventTime,
      freshnessLookbackHours: FRESHNESS_LOOKBACK_HOURS,
      messages,
      automatedMessages,
      costs,
      revenue: revenueCents / 100,
      paidOrders,
      mau,
      opsHeadcount: settings.opsHeadcount,
    },
  };
}

/**
 * The costs a period carries: campaigns pro-rated by the share of their local days inside
 * the period, the content published in it, and the team's monthly cost pro-rated by day.
 */
export function opsCosts(
  rows: readonly Row[],
  period: Pick<Period, "start" | "end">,
  teamMonthlyCost: number,
): { campaigns: number; content: number; team: number; total: number } {
  let campaignCost = 0;
  let contentCents = 0;
  for (const row of rows) {
    const kind = row.cost_kind;
    const costCents = cents(row, "cost");
    if (kind === "content") {
      contentCents += costCents;
    } else if (kind === "campaign") {
      const start = String(row.start_date);
      const end = String(row.end_date);
      const campaignDays = daysBetween(start, end) + 1;
      const overlapStart = latest(start, period.start);
      const overlapEnd = earliest(end, period.end);
      const overlapDays = Math.max(0, daysBetween(overlapStart, overlapEnd) + 1);
      if (campaignDays > 0) campaignCost += ((costCents / 100) * overlapDays) / campaignDays;
    } else {
      throw new Error(`efficiency_costs row: unknown cost_kind ${String(kind)}`);
    }
  }
  const team = teamCost(period, teamMonthlyCost);
  const content = contentCents / 100;
  return { campaigns: campaignCost, content, team, total: campaignCost + content + team };
}

/** The monthly team cost spread over the days of each month, summed over the period's days. */
export function teamCost(period: Pick<Period, "start" | "end">, monthlyCost: number): number {
  let total = 0;
  for (const day of dateRange(period.start, period.end)) {
    total += monthlyCost / daysInMonth(day);
  }
  return total;
}

/** The earliest and the latest of some ISO dates (they sort as text). */
function earliest(...dates: IsoDate[]): IsoDate {
  return dates.toSorted()[0] as IsoDate;
}

function latest(...dates: IsoDate[]): IsoDate {
  return dates.toSorted().at(-1) as IsoDate;
}

function daysInMonth(date: IsoDate): number {
  const first = `${date.slice(0, 7)}-01`;
  // 31 days after the 1st is always in the next month.
  return daysBetween(first, `${addDays(first, 31).slice(0, 7)}-01`);
}

function tableQuality(row: Row, reasons: readonly string[]): TableQuality {
  return {
    records: count(row, "records"),
    passing: count(row, "passing_records"),
    failures: Object.fromEntries(reasons.map((reason) => [reason, count(row, reason)])),
  };
}

function count(row: Row, column: string): number {
  return countCell(row, column, "efficiency row");
}

function cents(row: Row, column: string): number {
  return centsCell(row, column, "efficiency row");
}

function nullableText(row: Row, column: string): string | null {
  const cell = row[column];
  return cell === null || cell === undefined ? null : String(cell);
}
