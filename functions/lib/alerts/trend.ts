/**
 * The trend of an alert email: a metric's stored values over the last periods, read from
 * the snapshot history (no query).
 */

import { WHOLE_BUSINESS } from "../kpi/alerts.ts";
import type { Status } from "../kpi/evaluate.ts";
import { type Period, previousPeriod } from "../kpi/windows.ts";
import type { SnapshotDocument, SnapshotStore } from "../ports.ts";
import { type MetricSnapshot, periodKeyOf, type ReportSnapshot } from "../report/snapshot.ts";

/** One period of a trend; value and status are null when no snapshot holds the metric. */
export interface TrendPoint {
  readonly periodKey: string;
  readonly value: number | null;
  readonly status: Status | null;
}

/** Periods in a trend by default: two weeks of daily reports, a quarter of weekly ones. */
export const TREND_PERIODS = 14;

/** The last `count` periods ending with `period`, oldest first, each with its value. */
export async function loadTrend(
  snapshots: SnapshotStore,
  report: string,
  period: Period,
  metricId: string,
  scope: string = WHOLE_BUSINESS,
  count: number = TREND_PERIODS,
): Promise<TrendPoint[]> {
  const periods = [period];
  while (periods.length < count) periods.unshift(previousPeriod(periods[0] ?? period));
  const keys = periods.map(periodKeyOf);
  const docs = await snapshots.history(report, keys[0] ?? "", keys.at(-1) ?? "");
  const byKey = new Map(docs.map((doc) => [doc.periodKey, doc]));
  return keys.map((periodKey) => {
    const stored = metricOf(byKey.get(periodKey), metricId, scope);
    return { periodKey, value: stored?.value ?? null, status: stored?.status ?? null };
  });
}

/** A metric of a stored snapshot, report-wide or of one scope (e.g. a campaign). */
export function metricOf(
  doc: SnapshotDocument | undefined,
  metricId: string,
  scope: string = WHOLE_BUSINESS,
): MetricSnapshot | undefined {
  const snapshot = doc as Partial<ReportSnapshot> | undefined;
  return scope === WHOLE_BUSINESS
    ? snapshot?.metrics?.[metricId]
    : snapshot?.scoped?.[scope]?.[metricId];
}
