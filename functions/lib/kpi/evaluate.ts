/**
 * Evaluation of metric values against their targets (pure).
 *
 * Each value gets a status — met, warning, breach, insufficient data, no target for the
 * context metrics the plan sets no target for, or data incomplete when a table the metric
 * reads failed the data-completeness gate (never judged, so never a breach) — and its deltas
 * against the previous period and the same period a year earlier, when those values are known. Directions, warning bands
 * and target bases (plain value, year-on-year growth, pro-rated monthly target) come from
 * the metric registry and the resolved targets; nothing here reads config, clock or data.
 */
import type { MetricDef, TargetBasis } from "./registry.ts";
import type { MetricValue } from "./values.ts";

/** A metric of a report: its definition, computed value and evaluation. */
export interface EvaluatedMetric {
  readonly def: MetricDef;
  readonly value: MetricValue;
  readonly evaluation: Evaluation;
}

/** The outcome of comparing one value with its target. */
export type Status =
  | "met"
  | "warning"
  | "breach"
  /** Outside the metric's baseline band, on its watched side (kpi/baseline-band.ts). */
  | "anomaly"
  | "data_incomplete"
  | "insufficient_data"
  | "no_target"
  /** A running campaign's rate or ROI: shown, judged only in its final snapshot. */
  | "tracking";

/** Statuses in the order the email lists them (worst first). */
export const STATUS_ORDER: readonly Status[] = [
  "breach",
  "anomaly",
  "warning",
  "data_incomplete",
  "insufficient_data",
  "met",
  "tracking",
  "no_target",
];

/** The target a metric is judged against, after config overrides of the registry default. */
export interface ResolvedTarget {
  /** The plan's number: a value, a growth rate (`yoy_growth`) or a monthly total. */
  readonly value: number;
  readonly basis: TargetBasis;
  /** Width of the warning band as a share of the target (0.1 = within 10 % of it). */
  readonly warningBand: number;
  /** A ratio whose denominator is below this is insufficient data. */
  readonly minSample: number;
}

/** The part of a computed metric value that evaluation needs (see `MetricValue`). */
export interface ValueToEvaluate {
  readonly value: number | null;
  readonly reason?: string;
  /** Denominator of a ratio, compared with the target's minimum sample. */
  readonly sample?: number;
}

/** A change against a reference value (previous period, or a year earlier). */
export interface Delta {
  readonly reference: number;
  /** value − reference. */
  readonly change: number;
  /** change / |reference|; null when the reference is 0. */
  readonly relative: number | null;
  /** Whether the change is good news given the metric's direction; null when unchanged. */
  readonly improved: boolean | null;
}

/** Why a metric could not be judged. */
export type InsufficientReason =
  | "no_value"
  | "below_min_sample"
  | "no_year_earlier_value"
  | "no_full_baseline"
  | "no_month_share";

/** A comparison a metric has: with the previous period, or with a year earlier. */
export type Comparison = "previous" | "yearEarlier";

/** What evaluation says about one metric. */
export interface Evaluation {
  readonly metricId: string;
  readonly value: number | null;
  readonly status: Status;
  /** Set when the status is `insufficient_data`. */
  readonly insufficientReason?: InsufficientReason;
  /** Set when the status is `data_incomplete`: the incomplete tables the metric reads. */
  readonly incompleteInputs?: readonly string[];
  /** The target used, when the metric has one. */
  readonly target?: ResolvedTarget;
  /**
   * The number compared with the threshold: the value, or its growth vs a year earlier
   * (`yoy_growth`). Null when it could not be computed.
   */
  readonly measured: number | null;
  /** The effective target the measured number is compared with (pro-rated when monthly). */
  readonly threshold: number | null;
  /** The edge of the warning band beyond the threshold (below it when higher is better). */
  readonly warningThreshold: number | null;
  readonly vsPrevious: Delta | null;
  readonly vsYearEarlier: Delta | null;
  /**
   * The comparisons whose value was computed from a window that starts before the lake's
   * first day: shown as "no full baseline", never as a delta (their delta is null).
   */
  readonly noFullBaseline?: readonly Comparison[];
}

/** Everything evaluation needs about one metric. */
export interface EvaluationInput {
  readonly metric: MetricDef;
  readonly value: ValueToEvaluate;
  /** Undefined for a context metric (no target in the plan or in config). */
  readonly target?: ResolvedTarget;
  /** The value of the previous period, from its stored snapshot. */
  readonly previous?: number | null;
  /** The value of the same period a year earlier, from its stored snapshot. */
  readonly yearEarlier?: number | null;
  /**
   * Comparisons whose period's window starts before the lake's first day (see
   * `kpi/baseline.ts`): their value is no baseline, whatever it is.
   */
  readonly noFullBaseline?: readonly Comparison[];
  /**
   * For `monthly_prorated` targets: the elapsed share of the month at the end of the period
   * (see {@link elapsedShareOfMonth}).
   */
  readonly monthShare?: number;
  /**
   * Tables the metric reads whose data for the period failed the completeness gate. When
   * any, the value is not judged: the status is `data_incomplete`, whatever the value.
   */
  readonly incompleteInputs?: readonly string[];
  /**
   * For a per-campaign metric with a registry `pacing`: where its campaign stands. A running
   * campaign's `prorated` metric is compared with the target × `elapsedShare`; its `final`
   * metric is `tracking`. The final snapshot judges both against the whole target.
   */
  readonly campaign?: CampaignPace;
}

/** Where a campaign stands on its snapshot day. */
export interface CampaignPace {
  /** Days covered / the campaign's days (day 3 of 10 → 0.3); 1 in the final snapshot. */
  readonly elapsedShare: number;
  /** The final snapshot, written the day after the campaign ended. */
  readonly final: boolean;
}

/** Float noise allowance, so that a value exactly on a band edge lands on the right side. */
const EDGE_TOLERANCE = 1e-9;

/** Evaluates one metric value against its target. */
export function evaluate(input: EvaluationInput): Evaluation {
  const { metric, value, target } = input;
  const cut = new Set(input.noFullBaseline ?? []);
  const vsPrevious = cut.has("previous") ? null : delta(metric, value.value, input.previous);
  const vsYearEarlier = cut.has("yearEarlier")
    ? null
    : delta(metric, value.value, input.yearEarlier);
  const base = {
    metricId: metric.id,
    value: value.value,
    vsPrevious,
    vsYearEarlier,
    ...(cut.size > 0 ? { noFullBaseline: [...cut].sort() } : {}),
  };

  const insufficient = (
    reason: InsufficientReason,
    measured: number | null = null,
  ): Evaluation => ({
    ...base,
    status: "insufficient_data",
    insufficientReason: reason,
    ...(target ? { target } : {}),
    measured,
    threshold: target ? thresholdOf(target, input.monthShare) : null,
    warningThreshold: null,
  });

  // Incomplete input decides first: a value read from missing or thin data says nothing
  // about the target, so it is neither a breach nor "met".
  if (input.incompleteInputs && input.incompleteInputs.length > 0) {
    return {
      ...base,
      status: "data_incomplete",
      incompleteInputs: [...input.incompleteInputs],
      ...(target ? { target } : {}),
      measured: null,
      threshold: target ? thresholdOf(target, input.monthShare) : null,
      warningThreshold: null,
    };
  }
  if (value.value === null || !Number.isFinite(value.value)) return insufficient("no_value");
  if (target && input.campaign && !input.campaign.final && metric.pacing === "final") {
    return {
      ...base,
      status: "tracking",
      target,
      measured: value.value,
      threshold: target.value,
      warningThreshold: null,
    };
  }
  if (!target) {
    return {
      ...base,
      status: "no_target",
      measured: value.value,
      threshold: null,
      warningThreshold: null,
    };
  }
  if (value.sample !== undefined && value.sample < target.minSample) {
    return insufficient("below_min_sample");
  }

  let measured = value.value;
  if (target.basis === "yoy_growth") {
    if (cut.has("yearEarlier")) return insufficient("no_full_baseline");
    const growth = growthRate(value.value, input.yearEarlier);
    if (growth === null) return insufficient("no_year_earlier_value");
    measured = growth;
  }
  const threshold = pacedThreshold(metric, input.campaign, thresholdOf(target, input.monthShare));
  if (threshold === null) return insufficient("no_month_share");

  const band = Math.abs(threshold) * target.warningBand;
  const higherIsBetter = metric.direction === "higher";
  const warningThreshold = higherIsBetter ? threshold - band : threshold + band;
  const tolerance = EDGE_TOLERANCE * Math.max(1, Math.abs(threshold));
  const atLeast = (x: number, edge: number) => x >= edge - tolerance;
  const atMost = (x: number, edge: number) => x <= edge + tolerance;
  const meets = higherIsBetter ? atLeast(measured, threshold) : atMost(measured, threshold);
  const withinBand = higherIsBetter
    ? atLeast(measured, warningThreshold)
    : atMost(measured, warningThreshold);
  return {
    ...base,
    status: meets ? "met" : withinBand ? "warning" : "breach",
    target,
    measured,
    threshold,
    warningThreshold,
  };
}

/** Counts of each status, for the subject line and the summary. */
export function countStatuses(
  evaluations: Iterable<Pick<Evaluation, "status">>,
): Record<Status, number> {
  const counts: Record<Status, number> = {
    met: 0,
    warning: 0,
    breach: 0,
    anomaly: 0,
    data_incomplete: 0,
    insufficient_data: 0,
    no_target: 0,
    tracking: 0,
  };
  for (const evaluation of evaluations) counts[evaluation.status]++;
  return counts;
}

/**
 * The share of its month that has elapsed at the end of local day `date` (`YYYY-MM-DD`):
 * 1 March → 1/31, 31 March → 1. Month-to-date values are compared with the monthly target
 * times this share.
 */
export function elapsedShareOfMonth(date: string): number {
  const [year, month, day] = date.split("-").map(Number);
  if (!year || !month || !day) throw new Error(`"${date}" is not a date YYYY-MM-DD.`);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day / daysInMonth;
}

/** Growth of `value` over `reference` (0.3 = +30 %); null when there is no usable reference. */
export function growthRate(value: number, reference: number | null | undefined): number | null {
  if (reference === null || reference === undefined || !Number.isFinite(reference)) return null;
  if (reference <= 0) return null;
  return value / reference - 1;
}

/** A running campaign's cumulative count is judged against the target pro-rated by its days. */
function pacedThreshold(
  metric: MetricDef,
  campaign: CampaignPace | undefined,
  threshold: number | null,
): number | null {
  if (threshold === null || !campaign || campaign.final || metric.pacing !== "prorated") {
    return threshold;
  }
  return threshold * Math.min(1, Math.max(0, campaign.elapsedShare));
}

function thresholdOf(target: ResolvedTarget, monthShare: number | undefined): number | null {
  if (target.basis !== "monthly_prorated") return target.value;
  if (monthShare === undefined || !(monthShare > 0)) return null;
  return target.value * Math.min(1, monthShare);
}

function delta(
  metric: MetricDef,
  value: number | null,
  reference: number | null | undefined,
): Delta | null {
  if (value === null || reference === null || reference === undefined) return null;
  if (!Number.isFinite(value) || !Number.isFinite(reference)) return null;
  const change = value - reference;
  return {
    reference,
    change,
    relative: reference === 0 ? null : change / Math.abs(reference),
    improved: change === 0 ? null : metric.direction === "higher" ? change > 0 : change < 0,
  };
}
