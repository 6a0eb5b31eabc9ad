/**
 * The metric table of snapshots as flat rows — one per period × metric (× scope) — and its
 * CSV and JSON Lines forms. The daily and weekly emails attach it as CSV; `opspulse export`
 * writes it for a range of the snapshot history. Both read the stored snapshot shape, so a
 * spreadsheet of an email and an export of the same period hold the same rows.
 *
 * The CSV is UTF-8 with a byte-order mark: without it Excel reads UTF-8 as the system code
 * page and the Chinese labels come out garbled.
 */
import { isMetricId, type Locale, metric } from "../kpi/registry.ts";
import type { SnapshotDocument } from "../ports.ts";
import type { MetricSnapshot, ReportSnapshot } from "../report/snapshot.ts";
import { toCsvText } from "./csv.ts";

/** The columns, in file order. */
export const METRIC_TABLE_COLUMNS = [
  "period",
  "scope",
  "scope_name",
  "metric",
  "label",
  "unit",
  "value",
  "status",
  "target",
  "threshold",
  "previous",
  "year_earlier",
  "revision",
] as const;

/** One row: a metric of one period (and scope, for per-campaign metrics). */
export interface MetricTableRow {
  /** The period key: `2026-03-01`, `2026-W09`. */
  readonly period: string;
  /** Empty for report-wide metrics; the campaign id for per-campaign ones. */
  readonly scope: string;
  /** What the scope is called (the campaign's name); empty for report-wide metrics. */
  readonly scope_name: string;
  readonly metric: string;
  readonly label: string;
  readonly unit: string;
  readonly value: number | null;
  readonly status: string;
  /** The plan's target number (a growth rate or a monthly total for those bases). */
  readonly target: number | null;
  /** The effective threshold the value (or its growth) was compared with. */
  readonly threshold: number | null;
  readonly previous: number | null;
  readonly year_earlier: number | null;
  /** The snapshot revision; null for a dry run (nothing stored). */
  readonly revision: number | null;
}

/** What rows are made from: a stored snapshot, or the one a run is about to store. */
export interface MetricTableSource {
  readonly periodKey: string;
  readonly revision?: number | null;
  readonly metrics?: Readonly<Record<string, MetricSnapshot>>;
  readonly scoped?: Readonly<Record<string, Readonly<Record<string, MetricSnapshot>>>>;
  /** Campaign id → name; the id when absent. */
  readonly scopeNames?: Readonly<Record<string, string>>;
}

/** The rows of one snapshot: report-wide metrics first, then each scope's. */
export function metricTableRows(source: MetricTableSource, locale: Locale): MetricTableRow[] {
  const rows: MetricTableRow[] = [];
  const add = (scope: string, metrics: Readonly<Record<string, MetricSnapshot>>) => {
    for (const [id, m] of Object.entries(metrics)) {
      const def = isMetricId(id) ? metric(id) : undefined;
      rows.push({
        period: source.periodKey,
        scope,
        scope_name: scope ? (source.scopeNames?.[scope] ?? scope) : "",
        metric: id,
        label: def?.label[locale] ?? id,
        unit: def?.unit ?? "",
        value: m.value,
        status: m.status,
        target: m.target?.value ?? null,
        threshold: m.threshold,
        previous: m.previous,
        year_earlier: m.yearEarlier,
        revision: source.revision ?? null,
      });
    }
  };
  add("", source.metrics ?? {});
  for (const scope of Object.keys(source.scoped ?? {}).sort()) {
    add(scope, source.scoped?.[scope] ?? {});
  }
  return rows;
}

/** The rows of stored snapshots, in the order given. */
export function historyRows(docs: readonly SnapshotDocument[], locale: Locale): MetricTableRow[] {
  return docs.flatMap((doc) => {
    const snapshot = doc as Partial<ReportSnapshot> & SnapshotDocument;
    return metricTableRows(
      {
        periodKey: doc.periodKey,
        revision: doc.revision,
        ...(snapshot.metrics ? { metrics: snapshot.metrics } : {}),
        ...(snapshot.scoped ? { scoped: snapshot.scoped } : {}),
        ...(snapshot.scopeNames ? { scopeNames: snapshot.scopeNames } : {}),
      },
      locale,
    );
  });
}

const BOM = "\uFEFF";

/**
 * CSV with a header row, UTF-8 with a byte-order mark, CRLF line ends (RFC 4180); text
 * cells neutralised against formula injection (`csv.ts`).
 */
export function toCsv(rows: readonly MetricTableRow[]): Buffer {
  const text = toCsvText(
    METRIC_TABLE_COLUMNS,
    rows.map((row) => METRIC_TABLE_COLUMNS.map((column) => row[column])),
  );
  return Buffer.from(`${BOM}${text}`, "utf8");
}

/** JSON Lines: one object per row, with the columns as keys. */
export function toJsonl(rows: readonly MetricTableRow[]): string {
  return rows.map((row) => `${JSON.stringify(row, [...METRIC_TABLE_COLUMNS])}\n`).join("");
}

/** The CSV attachment of a report email. */
export function metricTableAttachment(
  report: string,
  source: MetricTableSource,
  locale: Locale,
): { filename: string; contentType: string; content: Uint8Array } {
  return {
    filename: `opspulse-${report}-${source.periodKey.replaceAll("/", "_")}.csv`,
    contentType: "text/csv; charset=utf-8",
    content: toCsv(metricTableRows(source, locale)),
  };
}
