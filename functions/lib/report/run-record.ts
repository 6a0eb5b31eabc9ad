/**
 * The record of one report run: what it did so far (period, queries, snapshot, emails,
 * timings), its summary for the caller, and its line in the run log. A run that fails
 * still logs how far it got.
 */
import type { OpsConfig } from "../config/load.ts";
import type { CompletenessIssue } from "../kpi/completeness.ts";
import { countStatuses, type EvaluatedMetric, type Status } from "../kpi/evaluate.ts";
import type { Locale } from "../kpi/registry.ts";
import type { Period, UtcWindow } from "../kpi/windows.ts";
import type { Clock, RunLog } from "../ports.ts";
import type { QueryStats } from "../query/result.ts";
import { type RunCardFacts, runCardFacts } from "./card-facts.ts";
import type { RenderedEmail } from "./email/render.ts";
import type { CompletenessGateResult } from "./run-hooks.ts";
import { newRunId, periodKindOf, type ReportKind, type RunReportRequest } from "./run-request.ts";
import { type SnapshotReference, storedWindow } from "./snapshot.ts";

export type RunOutcome =
  | "ok"
  | "dry_run"
  | "skipped_already_delivered"
  | "waiting_for_data"
  | "failed";

export type EmailStatus = "sent" | "already_delivered" | "in_progress" | "preview" | "failed";

/** One email of the run. */
export interface EmailSummary {
  readonly list: string;
  readonly locale: Locale;
  readonly to: readonly string[];
  readonly idempotencyKey: string;
  readonly status: EmailStatus;
  readonly subject?: string;
  readonly htmlBytes?: number;
  readonly messageId?: string;
  /** Where to look at it: outbox path (or SES id); for an earlier delivery, its record's. */
  readonly location?: string;
  readonly error?: string;
  /** The rendered email, in a dry run only (the CLI writes it as a preview). */
  readonly rendered?: RenderedEmail;
}

/** What a run did. */
export interface RunReportSummary {
  readonly runId: string;
  readonly report: ReportKind;
  readonly period: Period;
  readonly periodKey: string;
  readonly outcome: RunOutcome;
  readonly configVersion: string;
  readonly statusCounts: Readonly<Record<Status, number>>;
  readonly metrics: Readonly<
    Record<string, { readonly value: number | null; readonly status: Status }>
  >;
  /** What the run's summary card shows; absent when the run failed before its period was known. */
  readonly card?: RunCardFacts;
  /** Null in a dry run, and when the run was skipped. */
  readonly snapshot: SnapshotReference | null;
  /** What the completeness gate found wrong (empty: complete, or no gate ran). */
  readonly dataIssues: readonly CompletenessIssue[];
  readonly emails: readonly EmailSummary[];
  readonly timingsMs: Readonly<Record<string, number>>;
  readonly queries: readonly QueryStats[];
  readonly error?: string;
  /** What went wrong without failing the run (charts that could not be drawn). */
  readonly warnings?: readonly string[];
}

/** A run failed; `summary` says how far it got (the run log has the same). */
export class ReportRunError extends Error {
  override name = "ReportRunError";
  readonly summary: RunReportSummary;

  constructor(message: string, summary: RunReportSummary, options?: { cause?: unknown }) {
    super(message, options);
    this.summary = summary;
  }
}

/** The evaluated metrics of a run, report-wide and per scope. */
export interface EvaluatedRun {
  readonly metrics: EvaluatedMetric[];
  readonly scoped: Record<string, EvaluatedMetric[]>;
}

/** Where a run's record goes, and what it reads the time and config version from. */
interface RunRecordDeps {
  readonly clock: Clock;
  readonly runLog: RunLog;
  readonly config: OpsConfig;
}

/**
 * What a run has done so far, filled in stage by stage, so that a failure logs how far it
 * got. Each stage is timed under its name for the run log.
 */
export class RunRecord {
  readonly runId: string;
  readonly startedAt: Date;
  period: Period | undefined;
  periodKey = "";
  window: UtcWindow | undefined;
  queries: QueryStats[] = [];
  snapshot: SnapshotReference | null = null;
  completeness: CompletenessGateResult | undefined;
  emails: EmailSummary[] = [];
  readonly warnings: string[] = [];
  evaluated: EvaluatedRun = { metrics: [], scoped: {} };
  private readonly timings: Record<string, number> = {};
  private readonly runStarted: number;
  private readonly deps: RunRecordDeps;
  private readonly request: RunReportRequest;

  constructor(deps: RunRecordDeps, request: RunReportRequest) {
    this.deps = deps;
    this.request = request;
    this.startedAt = deps.clock.now();
    this.runId = request.runId ?? newRunId(request.report, this.startedAt);
    this.runStarted = performance.now();
  }

  /** Runs one stage and records how long it took under `name`. */
  async stage<T>(name: string, work: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.timings[name] = Math.round((performance.now() - started) * 10) / 10;
    }
  }

  /** The run's summary as it stands. */
  summarize(outcome: RunOutcome, error?: string): RunReportSummary {
    const { metrics, scoped } = this.evaluated;
    const all = [...metrics, ...Object.values(scoped).flat()];
    return {
      runId: this.runId,
      report: this.request.report,
      period: this.period ?? {
        kind: periodKindOf(this.request.report),
        start: this.request.date,
        end: this.request.date,
        timeZone: this.request.timeZone ?? "",
      },
      periodKey: this.periodKey,
      outcome,
      configVersion: this.deps.config.version,
      statusCounts: countStatuses(all.map((m) => m.evaluation)),
      metrics: Object.fromEntries(
        metrics.map((m) => [m.def.id, { value: m.evaluation.value, status: m.evaluation.status }]),
      ),
      ...(this.period
        ? { card: runCardFacts(metrics, this.request, this.period, this.deps.config) }
        : {}),
      snapshot: this.snapshot,
      dataIssues: this.completeness?.issues ?? [],
      emails: this.emails,
      timingsMs: this.timings,
      queries: this.queries,
      ...(error ? { error } : {}),
      ...(this.warnings.length > 0 ? { warnings: [...this.warnings] } : {}),
    };
  }

  /** Ends the run with `outcome`: logs it and returns its summary. */
  async finish(outcome: RunOutcome): Promise<RunReportSummary> {
    this.timings.total = this.elapsed();
    const summary = this.summarize(outcome);
    await this.log(summary);
    return summary;
  }

  /** Ends the run as failed: logs how far it got and throws a `ReportRunError`. */
  async fail(error: unknown): Promise<never> {
    if (error instanceof ReportRunError) throw error;
    this.timings.total = this.elapsed();
    const summary = this.summarize("failed", oneLine(error));
    try {
      await this.log(summary);
    } catch (logError) {
      throw new ReportRunError(
        `${oneLine(error)} (and the run log failed: ${oneLine(logError)})`,
        summary,
        { cause: error },
      );
    }
    throw new ReportRunError(oneLine(error), summary, { cause: error });
  }

  private elapsed(): number {
    return Math.round((performance.now() - this.runStarted) * 10) / 10;
  }

  private async log(summary: RunReportSummary): Promise<void> {
    await this.deps.runLog.append(
      runLogEntry(
        summary,
        this.request,
        this.startedAt,
        this.deps.clock.now(),
        this.window,
        this.completeness,
      ),
    );
  }
}

/** The first line of an error's message. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

/** The run log line of a run. */
function runLogEntry(
  summary: RunReportSummary,
  request: RunReportRequest,
  startedAt: Date,
  finishedAt: Date,
  window: UtcWindow | undefined,
  completeness: CompletenessGateResult | undefined,
): Record<string, unknown> {
  const partitionsRead: Record<string, number> = {};
  for (const query of summary.queries) {
    for (const [table, count] of Object.entries(query.partitionsRead ?? {})) {
      partitionsRead[table] = (partitionsRead[table] ?? 0) + count;
    }
  }
  return {
    type: "report_run",
    runId: summary.runId,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    request,
    report: summary.report,
    periodKey: summary.periodKey,
    period: summary.period,
    dataWindow: window ? storedWindow(window) : null,
    configVersion: summary.configVersion,
    outcome: summary.outcome,
    ...(summary.error ? { error: summary.error } : {}),
    ...(summary.warnings ? { warnings: summary.warnings } : {}),
    timingsMs: summary.timingsMs,
    queries: summary.queries,
    rowsReturned: summary.queries.reduce((sum, q) => sum + q.rows, 0),
    bytesScanned: summary.queries.reduce((sum, q) => sum + (q.bytesScanned ?? 0), 0),
    // Partitions opened per table, summed over the queries (one partition read by two
    // queries counts twice: it is what the run paid for).
    partitionsRead,
    completeness: completeness
      ? {
          complete: completeness.issues.length === 0,
          issues: completeness.issues,
          ...(completeness.checked ? { checked: completeness.checked } : {}),
        }
      : null,
    snapshot: summary.snapshot,
    statusCounts: summary.statusCounts,
    recipients: summary.emails.map((e) => ({
      list: e.list,
      to: e.to,
      idempotencyKey: e.idempotencyKey,
      status: e.status,
    })),
    messageIds: summary.emails.flatMap((e) =>
      e.status === "sent" && e.messageId ? [e.messageId] : [],
    ),
  };
}
