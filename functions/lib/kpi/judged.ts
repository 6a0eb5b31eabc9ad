/**
 * A run's judged metrics as plain data: what a summary of the run shows (status, the
 * figure against its target, the change on the previous period), without the registry's
 * definitions, so that it travels as JSON (the ad-hoc Lambda's answer to a chat command)
 * and is read back against the registry. Pure.
 */
import type { EvaluatedMetric, Status } from "./evaluate.ts";
import { type MetricDef, metric, metricForPeriod, type PeriodKind } from "./registry.ts";

/** One judged metric, JSON-safe. */
export interface JudgedMetric {
  /** Registry id. */
  readonly id: string;
  /** The period it was judged for (a weekly report labels some metrics differently). */
  readonly period: PeriodKind;
  readonly status: Status;
  readonly value: number | null;
  /** The number compared with the threshold (the value, or its growth vs a year earlier). */
  readonly measured: number | null;
  readonly threshold: number | null;
  /** Relative change on the previous period; null when there is none. */
  readonly vsPrevious: number | null;
}

/** The plain form of a run's evaluated metrics, in their order. */
export function judgedMetrics(
  metrics: readonly EvaluatedMetric[],
  period: PeriodKind,
): JudgedMetric[] {
  return metrics.map((m) => ({
    id: m.def.id,
    period,
    status: m.evaluation.status,
    value: m.evaluation.value,
    measured: m.evaluation.measured,
    threshold: m.evaluation.threshold,
    vsPrevious: m.evaluation.vsPrevious?.relative ?? null,
  }));
}

/** The registry's definition of a judged metric, as its period's report shows it. */
export function judgedDef(judged: Pick<JudgedMetric, "id" | "period">): MetricDef {
  return metricForPeriod(metric(judged.id), judged.period);
}
