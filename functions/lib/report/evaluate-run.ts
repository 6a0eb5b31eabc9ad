/**
 * The evaluate stage of a report run: every computed metric judged against its target,
 * report-wide and per scope, with its deltas to the stored earlier periods (pure).
 */
import type { OpsConfig } from "../config/load.ts";
import { hasFullBaseline } from "../kpi/baseline.ts";
import type { CampaignSnapshot } from "../kpi/campaigns.ts";
import type { CompletenessIssue } from "../kpi/completeness.ts";
import {
  type CampaignPace,
  type Comparison,
  type EvaluatedMetric,
  elapsedShareOfMonth,
  evaluate,
} from "../kpi/evaluate.ts";
import { incompleteTablesOf } from "../kpi/read-windows.ts";
import { isMetricId, METRICS, type MetricDef, metric, metricForPeriod } from "../kpi/registry.ts";
import type { MetricValue } from "../kpi/values.ts";
import {
  daysBetween,
  type IsoDate,
  type Period,
  periodContaining,
  previousPeriod,
  sameDayOfPreviousMonth,
  samePeriodLastYear,
} from "../kpi/windows.ts";
import type { SnapshotDocument } from "../ports.ts";
import type { ComputedKpis } from "./compute.ts";
import type { EvaluatedRun } from "./run-record.ts";
import { type ReportSnapshot, storedValue } from "./snapshot.ts";

/** The stored snapshots a run compares with. */
export interface StoredComparisons {
  readonly previous: SnapshotDocument | undefined;
  readonly yearEarlier: SnapshotDocument | undefined;
  /**
   * The lake's first full local day in the period's zone (undefined: unknown): a comparison
   * period whose window starts before it is no full baseline (`kpi/baseline.ts`).
   */
  readonly lakeFirstDay?: IsoDate;
}

/**
 * Status and deltas of every computed metric, report-wide and per scope, in registry order.
 * A metric is `data_incomplete` when its module reads a table with an issue of the period
 * (every table, when the module declared none), or when a partition inside one of its own
 * windows is missing or thin (`incompleteTablesOf`).
 */
export function evaluateAll(
  computed: ComputedKpis,
  stored: StoredComparisons,
  period: Period,
  config: OpsConfig,
  issues: readonly CompletenessIssue[],
): EvaluatedRun {
  const monthShare = elapsedShareOfMonth(period.end);
  const previousMonthSameDay = periodContaining(
    "day",
    sameDayOfPreviousMonth(period.end),
    period.timeZone,
  );
  const comparisonPeriods = (def: MetricDef): Record<Comparison, Period> => ({
    // A month-to-date value compares with the same day of the previous month.
    previous:
      def.targetBasis === "monthly_prorated" ? previousMonthSameDay : previousPeriod(period),
    yearEarlier: samePeriodLastYear(period),
  });
  const cutComparisons = (def: MetricDef): Comparison[] => {
    const periods = comparisonPeriods(def);
    return (["previous", "yearEarlier"] as const).filter(
      (comparison) => !hasFullBaseline(def.id, periods[comparison], stored.lakeFirstDay),
    );
  };
  const incompleteInputs = (id: string): string[] =>
    incompleteTablesOf(issues, computed.inputs[id], computed.windows[id], period.timeZone);
  const judge = (
    values: Readonly<Record<string, MetricValue>>,
    previousOf: (id: string) => number | null,
    yearEarlierOf: (id: string) => number | null,
    campaign?: CampaignPace,
  ): EvaluatedMetric[] =>
    METRICS.filter((def) => values[def.id] !== undefined).map((def) => {
      const value = values[def.id] as MetricValue;
      const target = config.targets[def.id];
      const unreliable = incompleteInputs(def.id);
      const cut = cutComparisons(def);
      return {
        def: metricForPeriod(def, period.kind),
        value,
        evaluation: evaluate({
          metric: def,
          value,
          ...(target ? { target } : {}),
          // A month-to-date value brings its own comparison: the same day of last month.
          previous:
            def.targetBasis === "monthly_prorated"
              ? (value.sameDayPreviousMonth ?? null)
              : previousOf(def.id),
          yearEarlier: yearEarlierOf(def.id),
          monthShare,
          ...(unreliable.length > 0 ? { incompleteInputs: unreliable } : {}),
          ...(cut.length > 0 ? { noFullBaseline: cut } : {}),
          ...(campaign ? { campaign } : {}),
        }),
      };
    });
  const metrics = judge(
    computed.values,
    (id) => storedValue(stored.previous, id),
    (id) => storedValue(stored.yearEarlier, id),
  );
  const scoped: Record<string, EvaluatedMetric[]> = {};
  const paces = campaignPaces(computed.details);
  for (const [scope, values] of Object.entries(computed.scoped)) {
    const scopedValue = (doc: SnapshotDocument | undefined, id: string) => {
      const value = (doc as Partial<ReportSnapshot> | undefined)?.scoped?.[scope]?.[id]?.value;
      return typeof value === "number" ? value : null;
    };
    scoped[scope] = judge(
      values,
      (id) => scopedValue(stored.previous, id),
      (id) => scopedValue(stored.yearEarlier, id),
      paces.get(scope),
    );
  }
  return { metrics, scoped };
}

/**
 * Where each campaign of the run's snapshots stands (campaign id → pace), from the campaigns
 * module's `details.campaigns`: day N of its days while running, the whole in the final one.
 */
export function campaignPaces(
  details: Readonly<Record<string, unknown>>,
): Map<string, CampaignPace> {
  const snapshots = (details.campaigns ?? []) as readonly CampaignSnapshot[];
  return new Map(
    snapshots.map((s) => {
      const days = daysBetween(s.startDate, s.endDate) + 1;
      const elapsedShare = s.final || days <= 0 ? 1 : Math.min(1, s.campaignDay / days);
      return [s.campaignId, { elapsedShare, final: s.final }];
    }),
  );
}

/** Fails on a metric id a module returned that the registry does not know. */
export function assertKnownMetrics(computed: ComputedKpis): void {
  const ids = [
    ...Object.keys(computed.values),
    ...Object.values(computed.scoped).flatMap((v) => Object.keys(v)),
  ];
  for (const id of ids) {
    if (!isMetricId(id)) {
      throw new Error(
        `A KPI module returned the unknown metric "${id}": add it to functions/lib/kpi/registry.ts.`,
      );
    }
    metric(id);
  }
}
