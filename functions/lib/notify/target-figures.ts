/**
 * A metric's measured value and target as an alert shows them: growth targets as signed
 * percentages, others in the metric's unit, and the comparator its direction implies.
 */
import type { MetricDef } from "../kpi/registry.ts";
import { EMPTY_VALUE, type ValueFormatter } from "../report/email/i18n.ts";

export interface TargetFigures {
  readonly measured: string;
  /** `≥` for a higher-is-better metric, `≤` otherwise. */
  readonly comparator: "≥" | "≤";
  readonly target: string;
}

export function targetFigures(
  def: MetricDef,
  format: ValueFormatter,
  measured: number | null | undefined,
  target: number | null | undefined,
): TargetFigures {
  const growth = def.targetBasis === "yoy_growth";
  const shown = (value: number | null | undefined) =>
    value === null || value === undefined
      ? EMPTY_VALUE
      : growth
        ? format.signedPercent(value)
        : format.value(def.unit, value);
  return {
    measured: shown(measured),
    comparator: def.direction === "higher" ? "≥" : "≤",
    target: shown(target),
  };
}
