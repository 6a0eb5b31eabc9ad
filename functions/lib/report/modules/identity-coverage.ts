/**
 * The efficiency module's identity coverage (docs/identity.md): one query,
 * `identity_coverage_days.sql`, over the period's days of the `identity_day` and
 * `order_identity_day` rollups (`identity_coverage.sql` gives the same from the raw events
 * and orders), and the email's table of its parts (active ids and paid orders, each mapped
 * or not).
 */
import { KNOWN_EVENT_TYPES } from "../../kpi/efficiency.ts";
import { type IdentityCoverageCounts, identityCoverage } from "../../kpi/identity-coverage.ts";
import type { KpiSettings, MetricValue } from "../../kpi/values.ts";
import type { Period, UtcWindow } from "../../kpi/windows.ts";
import type { QueryEngine } from "../../ports.ts";
import type { QueryCatalog } from "../../query/catalog.ts";
import type { QueryStats } from "../../query/result.ts";
import { queryOverRollups, type RollupContext } from "../../rollups/refresh.ts";
import type { DetailTable } from "../details.ts";

/** Runs the coverage query for a period over its raw events and orders; its value, counts and cost. */
export async function identityCoverageOf(
  engine: QueryEngine,
  catalog: QueryCatalog,
  bounds: UtcWindow,
  settings: Pick<KpiSettings, "minSample" | "metricMinSamples">,
): Promise<{
  readonly value: MetricValue;
  readonly counts: IdentityCoverageCounts;
  readonly stats: QueryStats;
}> {
  const result = await engine.run(catalog.get("identity_coverage"), {
    events_dts: bounds.partitions,
    orders_dts: bounds.partitions,
    period_from: bounds.fromUtc,
    period_to: bounds.toUtc,
    event_types: KNOWN_EVENT_TYPES,
  });
  const counts = coverageCounts(result.rows[0]);
  return { value: identityCoverage(counts, settings), counts, stats: result.stats };
}

/**
 * The coverage of a period from its days of the `identity_day` and `order_identity_day`
 * rollups (built first when missing or stale): what {@link identityCoverageOf} gives from
 * the raw events and orders; the efficiency module's path.
 */
export async function identityCoverageFromRollups(
  context: RollupContext,
  period: Period,
  settings: Pick<KpiSettings, "minSample" | "metricMinSamples">,
): Promise<{
  readonly value: MetricValue;
  readonly counts: IdentityCoverageCounts;
  readonly stats: readonly QueryStats[];
}> {
  const days = { from: period.start, to: period.end };
  const prepared = await queryOverRollups(context, "identity_coverage_days", {
    identity_day: days,
    order_identity_day: days,
  });
  const result = await context.engine.run(prepared.query, {
    first_day: period.start,
    last_day: period.end,
  });
  const counts = coverageCounts(result.rows[0]);
  return {
    value: identityCoverage(counts, settings),
    counts,
    stats: [...prepared.stats, result.stats],
  };
}

/** The counts of a row of `identity_coverage.sql` or `identity_coverage_days.sql`. */
function coverageCounts(
  row: Readonly<Record<string, unknown>> | undefined,
): IdentityCoverageCounts {
  const count = (name: string) => Number(row?.[name] ?? 0);
  return {
    mappingRows: count("mapping_rows"),
    activeIds: count("active_ids"),
    mappedActiveIds: count("mapped_active_ids"),
    paidOrders: count("paid_orders"),
    mappedPaidOrders: count("mapped_paid_orders"),
  };
}

/** The email's table of the coverage's parts; none without a map. */
export function identityCoverageTable(counts: IdentityCoverageCounts): Record<string, DetailTable> {
  if (counts.mappingRows === 0) return {};
  return {
    identity_coverage_parts: {
      section: "efficiency",
      title: {
        en: "Identity coverage: ids and orders mapped to a person",
        "zh-CN": "统一身份覆盖：已映射到用户的 ID 与订单",
      },
      columns: [
        { key: "label", label: { en: "Records", "zh-CN": "记录" } },
        { key: "mapped", label: { en: "Mapped", "zh-CN": "已映射" }, unit: "count" },
        { key: "all", label: { en: "All", "zh-CN": "全部" }, unit: "count" },
      ],
      rows: [
        {
          part: "active_ids",
          label: { en: "Active ids", "zh-CN": "活跃 ID" },
          mapped: counts.mappedActiveIds,
          all: counts.activeIds,
        },
        {
          part: "paid_orders",
          label: { en: "Paid orders", "zh-CN": "支付订单" },
          mapped: counts.mappedPaidOrders,
          all: counts.paidOrders,
        },
      ],
    },
  };
}
