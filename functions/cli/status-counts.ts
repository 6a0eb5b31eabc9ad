/**
 * The counts line of a run as the CLI prints it, shared by `opspulse run` (and `demo`) and
 * `opspulse invoke`: e.g. `1 breach · 2 warnings · 30 met`.
 */
import { STATUS_ORDER, type Status } from "../lib/kpi/evaluate.ts";

/** How each judged status reads with its count; context metrics (`no_target`) are not listed. */
const LABELS: Readonly<Partial<Record<Status, (count: number) => string>>> = {
  breach: (n) => `${n} breach${n === 1 ? "" : "es"}`,
  anomaly: (n) => `${n} unusual`,
  warning: (n) => `${n} warning${n === 1 ? "" : "s"}`,
  data_incomplete: (n) => `${n} data incomplete`,
  insufficient_data: (n) => `${n} insufficient data`,
  met: (n) => `${n} met`,
  tracking: (n) => `${n} tracking`,
};

/**
 * The non-zero counts of a run's statuses, worst first, joined by ` · `; empty when nothing
 * was judged. Takes a partial record: a summary read back from JSON (the ad-hoc Lambda's)
 * may lack a status.
 */
export function describeStatusCounts(
  counts: Readonly<Partial<Record<Status, number>>> | undefined,
): string {
  return STATUS_ORDER.flatMap((status) => {
    const count = counts?.[status] ?? 0;
    const label = LABELS[status];
    return label && count > 0 ? [label(count)] : [];
  }).join(" · ");
}
