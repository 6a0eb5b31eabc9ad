/**
 * Drivers: which dimension values explain a metric's change against its baseline (pure).
 *
 * The method is Adtributor's (Bhagwan et al., NSDI 2014). For every dimension the registry
 * declares for the metric (channel, new vs returning, …) and every value ("element") of it,
 * the query `queries/anomaly_drivers.sql` gives the element's actual value on the period and
 * its forecast (the median of its same-weekday history, like the metric's band). Then:
 *
 * - **explanatory power** EP = the element's share of the metric's change:
 *   (A_e − F_e) / (A − F) for an additive metric (counts and sums), where A is the actual
 *   and F the forecast of the metric, i.e. the band's median. The element forecasts of one
 *   dimension are scaled to add up to F (the median of sums is not the sum of medians), so
 *   the contributions of a dimension's elements add up to exactly A − F;
 * - **surprise** = the Jensen–Shannon divergence between the element's share of the
 *   forecast and its share of the actual: a small segment that moved a lot surprises more
 *   than a big one that moved in proportion;
 * - per dimension, the elements in order of surprise that each explain at least
 *   {@link DriverOptions.minElementShare} of the change, until together they explain
 *   {@link DriverOptions.explainedShare}; dimensions are ranked by the surprise of that set,
 *   and the drivers are the first elements of the best dimensions.
 *
 * Derived measures follow Adtributor's rule for them. A **ratio** m = a / b (AOV = GMV /
 * orders) is not additive: an element's EP is the change of m when only that element's a
 * and b move to their actuals, over the change of m, (f(F_a + Δa_e, F_b + Δb_e) − f(F_a, F_b))
 * / (f(A_a, A_b) − f(F_a, F_b)), and its surprise the sum of the surprises of a and b. Such
 * EPs need not add up to 1. A **distinct count** (DAU, paying users) by a dimension a user
 * can have several values of (one user active on app and web) counts the user in each: the
 * elements overlap, their actuals add up to more than the metric, so their EPs need not
 * add up to 1 either (the overlap caveat); the element forecasts are then not scaled.
 */

/** How a metric's elements combine into the metric. */
export type MeasureKind =
  /** Counts and sums: the elements of a dimension partition the metric. */
  | "additive"
  /** Distinct counts by a dimension whose elements may overlap (a user in two channels). */
  | "distinct"
  /** numerator / denominator, each additive. */
  | "ratio";

/** One element of one dimension: its actual and forecast (fundamentals for a ratio). */
export interface ElementChange {
  readonly dimension: string;
  readonly element: string;
  readonly actual: number;
  readonly forecast: number;
  /** For a ratio: the denominator's actual and forecast (actual/forecast are the numerator's). */
  readonly actualDenominator?: number;
  readonly forecastDenominator?: number;
}

/** One driver of a change, as stored in the snapshot and shown in emails and alerts. */
export interface Driver {
  readonly dimension: string;
  readonly element: string;
  /** The element's actual value on the period. */
  readonly actual: number;
  /** Its forecast (scaled for an additive metric, see the module comment). */
  readonly forecast: number;
  /** Its own relative change, actual / forecast − 1; null when the forecast is 0. */
  readonly relative: number | null;
  /** Explanatory power: its share of the metric's change (0.78 = 78 % of the drop). */
  readonly share: number;
  readonly surprise: number;
}

export interface DriverOptions {
  /** An element must explain at least this share of the change (Adtributor's T_EP). */
  readonly minElementShare: number;
  /** A dimension's set stops once it explains this share (Adtributor's T_EEP). */
  readonly explainedShare: number;
  /** Drivers returned at most. */
  readonly limit: number;
}

export const DEFAULT_DRIVER_OPTIONS: DriverOptions = {
  minElementShare: 0.1,
  explainedShare: 0.67,
  limit: 3,
};

/** The metric as a whole: its actual value and its forecast (the band's median). */
export interface MetricChange {
  readonly kind: MeasureKind;
  /** Dimensions whose elements overlap: measured as `distinct` whatever `kind` says. */
  readonly overlapping?: readonly string[];
  readonly actual: number;
  readonly forecast: number;
}

/** The drivers of `change`, best first; empty when nothing changed. */
export function findDrivers(
  change: MetricChange,
  elements: readonly ElementChange[],
  options: DriverOptions = DEFAULT_DRIVER_OPTIONS,
): Driver[] {
  const byDimension = new Map<string, ElementChange[]>();
  for (const element of elements) {
    const list = byDimension.get(element.dimension) ?? [];
    list.push(element);
    byDimension.set(element.dimension, list);
  }
  const ranked = [...byDimension.entries()]
    .map(([dimension, list]) => explainDimension(change, list, options, dimension))
    .filter((d) => d.set.length > 0)
    // Dimensions whose set explains enough first, then by surprise; ties by name.
    .sort(
      (a, b) =>
        Number(b.explains) - Number(a.explains) ||
        b.surprise - a.surprise ||
        (a.dimension < b.dimension ? -1 : 1),
    );
  return ranked.flatMap((d) => d.set).slice(0, options.limit);
}

/** Every element of one dimension with its EP and surprise (before selection). */
export function scoreDimension(change: MetricChange, list: readonly ElementChange[]): Driver[] {
  const dimension = list[0]?.dimension ?? "";
  const kind = change.overlapping?.includes(dimension) ? "distinct" : change.kind;
  if (kind === "ratio") return scoreRatio(list);
  const total = change.actual - change.forecast;
  const actualSum = sum(list.map((e) => e.actual));
  const forecastSum = sum(list.map((e) => e.forecast));
  const scale = change.kind === "additive" && forecastSum > 0 ? change.forecast / forecastSum : 1;
  return list.map((e) => {
    const forecast = e.forecast * scale;
    return {
      dimension: e.dimension,
      element: e.element,
      actual: e.actual,
      forecast,
      relative: forecast === 0 ? null : e.actual / forecast - 1,
      share: total === 0 ? 0 : (e.actual - forecast) / total,
      surprise: jsDivergence(share(e.forecast, forecastSum), share(e.actual, actualSum)),
    };
  });
}

function scoreRatio(list: readonly ElementChange[]): Driver[] {
  const numerator = { actual: 0, forecast: 0 };
  const denominator = { actual: 0, forecast: 0 };
  for (const e of list) {
    numerator.actual += e.actual;
    numerator.forecast += e.forecast;
    denominator.actual += e.actualDenominator ?? 0;
    denominator.forecast += e.forecastDenominator ?? 0;
  }
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const before = ratio(numerator.forecast, denominator.forecast);
  const total = ratio(numerator.actual, denominator.actual) - before;
  return list.map((e) => {
    const actualB = e.actualDenominator ?? 0;
    const forecastB = e.forecastDenominator ?? 0;
    const moved = ratio(
      numerator.forecast + e.actual - e.forecast,
      denominator.forecast + actualB - forecastB,
    );
    const own = ratio(e.actual, actualB);
    const ownBefore = ratio(e.forecast, forecastB);
    return {
      dimension: e.dimension,
      element: e.element,
      actual: own,
      forecast: ownBefore,
      relative: ownBefore === 0 ? null : own / ownBefore - 1,
      share: total === 0 ? 0 : (moved - before) / total,
      surprise:
        jsDivergence(share(e.forecast, numerator.forecast), share(e.actual, numerator.actual)) +
        jsDivergence(share(forecastB, denominator.forecast), share(actualB, denominator.actual)),
    };
  });
}

function explainDimension(
  change: MetricChange,
  list: readonly ElementChange[],
  options: DriverOptions,
  dimension: string,
): { dimension: string; set: Driver[]; surprise: number; explains: boolean } {
  const scored = scoreDimension(change, list).sort(
    (a, b) => b.surprise - a.surprise || b.share - a.share || (a.element < b.element ? -1 : 1),
  );
  const set: Driver[] = [];
  let explained = 0;
  for (const driver of scored) {
    if (explained >= options.explainedShare) break;
    if (driver.share < options.minElementShare) continue;
    set.push(driver);
    explained += driver.share;
  }
  return {
    dimension,
    set,
    surprise: sum(set.map((d) => d.surprise)),
    explains: explained >= options.explainedShare,
  };
}

/**
 * Jensen–Shannon divergence of two probabilities of one element, p (forecast share) and
 * q (actual share), in bits: 0 when equal, at most 1.
 */
export function jsDivergence(p: number, q: number): number {
  const m = (p + q) / 2;
  const term = (x: number) => (x > 0 ? x * Math.log2(x / m) : 0);
  return 0.5 * (term(p) + term(q));
}

function share(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
