/**
 * The efficiency and data-operations module (daily and weekly). Three queries: the events
 * of the period and of the freshness look-back (one scan), the orders of the period (one
 * scan), and the campaigns and content dimensions (costs). MAU for users per ops head comes
 * from the users module of the same run (`context.computed.mau`), not from another scan.
 */
import {
  efficiencyKpis,
  freshnessFrom,
  KNOWN_EVENT_TYPES,
  KNOWN_ORDER_STATUSES,
} from "../../kpi/efficiency.ts";
import { partitionsFor, periodWindow } from "../../kpi/windows.ts";
import type { KpiModule } from "../modules.ts";

/**
 * Efficiency (daily and weekly). Details: `efficiency` (an
 * {@link import("../../kpi/efficiency.ts").EfficiencyDetails}: data-quality failure counts
 * per table and reason, newest event, messages, cost parts, revenue, MAU and headcount).
 */
export const efficiencyModule: KpiModule = {
  id: "efficiency",
  periods: ["day", "week"],
  reads: ["events", "orders", "campaigns", "content"],
  async compute({ engine, catalog, period, settings, now, computed }) {
    const bounds = periodWindow(period);
    const lookbackFrom = freshnessFrom(now);
    // The period's partitions and the look-back's, which are far apart in a backfill.
    const lookback = partitionsFor(lookbackFrom, new Date(now.getTime() + 1));
    const eventPartitions = [...new Set([...bounds.partitions, ...lookback])].sort();
    const eventsResult = await engine.run(catalog.get("efficiency_events"), {
      event_partitions: eventPartitions,
      period_from: bounds.fromUtc,
      period_to: bounds.toUtc,
      freshness_from: lookbackFrom,
      run_time: now,
      event_types: KNOWN_EVENT_TYPES,
    });
    const ordersResult = await engine.run(catalog.get("efficiency_orders"), {
      orders_dt_from: bounds.partitions[0] ?? "",
      orders_dt_to: bounds.partitions.at(-1) ?? "",
      period_from: bounds.fromUtc,
      period_to: bounds.toUtc,
      run_time: now,
      order_statuses: KNOWN_ORDER_STATUSES,
    });
    const costsResult = await engine.run(catalog.get("efficiency_costs"), {
      period_start: period.start,
      period_end: period.end,
      period_from: bounds.fromUtc,
      period_to: bounds.toUtc,
    });
    const [events] = eventsResult.rows;
    const [orders] = ordersResult.rows;
    if (!events || !orders) {
      throw new Error("efficiency_events and efficiency_orders must each return one row.");
    }
    const { values, details } = efficiencyKpis(
      {
        events,
        orders,
        costs: costsResult.rows,
        now,
        mau: computed?.mau?.value ?? null,
      },
      period,
      settings,
    );
    return {
      values,
      details: { efficiency: details },
      stats: [eventsResult.stats, ordersResult.stats, costsResult.stats],
    };
  },
};
