/**
 * Summaries of repeated measurements and the goal checks of the benchmark. Pure: numbers
 * in, numbers out; the clock is read by the caller.
 */

/** Min, median and max of a series of repetitions. */
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** The summary of `samples`; throws on an empty series (a figure needs ≥ 1 measurement). */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error("summarize: no samples");
  if (samples.some((value) => !Number.isFinite(value))) {
    throw new Error(`summarize: not a finite number in ${samples.join(", ")}`);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return {
    n: sorted.length,
    min: sorted[0] as number,
    median,
    max: sorted[sorted.length - 1] as number,
  };
}

/** The ratio of two medians (what the goals compare), and its spread from the extremes. */
export interface RatioSummary {
  readonly median: number;
  /** Best case for the goal: the numerator's min over the denominator's max. */
  readonly low: number;
  /** Worst case: the numerator's max over the denominator's min. */
  readonly high: number;
}

export function ratioOf(numerator: Summary, denominator: Summary): RatioSummary {
  if (denominator.min <= 0) throw new Error("ratioOf: the denominator must be positive");
  return {
    median: numerator.median / denominator.median,
    low: numerator.min / denominator.max,
    high: numerator.max / denominator.min,
  };
}

/** A goal of the issue and whether the measured value meets it. */
export interface GoalCheck {
  readonly id: string;
  readonly goal: string;
  readonly measured: number;
  readonly limit: number;
  readonly unit: string;
  readonly met: boolean;
  /** Why it is not met, or what limits it; empty when met without remark. */
  readonly note?: string;
  /** For a goal not met: why, worked out from the run's figures (bench/lib/reasons.ts). */
  readonly reason?: string;
}

/** Checks `measured ≤ limit`. */
export function atMost(
  id: string,
  goal: string,
  measured: number,
  limit: number,
  unit: string,
  note?: string,
): GoalCheck {
  return { id, goal, measured, limit, unit, met: measured <= limit, ...(note ? { note } : {}) };
}

/** Checks `measured ≥ limit` (a goal that is a lower bound, such as the peer's ratio). */
export function atLeast(
  id: string,
  goal: string,
  measured: number,
  limit: number,
  unit: string,
  note?: string,
): GoalCheck {
  return { id, goal, measured, limit, unit, met: measured >= limit, ...(note ? { note } : {}) };
}

/** `1234.5` ms → `1.23 s`, `87.2` → `87 ms`. */
export function formatMs(ms: number): string {
  if (ms >= 100_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(0)} ms`;
}

/** Bytes in binary units: `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0
    ? `${value} B`
    : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}

/** `min / median / max` of a summary, each formatted. */
export function formatSummary(summary: Summary, format: (value: number) => string): string {
  return `${format(summary.min)} / ${format(summary.median)} / ${format(summary.max)}`;
}
