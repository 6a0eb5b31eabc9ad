/**
 * The report snapshot: what a run computed and judged for one (report, period), stored as
 * one JSON document per revision and one flat line in the report's history.
 *
 * A snapshot is the record a manager's email was made from: values (with their sample
 * sizes), statuses, the targets used, the config version, the data window read (UTC bounds
 * and partitions), the run id and when it was made. Later runs read the previous period's
 * snapshot for deltas, alerts read it for transitions and the dashboard reads the history.
 */
import type { AnomalyFinding, BandedEvaluation } from "../kpi/anomaly.ts";
import type { Band } from "../kpi/baseline-band.ts";
import type { CompletenessIssue } from "../kpi/completeness.ts";
import type { Driver } from "../kpi/drivers.ts";
import type { Evaluation, ResolvedTarget, Status } from "../kpi/evaluate.ts";
import { isoWeekLabel, type Period, type UtcWindow, zoneKey } from "../kpi/windows.ts";
import type { SnapshotDocument, SnapshotDraft } from "../ports.ts";
import type { MetricValue } from "./modules.ts";

/** Bumped when the document shape changes incompatibly. */
export const SNAPSHOT_SCHEMA_VERSION = 1;

/** One metric of a snapshot: the computed value and its evaluation. */
export interface MetricSnapshot {
  readonly value: number | null;
  /** Why the value is null (from the module). */
  readonly reason?: MetricValue["reason"];
  readonly sample?: number;
  readonly numerator?: number;
  readonly denominator?: number;
  readonly status: Status;
  readonly insufficientReason?: Evaluation["insufficientReason"];
  /** For `data_incomplete`: the incomplete tables the metric reads. */
  readonly incompleteInputs?: readonly string[];
  /** The target used, or null for a context metric. */
  readonly target: ResolvedTarget | null;
  /** The number compared (the value, or its year-on-year growth). */
  readonly measured: number | null;
  /** The effective target the measured number was compared with. */
  readonly threshold: number | null;
  readonly previous: number | null;
  readonly yearEarlier: number | null;
  /** The baseline band the value was judged against (kpi/baseline-band.ts), when it has one. */
  readonly band?: Band;
  /** Set when the value is outside its band on a watched side. */
  readonly anomaly?: AnomalyFinding;
  /** Comparisons whose window starts before the lake's first day: "no full baseline". */
  readonly noFullBaseline?: Evaluation["noFullBaseline"];
}

/** Which stored snapshots the deltas were computed from. */
export interface SnapshotReference {
  readonly periodKey: string;
  readonly revision: number;
}

/** The fields of a report snapshot besides its key (report, period key, revision). */
export interface ReportSnapshotFields {
  readonly schemaVersion: number;
  readonly runId: string;
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  readonly configVersion: string;
  readonly period: Period;
  readonly dataWindow: {
    readonly fromUtc: string;
    readonly toUtc: string;
    readonly partitions: readonly string[];
  };
  /** By metric id, in registry order. */
  readonly metrics: Readonly<Record<string, MetricSnapshot>>;
  /** Per-scope metrics (e.g. campaign id → metric id → metric). */
  readonly scoped: Readonly<Record<string, Readonly<Record<string, MetricSnapshot>>>>;
  /** Display names of the scopes (campaign id → campaign name), when the modules gave them. */
  readonly scopeNames?: Readonly<Record<string, string>>;
  /**
   * What the data-completeness gate found before the metrics were judged; absent when no
   * gate ran. Metrics reading a table named here have the status `data_incomplete`.
   */
  readonly dataCompleteness?: { readonly issues: readonly CompletenessIssue[] };
  /** The drivers of each anomalous or breaching metric, best first (kpi/drivers.ts). */
  readonly drivers?: Readonly<Record<string, readonly Driver[]>>;
  /** The modules' tables beside the metrics (RFM matrix, breakdowns). */
  readonly details: Readonly<Record<string, unknown>>;
  readonly statusCounts: Readonly<Record<Status, number>>;
  readonly comparedWith: {
    readonly previous: SnapshotReference | null;
    readonly yearEarlier: SnapshotReference | null;
  };
}

/** The document stored per (report, period, revision). */
export type ReportSnapshot = SnapshotDocument & ReportSnapshotFields;

/** A report snapshot before the store gives it a revision. */
export type ReportSnapshotDraft = SnapshotDraft & ReportSnapshotFields;

/** The key of a period in snapshots and delivery keys: `2026-03-01` or `2026-W09`. */
export function periodKeyOf(period: Period): string {
  return period.kind === "day" ? period.start : isoWeekLabel(period.start);
}

/** The first segment of a key stored for a zone other than the report's configured one. */
const ZONE_SEGMENT_PREFIX = "tz=";

/**
 * The key a run of a report stores its snapshot and claims its deliveries under: the period
 * key itself when the run's zone is the report's configured zone (the keys deployments have
 * always had, so their history of deliveries stays exactly-once), and
 * `tz=<zone>/<period key>` in any other zone, e.g. `tz=America.New_York/2026-03-01`. A day
 * in another zone is another window of data: its run neither meets the configured zone's
 * deliveries nor adds revisions to its snapshots. Zones compare by their canonical name, so
 * `--tz asia/shanghai` or an alias of the configured zone keeps the plain key.
 */
export function zonedKey(key: string, timeZone: string, configuredZone: string): string {
  const zone = zoneKey(timeZone);
  return zone === zoneKey(configuredZone)
    ? key
    : `${ZONE_SEGMENT_PREFIX}${zoneSegment(zone)}/${key}`;
}

/** The stored key of `period` for a report whose schedule is in `configuredZone`. */
export function reportPeriodKey(period: Period, configuredZone: string): string {
  return zonedKey(periodKeyOf(period), period.timeZone, configuredZone);
}

/** Whether `key` was stored for a zone other than its report's configured one. */
export function isZonedKey(key: string): boolean {
  return key.startsWith(ZONE_SEGMENT_PREFIX);
}

/** A stored key without its zone segment: `tz=America.New_York/2026-03-01` → `2026-03-01`. */
export function unzonedKey(key: string): string {
  return isZonedKey(key) ? key.slice(key.indexOf("/") + 1) : key;
}

/**
 * A zone as one key segment (letters, digits, `_ . = -`): `/` becomes `.` (no IANA name has
 * a dot) and any other character `=` and its hex code (`Etc/GMT+5` → `Etc.GMT=2B5`).
 */
function zoneSegment(zone: string): string {
  return zone
    .replaceAll("/", ".")
    .replaceAll(
      /[^A-Za-z0-9_.-]/g,
      (char) => `=${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
    );
}

/** The data window as it is stored (ISO strings). */
export function storedWindow(window: UtcWindow): ReportSnapshot["dataWindow"] {
  return {
    fromUtc: window.fromUtc.toISOString(),
    toUtc: window.toUtc.toISOString(),
    partitions: window.partitions,
  };
}

/** A metric's value and evaluation as stored. */
export function metricSnapshot(value: MetricValue, evaluation: Evaluation): MetricSnapshot {
  return {
    value: evaluation.value,
    ...(value.reason ? { reason: value.reason } : {}),
    ...(value.sample !== undefined ? { sample: value.sample } : {}),
    ...(value.numerator !== undefined ? { numerator: value.numerator } : {}),
    ...(value.denominator !== undefined ? { denominator: value.denominator } : {}),
    status: evaluation.status,
    ...(evaluation.insufficientReason ? { insufficientReason: evaluation.insufficientReason } : {}),
    ...(evaluation.incompleteInputs ? { incompleteInputs: evaluation.incompleteInputs } : {}),
    target: evaluation.target ?? null,
    measured: evaluation.measured,
    threshold: evaluation.threshold,
    previous: evaluation.vsPrevious?.reference ?? null,
    yearEarlier: evaluation.vsYearEarlier?.reference ?? null,
    ...(evaluation.noFullBaseline ? { noFullBaseline: evaluation.noFullBaseline } : {}),
    ...bandFields(evaluation),
  };
}

function bandFields(evaluation: BandedEvaluation): Pick<MetricSnapshot, "band" | "anomaly"> {
  return {
    ...(evaluation.band ? { band: evaluation.band } : {}),
    ...(evaluation.anomaly ? { anomaly: evaluation.anomaly } : {}),
  };
}

/** A stored value of `metricId` in a snapshot (null when absent or null). */
export function storedValue(doc: SnapshotDocument | undefined, metricId: string): number | null {
  const metrics = (doc as Partial<ReportSnapshot> | undefined)?.metrics;
  const value = metrics?.[metricId]?.value;
  return typeof value === "number" ? value : null;
}

/** One line of the history file: flat columns plus one array entry per metric. */
export interface HistoryLine {
  readonly report: string;
  readonly period_key: string;
  readonly revision: number;
  readonly run_id: string | null;
  readonly created_at: string | null;
  readonly config_version: string | null;
  readonly period_kind: string | null;
  readonly period_start: string | null;
  readonly period_end: string | null;
  readonly time_zone: string | null;
  readonly breaches: number;
  readonly warnings: number;
  readonly metrics: readonly {
    readonly metric: string;
    /** Null for report-wide metrics, e.g. a campaign id for per-campaign ones. */
    readonly scope: string | null;
    readonly value: number | null;
    readonly status: string;
    readonly target: number | null;
    readonly threshold: number | null;
    readonly previous: number | null;
    readonly year_earlier: number | null;
  }[];
}

/**
 * The history line of a snapshot: flat enough for `read_json` in DuckDB and a JSON SerDe
 * table in Athena (`unnest(metrics)` gives one row per metric). Every store adapter writes
 * this same line.
 */
export function toHistoryLine(doc: SnapshotDocument): HistoryLine {
  const snapshot = doc as Partial<ReportSnapshot> & SnapshotDocument;
  const rows: HistoryLine["metrics"][number][] = [];
  const add = (scope: string | null, metrics: Readonly<Record<string, MetricSnapshot>>) => {
    for (const [metric, m] of Object.entries(metrics)) {
      rows.push({
        metric,
        scope,
        value: m.value,
        status: m.status,
        target: m.target?.value ?? null,
        threshold: m.threshold,
        previous: m.previous,
        year_earlier: m.yearEarlier,
      });
    }
  };
  add(null, snapshot.metrics ?? {});
  for (const [scope, metrics] of Object.entries(snapshot.scoped ?? {})) add(scope, metrics);
  return {
    report: doc.report,
    period_key: doc.periodKey,
    revision: doc.revision,
    run_id: snapshot.runId ?? null,
    created_at: snapshot.createdAt ?? null,
    config_version: snapshot.configVersion ?? null,
    period_kind: snapshot.period?.kind ?? null,
    period_start: snapshot.period?.start ?? null,
    period_end: snapshot.period?.end ?? null,
    time_zone: snapshot.period?.timeZone ?? null,
    breaches: snapshot.statusCounts?.breach ?? 0,
    warnings: snapshot.statusCounts?.warning ?? 0,
    metrics: rows,
  };
}
