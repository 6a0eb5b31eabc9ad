/**
 * Anomalies: the status `anomaly` beside the target statuses (pure).
 *
 * A metric whose value lies outside its baseline band (kpi/baseline-band.ts), on the side its
 * settings watch, is `anomaly` — unless a worse or a more basic status applies: a breach
 * stays a breach (the needs-attention order is breach, anomaly, warning), and a value that
 * could not be judged (data incomplete, insufficient data) is never an anomaly. A period
 * with a day on the holiday and promotion calendar keeps its band (stored) but is not
 * judged against it: a promotion is expected to be unusual.
 *
 * Which metrics are watched by default, and how: flows of the day (users, orders, content
 * rates, campaign joins) with the defaults; windows of 7 to 365 days (WAU, MAU,
 * repurchase, private-domain share, LTV) are not, because their same-weekday history trends
 * with growth and a band of it would flag the trend, not an incident.
 */
import {
  type Band,
  type BandPosition,
  type BaselineSettings,
  bandPosition,
  DEFAULT_BASELINE_SETTINGS,
} from "./baseline-band.ts";
import type { Evaluation } from "./evaluate.ts";
import type { IsoDate } from "./windows.ts";

/** The anomaly settings of a deployment (`config/anomalies.yaml`). */
export interface AnomalySettings {
  /** Local days of holidays and promotions: skipped in bands, not judged. */
  readonly calendar: readonly IsoDate[];
  /** Per metric: how its band is made; absent = {@link defaultBaselineSettings}. */
  readonly metrics: Readonly<Record<string, BaselineSettings>>;
}

/**
 * Metrics watched by default and their settings beyond {@link DEFAULT_BASELINE_SETTINGS}.
 * Campaign joins follow the campaigns running (a new campaign starts high and decays), so
 * they are judged against the previous days and only drops are unusual. Orders and money
 * step when a campaign starts or ends, so their bands are campaign-aware.
 */
const WATCHED: Readonly<Record<string, Partial<BaselineSettings>>> = {
  new_users: {},
  dau: {},
  stickiness: {},
  retention_d1: {},
  retention_d7: {},
  first_order_conversion: {},
  orders: { campaignAware: true },
  gmv: { campaignAware: true },
  aov: { campaignAware: true },
  paying_users: { campaignAware: true },
  arpu: { campaignAware: true },
  interaction_rate: {},
  content_conversion_rate: {},
  automation_rate: {},
  data_quality: { direction: "drops" },
  campaign_participants: { method: "trailing", periods: 7, direction: "drops" },
};

/** The default settings of a metric's band (switched off for metrics not watched). */
export function defaultBaselineSettings(metricId: string): BaselineSettings {
  const watched = WATCHED[metricId];
  return watched
    ? { ...DEFAULT_BASELINE_SETTINGS, ...watched }
    : { ...DEFAULT_BASELINE_SETTINGS, enabled: false };
}

/** The settings of `metricId` in `settings` (config), or its defaults. */
export function baselineSettingsOf(
  settings: AnomalySettings | undefined,
  metricId: string,
): BaselineSettings {
  return settings?.metrics[metricId] ?? defaultBaselineSettings(metricId);
}

/** The anomaly part of an evaluation, stored in the snapshot. */
export interface AnomalyFinding {
  readonly side: "below" | "above";
  /** Beyond the nearer edge, in band widths (orders anomalies in "needs attention"). */
  readonly distance: number;
}

/** An evaluation with its band and, when unusual, its anomaly. */
export type BandedEvaluation = Evaluation & {
  readonly band?: Band;
  readonly anomaly?: AnomalyFinding;
  /**
   * True when the previous period's stored snapshot had the same status (breach, anomaly or
   * warning): "needs attention" lists new items before ongoing ones.
   */
  readonly ongoing?: boolean;
};

/** Statuses a band may turn into `anomaly`: judged values that are not a breach. */
const BANDABLE = new Set<Evaluation["status"]>(["met", "warning", "no_target"]);

/**
 * Whether a value is a number worth comparing with its band: judged, or not judged against
 * its target only for want of a reference (no value a year earlier, a year-earlier window
 * cut by the lake's start, no month share) — the value itself is sound. A value below its
 * minimum sample is not.
 */
function bandable(evaluation: Evaluation): boolean {
  if (BANDABLE.has(evaluation.status)) return true;
  return (
    evaluation.status === "insufficient_data" &&
    (evaluation.insufficientReason === "no_year_earlier_value" ||
      evaluation.insufficientReason === "no_full_baseline" ||
      evaluation.insufficientReason === "no_month_share")
  );
}

/**
 * `evaluation` judged against `band` too: the band is attached (when there is one), and a
 * value outside it on a watched side becomes `anomaly` unless the status says otherwise
 * (see the module comment). `onCalendar`: the period has a holiday or promotion day.
 */
export function judgeAgainstBand(
  evaluation: Evaluation,
  band: Band | null,
  settings: BaselineSettings,
  onCalendar: boolean,
): BandedEvaluation {
  if (!band) return evaluation;
  const value = evaluation.value;
  const position: BandPosition | null =
    value === null || !Number.isFinite(value)
      ? null
      : bandPosition(value, band, settings.direction);
  const anomaly: AnomalyFinding | undefined =
    position?.unusual && !onCalendar && position.side !== "inside"
      ? { side: position.side, distance: position.distance }
      : undefined;
  if (!anomaly) return { ...evaluation, band };
  if (evaluation.status === "breach") return { ...evaluation, band, anomaly };
  if (!bandable(evaluation)) return { ...evaluation, band };
  return { ...evaluation, status: "anomaly", band, anomaly };
}
