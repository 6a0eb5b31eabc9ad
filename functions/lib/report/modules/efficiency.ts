/**
 * The efficiency and data-operations module (daily and weekly). Three queries: the events
 * (data quality of the period; freshness: the look-back's whole local days from the
 * `event_profile` rollup, the run's local day so far raw), the orders of the period, and
 * the campaigns and content dimensions (costs). A period over at the run reads its data
 * quality from the `event_quality_day` and `order_quality_day` rollups and its paid orders
 * from `order_day` (`efficiency_*_days.sql`); a period not over reads the raw records. MAU for users per ops head comes from the users
 * module of the same run (`context.computed.mau`), not from another scan.
 */
import {
  type EfficiencyDetails,
  EVENT_FAILURE_REASONS,
  efficiencyKpis,
  freshnessFrom,
  KNOWN_EVENT_TYPES,
  KNOWN_ORDER_STATUSES,
  ORDER_FAILURE_REASONS,
} from "../../kpi/efficiency.ts";
import { IDENTITY_COVERAGE } from "../../kpi/identity-coverage.ts";
import { periodReadWindows } from "../../kpi/read-windows.ts";
import {
  addDays,
  localDateOf,
  localMidnightUtc,
  partitionsFor,
  periodWindow,
} from "../../kpi/windows.ts";
import { queryOverRollups } from "../../rollups/refresh.ts";
import type { DetailTable } from "../details.ts";
import type { KpiModule } from "../modules.ts";
import { identityCoverageFromRollups, identityCoverageTable } from "./identity-coverage.ts";

const REASON_LABELS: Readonly<Record<string, { en: string; "zh-CN": string }>> = {
  missing_id: { en: "No id", "zh-CN": "缺少 ID" },
  null_user: { en: "No user", "zh-CN": "缺少用户" },
  unknown_type: { en: "Unknown event type", "zh-CN": "未知事件类型" },
  negative_amount: { en: "Negative amount", "zh-CN": "金额为负" },
  unknown_status: { en: "Unknown order status", "zh-CN": "未知订单状态" },
  future: { en: "In the future", "zh-CN": "时间晚于运行时间" },
  duplicate: { en: "Duplicate", "zh-CN": "重复" },
};

/** The email's tables: failed records by reason, and the parts of the ops cost ratio. */
export function efficiencyTables(details: EfficiencyDetails): Record<string, DetailTable> {
  const { events, orders } = details.dataQuality;
  const reasons = [...new Set([...EVENT_FAILURE_REASONS, ...ORDER_FAILURE_REASONS])];
  return {
    data_quality_failures: {
      section: "efficiency",
      title: {
        en: "Data quality: records failing validation",
        "zh-CN": "数据质量：未通过校验的记录",
      },
      columns: [
        { key: "label", label: { en: "Reason", "zh-CN": "原因" } },
        { key: "events", label: { en: "Events", "zh-CN": "事件" }, unit: "count" },
        { key: "orders", label: { en: "Order records", "zh-CN": "订单记录" }, unit: "count" },
      ],
      rows: [
        ...reasons.map((reason) => ({
          reason,
          label: REASON_LABELS[reason] ?? reason,
          events: events.failures[reason] ?? null,
          orders: orders.failures[reason] ?? null,
        })),
        {
          reason: "records",
          label: { en: "Records in the period", "zh-CN": "本期记录数" },
          events: events.records,
          orders: orders.records,
        },
      ],
    },
    ops_costs: {
      section: "efficiency",
      title: { en: "Operations cost of the period", "zh-CN": "本期运营成本" },
      columns: [
        { key: "label", label: { en: "Part", "zh-CN": "项目" } },
        { key: "amount", label: { en: "Amount", "zh-CN": "金额" }, unit: "money" },
      ],
      rows: [
        {
          part: "campaigns",
          label: { en: "Campaigns (spread over their days)", "zh-CN": "活动（按天分摊）" },
          amount: details.costs.campaigns,
        },
        {
          part: "content",
          label: { en: "Content published", "zh-CN": "已发布内容" },
          amount: details.costs.content,
        },
        {
          part: "team",
          label: { en: "Team (monthly cost by day)", "zh-CN": "团队（月成本按天分摊）" },
          amount: details.costs.team,
        },
        { part: "total", label: { en: "Total", "zh-CN": "合计" }, amount: details.costs.total },
        { part: "revenue", label: { en: "Revenue", "zh-CN": "收入" }, amount: details.revenue },
      ],
    },
  };
}

/**
 * Efficiency (daily and weekly). Details: `efficiency` (an
 * {@link import("../../kpi/efficiency.ts").EfficiencyDetails}: data-quality failure counts
 * per table and reason, newest event, messages, cost parts, revenue, MAU and headcount).
 */
export const efficiencyModule: KpiModule = {
  id: "efficiency",
  periods: ["day", "week"],
  reads: ["events", "orders", "campaigns", "content", "identities"],
  readWindows: periodReadWindows,
  async compute({ engine, catalog, period, settings, now, asOf = now, computed }) {
    const bounds = periodWindow(period);
    // Freshness is measured as of `asOf` (a re-run: the period's scheduled run time).
    const lookbackFrom = freshnessFrom(asOf);
    // The look-back (a week) up to the run's local day comes from the event_profile rollup,
    // whose days are wholly before the run; the run's local day so far is read raw.
    const runDay = localDateOf(asOf, period.timeZone);
    const rawLookbackFrom = new Date(
      Math.max(lookbackFrom.getTime(), localMidnightUtc(runDay, period.timeZone).getTime()),
    );
    const profiled = { from: localDateOf(lookbackFrom, period.timeZone), to: addDays(runDay, -1) };
    // The period's partitions and the raw look-back's, which are far apart in a backfill.
    const lookback = partitionsFor(rawLookbackFrom, new Date(asOf.getTime() + 1));
    const eventPartitions = [...new Set([...bounds.partitions, ...lookback])].sort();
    const context = { engine, catalog, timeZone: period.timeZone, settings, now };
    const freshness = {
      freshness_from: lookbackFrom,
      profile_first_day: profiled.from,
      profile_last_day: profiled.to,
      raw_freshness_from: rawLookbackFrom,
      freshness_to: asOf,
      event_types: KNOWN_EVENT_TYPES,
    };
    // A period over at the run reads its data quality from the day rollups; a period not
    // over (records in the future of the run, a day still being written) reads it raw.
    const over = now.getTime() >= bounds.toUtc.getTime();
    const days = { from: period.start, to: period.end };
    const prepared = over
      ? await queryOverRollups(context, "efficiency_events_days", {
          event_profile: profiled,
          event_quality_day: days,
        })
      : await queryOverRollups(context, "efficiency_events", { event_profile: profiled });
    const eventsResult = await engine.run(
      prepared.query,
      over
        ? {
            ...freshness,
            quality_first_day: period.start,
            quality_last_day: period.end,
            freshness_partitions: lookback,
          }
        : {
            ...freshness,
            event_partitions: eventPartitions,
            period_from: bounds.fromUtc,
            period_to: bounds.toUtc,
            run_time: now,
          },
    );
    const preparedOrders = over
      ? await queryOverRollups(context, "efficiency_orders_days", {
          order_quality_day: days,
          order_day: days,
        })
      : { query: catalog.get("efficiency_orders"), stats: [] };
    const ordersResult = await engine.run(preparedOrders.query, {
      ...(over
        ? { first_day: period.start, last_day: period.end }
        : {
            orders_dt_from: bounds.partitions[0] ?? "",
            orders_dt_to: bounds.partitions.at(-1) ?? "",
            order_statuses: KNOWN_ORDER_STATUSES,
          }),
      period_from: bounds.fromUtc,
      period_to: bounds.toUtc,
      run_time: now,
    });
    const costsResult = await engine.run(catalog.get("efficiency_costs"), {
      period_start: period.start,
      period_end: period.end,
      period_from: bounds.fromUtc,
      period_to: bounds.toUtc,
    });
    const coverage = await identityCoverageFromRollups(context, period, settings);
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
        now: asOf,
        mau: computed?.mau?.value ?? null,
      },
      period,
      settings,
    );
    return {
      values: { ...values, [IDENTITY_COVERAGE]: coverage.value },
      details: {
        efficiency: details,
        ...efficiencyTables(details),
        ...identityCoverageTable(coverage.counts),
      },
      stats: [
        ...prepared.stats,
        eventsResult.stats,
        ...preparedOrders.stats,
        ordersResult.stats,
        costsResult.stats,
        ...coverage.stats,
      ],
    };
  },
};
