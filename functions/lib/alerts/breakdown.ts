/**
 * The channel breakdown of an alert email: activity by channel in the alert's period and in
 * the period before, from `queries/alert_breakdown.sql`, ranked so that the channel that
 * moved most comes first.
 *
 * A KPI such as retention cannot be split by channel with one generic query, so the email
 * shows the activity measure closest to the metric (active users for user KPIs, GMV for
 * revenue KPIs, …): enough for on-call to see where a change came from.
 */
import { KNOWN_EVENT_TYPES } from "../kpi/efficiency.ts";
import { metric as metricDef, type Section } from "../kpi/registry.ts";
import { type Period, periodWindow, previousPeriod } from "../kpi/windows.ts";
import type { QueryEngine, QueryStats, Row } from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";

export const BREAKDOWN_QUERY = "alert_breakdown";

export const MEASURES = ["active_users", "new_users", "events", "paid_orders", "gmv"] as const;
export type Measure = (typeof MEASURES)[number];

/** One channel's measures in the two periods. */
export type ChannelActivity = { readonly channel: string } & Readonly<
  Record<`${Measure}_current` | `${Measure}_previous`, number>
>;

/** A channel's movement in the chosen measure. */
export interface ChannelMove {
  readonly channel: string;
  readonly current: number;
  readonly previous: number;
  readonly change: number;
  /** change / previous; null when the previous value is 0. */
  readonly relative: number | null;
}

/** The breakdown shown in an alert email. */
export interface ChannelBreakdown {
  readonly measure: Measure;
  /** Largest absolute change first. */
  readonly channels: readonly ChannelMove[];
}

const BY_SECTION: Readonly<Record<Section, Measure>> = {
  users: "active_users",
  orders: "gmv",
  segments: "active_users",
  content: "events",
  campaigns: "gmv",
  efficiency: "events",
};

const BY_METRIC: Readonly<Record<string, Measure>> = {
  new_users: "new_users",
  orders: "paid_orders",
  paying_users: "paid_orders",
  repurchase_rate: "paid_orders",
  first_order_conversion: "new_users",
  participants: "active_users",
  campaign_conversion: "paid_orders",
  data_freshness_minutes: "events",
  data_quality: "events",
};

/** The measure shown for a metric's breakdown. */
export function measureFor(metricId: string): Measure {
  return BY_METRIC[metricId] ?? BY_SECTION[metricDef(metricId).section];
}

/** Ranks channels by the absolute change of `measure`, largest first (ties by name). */
export function rankChannels(rows: readonly ChannelActivity[], measure: Measure): ChannelBreakdown {
  const channels = rows
    .map((row) => {
      const current = row[`${measure}_current`];
      const previous = row[`${measure}_previous`];
      const change = current - previous;
      return {
        channel: row.channel,
        current,
        previous,
        change,
        relative: previous === 0 ? null : change / previous,
      };
    })
    .filter((move) => move.current !== 0 || move.previous !== 0)
    .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.channel.localeCompare(b.channel));
  return { measure, channels };
}

/** Runs the breakdown query for `period` and the period before it. */
export async function queryChannelActivity(
  engine: QueryEngine,
  catalog: QueryCatalog,
  period: Period,
): Promise<{ rows: ChannelActivity[]; stats: QueryStats }> {
  const current = periodWindow(period);
  const previous = periodWindow(previousPeriod(period));
  const result = await engine.run(catalog.get(BREAKDOWN_QUERY), {
    current_from: current.fromUtc,
    current_to: current.toUtc,
    previous_from: previous.fromUtc,
    partitions: [...new Set([...previous.partitions, ...current.partitions])].sort(),
    event_types: KNOWN_EVENT_TYPES,
  });
  return { rows: result.rows.map(toActivity), stats: result.stats };
}

function toActivity(row: Row): ChannelActivity {
  const activity: Record<string, string | number> = { channel: String(row.channel ?? "unknown") };
  for (const measure of MEASURES) {
    for (const side of ["current", "previous"] as const) {
      // Decimal sums arrive as exact strings; a display needs no more than a double.
      activity[`${measure}_${side}`] = Number(row[`${measure}_${side}`] ?? 0);
    }
  }
  return activity as ChannelActivity;
}
