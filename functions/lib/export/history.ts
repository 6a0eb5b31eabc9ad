/**
 * The snapshot history of a report over a date range, as metric-table rows (see
 * `metric-table.ts`): the latest revision of each period whose dates fall in the range.
 */
import type { Locale } from "../kpi/registry.ts";
import { type IsoDate, isoWeekLabel } from "../kpi/windows.ts";
import type { SnapshotStore } from "../ports.ts";
import { isZonedKey, type ReportSnapshot } from "../report/snapshot.ts";
import { historyRows, type MetricTableRow } from "./metric-table.ts";

/** What to export. */
export interface HistoryExportRequest {
  readonly report: string;
  readonly from: IsoDate;
  readonly to: IsoDate;
  readonly locale: Locale;
}

/** The rows of the periods of `report` that start within `from` … `to`, oldest first. */
export async function exportHistory(
  snapshots: SnapshotStore,
  request: HistoryExportRequest,
): Promise<{ readonly periods: number; readonly rows: MetricTableRow[] }> {
  const { report, from, to } = request;
  // Period keys sort by time within a report: a day's key is its date, a week's its ISO
  // week; other reports (per-campaign keys) are read whole and filtered by their dates.
  const [fromKey, toKey] =
    report === "daily"
      ? [from, to]
      : report === "weekly"
        ? [isoWeekLabel(from), isoWeekLabel(to)]
        : ["", "\uffff"];
  const docs = (await snapshots.history(report, fromKey, toKey)).filter((doc) => {
    // The configured zone's periods: a `--tz` re-run's are keyed `tz=<zone>/…`.
    if (isZonedKey(doc.periodKey)) return false;
    const start = (doc as Partial<ReportSnapshot>).period?.start;
    return report === "daily" || report === "weekly" || start === undefined
      ? true
      : start >= from && start <= to;
  });
  return { periods: docs.length, rows: historyRows(docs, request.locale) };
}
