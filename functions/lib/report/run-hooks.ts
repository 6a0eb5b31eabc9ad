/**
 * The report use case's extension points: the completeness gate (before any metric is
 * judged) and the `afterSnapshot` hooks (alerts, per-campaign snapshots, the dashboard).
 * They live apart from `run-report.ts` so that the extensions import these types, not the
 * use case that calls them.
 */
import type { OpsConfig } from "../config/load.ts";
import type { CompletenessIssue } from "../kpi/completeness.ts";
import type { EvaluatedMetric } from "../kpi/evaluate.ts";
import type { TableDays } from "../kpi/read-windows.ts";
import type { IsoDate, Period, UtcWindow } from "../kpi/windows.ts";
import type { QueryStats } from "../query/result.ts";
import type { ComputedKpis } from "./compute.ts";
import type { ReportLink, ReportNotice } from "./email/model.ts";
import type { RunReportRequest } from "./run-request.ts";
import type { ReportSnapshot, ReportSnapshotDraft } from "./snapshot.ts";

/** What a completeness gate is told about the run. */
export interface CompletenessGateContext {
  readonly request: RunReportRequest;
  readonly runId: string;
  readonly period: Period;
  readonly periodKey: string;
  readonly window: UtcWindow;
  readonly config: OpsConfig;
  readonly now: Date;
  /**
   * The local days of the fact tables each computed metric reads (its module's
   * `readWindows`): the gate checks the partitions inside them too, not only the period's.
   */
  readonly reads?: Readonly<Record<string, TableDays>>;
}

/** What a completeness gate found: nothing wrong when `issues` is empty. */
export interface CompletenessGateResult {
  /**
   * One per (table, partition, problem), naming the counts; empty: the data is complete.
   * A `window` issue (a partition before the period) names the metrics it makes incomplete.
   */
  readonly issues: readonly CompletenessIssue[];
  /**
   * Every partition checked, per table (the period's and those inside the metrics'
   * windows): what a scheduler re-checks to learn whether the data is complete yet.
   */
  readonly partitions?: Readonly<Record<string, readonly IsoDate[]>>;
  /** Shown first in every email of the run (what is incomplete, what to do). */
  readonly notices?: readonly ReportNotice[];
  /** Every partition checked with its counts, for the run log. */
  readonly checked?: readonly unknown[];
  /** Queries the gate ran, for the run log. */
  readonly stats?: readonly QueryStats[];
  /** Rollup builds its queries needed first (fresh days cost none), for the run log. */
  readonly builds?: readonly QueryStats[];
}

/**
 * Decides, before any metric is judged, whether the period's input data is complete. The
 * metrics read from a table with an issue get the status `data_incomplete`: never a breach,
 * never counted in the subject, never judged by the alerts. An error fails the run.
 */
export interface CompletenessGate {
  readonly name: string;
  check(context: CompletenessGateContext): Promise<CompletenessGateResult>;
}

/** What a run found about what has been delivered, for an `afterSnapshot` hook. */
export interface AfterSnapshotContext {
  readonly request: RunReportRequest;
  readonly runId: string;
  readonly period: Period;
  readonly periodKey: string;
  readonly window: UtcWindow;
  /** The stored snapshot; undefined in a dry run (nothing is stored). */
  readonly snapshot: ReportSnapshot | undefined;
  /** The snapshot as it would be stored (also in a dry run). */
  readonly document: ReportSnapshotDraft;
  readonly metrics: readonly EvaluatedMetric[];
  readonly scoped: Readonly<Record<string, readonly EvaluatedMetric[]>>;
  readonly computed: ComputedKpis;
  /** What the completeness gate found; undefined when the run has no gate. */
  readonly completeness: CompletenessGateResult | undefined;
  readonly config: OpsConfig;
  readonly now: Date;
  readonly dryRun: boolean;
}

/** What a hook adds to the run. */
export interface AfterSnapshotResult {
  /** Shown first in every email of the run ("data incomplete: …"). */
  readonly notices?: readonly ReportNotice[];
  /** Links for the emails' footer (the dashboard the hook published). */
  readonly links?: readonly ReportLink[];
  /** What went wrong in the hook without failing the run, for the run log. */
  readonly warnings?: readonly string[];
  /** Queries the hook ran, for the run log. */
  readonly stats?: readonly QueryStats[];
}

/**
 * An extension that runs after the snapshot is stored and before the emails are rendered:
 * alert evaluation and on-call notification hook in here. An error fails the run (no email
 * is sent); a hook must not send manager emails itself.
 */
export interface AfterSnapshotHook {
  readonly name: string;
  run(context: AfterSnapshotContext): Promise<AfterSnapshotResult | undefined>;
}
