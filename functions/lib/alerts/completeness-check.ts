/**
 * Runs the data-completeness gate for one period: builds the slices
 * (functions/lib/kpi/completeness.ts), reads their facts with `queries/completeness.sql` on
 * the engine, and judges them. One query, reading only the period's partitions and the same
 * weekdays of the weeks before.
 */
import {
  type CompletenessRules,
  type CompletenessVerdict,
  completenessSlices,
  DEFAULT_COMPLETENESS_RULES,
  judgeCompleteness,
  type SliceFact,
} from "../kpi/completeness.ts";
import { type Period, periodWindow } from "../kpi/windows.ts";
import type { QueryEngine, QueryStats, Row } from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";

export const COMPLETENESS_QUERY = "completeness";

/** The verdict and the cost of the query that led to it. */
export interface CompletenessCheck extends CompletenessVerdict {
  readonly stats: QueryStats | null;
}

/** Checks whether the input data of `period` is complete at `now`. */
export async function checkCompleteness(
  engine: QueryEngine,
  catalog: QueryCatalog,
  period: Period,
  now: Date,
  rules: CompletenessRules = DEFAULT_COMPLETENESS_RULES,
): Promise<CompletenessCheck> {
  const window = periodWindow(period);
  const slices = completenessSlices(window, now, rules.baselineWeeks);
  if (slices.length === 0) {
    // The period has not begun at `now`: nothing to check yet.
    return { ...judgeCompleteness([], window, now, rules), stats: null };
  }
  const result = await engine.run(catalog.get(COMPLETENESS_QUERY), {
    slices: slices.map((slice) => ({
      localDate: slice.baselineOf,
      dt: slice.dt,
      dayStartUtc: slice.fromUtc,
      dayEndUtc: slice.toUtc,
    })),
    partitions: [...new Set(slices.map((slice) => slice.dt))].sort(),
  });
  const facts = result.rows.map(toSliceFact);
  return { ...judgeCompleteness(facts, window, now, rules), stats: result.stats };
}

function toSliceFact(row: Row): SliceFact {
  return {
    table: String(row.table_name),
    baselineOf: String(row.baseline_of).slice(0, 10),
    dt: String(row.dt),
    sliceRows: Number(row.slice_rows ?? 0),
    partitionRows: Number(row.partition_rows ?? 0),
    // Cells are ISO 8601 UTC by the port's contract; normalise the precision.
    newestTime:
      row.newest_time === null || row.newest_time === undefined
        ? null
        : new Date(String(row.newest_time)).toISOString(),
  };
}
