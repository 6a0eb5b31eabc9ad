/**
 * Identity coverage (docs/identity.md): the share of a period's active ids and paid orders
 * that the identity map resolves to a person, a data-quality figure of the map itself. A
 * lake without a map has no coverage to judge ("no data"), so its report is as before.
 * Pure: the counts come from `queries/identity_coverage.sql`.
 */
import { type KpiSettings, type MetricValue, minSampleFor, ratio } from "./values.ts";

/** The metric's id in the registry. */
export const IDENTITY_COVERAGE = "identity_coverage";

/** The counts of `identity_coverage.sql`. */
export interface IdentityCoverageCounts {
  readonly mappingRows: number;
  readonly activeIds: number;
  readonly mappedActiveIds: number;
  readonly paidOrders: number;
  readonly mappedPaidOrders: number;
}

/** Mapped ids and orders over all active ids and paid orders; no data without a map. */
export function identityCoverage(
  counts: IdentityCoverageCounts,
  settings: Pick<KpiSettings, "minSample" | "metricMinSamples">,
): MetricValue {
  if (counts.mappingRows === 0) return { value: null, reason: "no_data" };
  return ratio(
    counts.mappedActiveIds + counts.mappedPaidOrders,
    counts.activeIds + counts.paidOrders,
    minSampleFor(settings, IDENTITY_COVERAGE),
  );
}
