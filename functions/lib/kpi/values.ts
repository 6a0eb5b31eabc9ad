/**
 * The values the KPI definitions compute and the rows they compute them from: the lowest
 * layer's types, shared by the pure definitions (`kpi/`), the ports and the report modules
 * (which re-export them).
 */

/** A value of a result cell: decimals arrive as exact strings, dates as `YYYY-MM-DD`,
 * timestamps as ISO 8601 UTC strings, integers as numbers. */
export type Cell = string | number | boolean | null;
export type Row = Readonly<Record<string, Cell>>;

/** A metric's value: a number, or null with the reason (never a fake number). */
export interface MetricValue {
  readonly value: number | null;
  /** Why the value is null. */
  readonly reason?: "insufficient_sample" | "no_data";
  /** The denominator (sample size) of a ratio, shown next to "insufficient data". */
  readonly sample?: number;
  /** Numerator and denominator for ratios, kept for audits and the CSV export. */
  readonly numerator?: number;
  readonly denominator?: number;
  /**
   * A month-to-date value's comparison: the same count at the same day of the previous
   * month (null: that day has no value), never the previous day's or week's snapshot.
   */
  readonly sameDayPreviousMonth?: number | null;
}

/** Settings of the KPI definitions that the plan leaves to configuration. */
export interface KpiSettings {
  /** A ratio with a smaller denominator is "insufficient data" (default 100). */
  readonly minSample: number;
  /**
   * A metric's own minimum sample (`min_sample` in targets.yaml), replacing `minSample` for
   * that metric, lower or higher (see {@link minSampleFor}).
   */
  readonly metricMinSamples?: Readonly<Record<string, number>>;
  /** Channels that count as private domain (default wecom, community, miniprogram). */
  readonly privateDomainChannels: readonly string[];
  /** Currency of all money values (default CNY). */
  readonly currency: string;
  /** Operations team: monthly cost and headcount (efficiency KPIs). */
  readonly teamMonthlyCost: number;
  readonly opsHeadcount: number;
  /** RFM: optional fixed cut-offs instead of the population medians. */
  readonly rfmCutoffs?: {
    readonly recencyDays?: number;
    readonly frequency?: number;
    readonly monetary?: number;
  };
}

export const DEFAULT_KPI_SETTINGS: KpiSettings = {
  minSample: 100,
  privateDomainChannels: ["wecom", "community", "miniprogram"],
  currency: "CNY",
  teamMonthlyCost: 300_000,
  opsHeadcount: 10,
};

/** The minimum sample of a metric: its own `min_sample` when set, else the global one. */
export function minSampleFor(
  settings: Pick<KpiSettings, "minSample" | "metricMinSamples">,
  metricId: string,
): number {
  return settings.metricMinSamples?.[metricId] ?? settings.minSample;
}

/** Divides with the min-sample rule: below `minSample` the value is "insufficient data". */
export function ratio(numerator: number, denominator: number, minSample: number): MetricValue {
  if (denominator < minSample || denominator === 0) {
    return {
      value: null,
      reason: "insufficient_sample",
      sample: denominator,
      numerator,
      denominator,
    };
  }
  return { value: numerator / denominator, sample: denominator, numerator, denominator };
}

/** A plain count or amount. */
export function amount(value: number): MetricValue {
  return { value };
}
