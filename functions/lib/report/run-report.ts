/**
 * The report use case: `runReport(deps, request)` turns a request (report, date, time zone,
 * locale) into metrics, evaluates them against the targets, stores a snapshot and delivers
 * one email per recipient list — once.
 *
 * Stages, each timed for the run log:
 *
 * 1. resolve   — the period, its key and UTC window; the deliveries it owes (skip the whole
 *                run when every one of them was already delivered)
 * 2. compute   — the KPI modules run their queries (`computeKpis`)
 * 3. compare   — the stored snapshots of the previous period and of a year earlier
 * 4. gate      — the optional `completenessGate`: which tables' data for the period is
 *                missing, thin or stale; the metrics of modules that read one of them are
 *                "data incomplete" (shown, never judged) and the gate's notice heads the email
 * 5. evaluate  — status and deltas per metric (pure, `kpi/evaluate.ts`)
 * 6. snapshot  — a new revision in the SnapshotStore (never in a dry run)
 * 7. hooks     — `afterSnapshot` extensions (alerts): may add notices to the email
 * 8. render    — every email, fully, before any is sent
 * 9. deliver   — per list: claim the idempotency key (owner: the run; lease: its deadline),
 *                send, record (or release on failure); another run's claim within its lease
 *                fails the run ("delivery in progress or interrupted"), one past it is taken
 *                over (functions/lib/delivery/claims.ts)
 *
 * Whatever happens, one line goes to the run log: the request, timings, queries with rows,
 * bytes and partitions, the gate's findings, snapshot revision, recipients, message ids and
 * the outcome.
 */
import { randomUUID } from "node:crypto";
import {
  chartAttachments,
  renderEmailCharts,
  sparklineHistoryRange,
} from "../charts/email-charts.ts";
import type { ChartRasterizer } from "../charts/raster.ts";
import type { OpsConfig, RecipientList } from "../config/load.ts";
import {
  claimDelivery,
  claimState,
  DeliveryInProgressError,
  inProgressMessage,
  leaseFor,
  runDeadline,
  type SettleWait,
  settledRecord,
  withDeliveryLock,
} from "../delivery/claims.ts";
import { metricTableAttachment } from "../export/metric-table.ts";
import type { CompletenessIssue } from "../kpi/completeness.ts";
import { countStatuses, elapsedShareOfMonth, evaluate, type Status } from "../kpi/evaluate.ts";
import { incompleteTablesOf, type TableDays } from "../kpi/read-windows.ts";
import { isMetricId, type Locale, METRICS, metric } from "../kpi/registry.ts";
import {
  type IsoDate,
  type Period,
  parseIsoDate,
  parseTimeZone,
  periodContaining,
  periodWindow,
  previousPeriod,
  samePeriodLastYear,
  sameZone,
  type UtcWindow,
} from "../kpi/windows.ts";
import type {
  Clock,
  DeliveryLog,
  Mailer,
  QueryEngine,
  QueryStats,
  RunLog,
  SnapshotDocument,
  SnapshotStore,
} from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import { withoutRollups } from "../rollups/refresh.ts";
import { createCampaignSnapshotsHook } from "./campaign-snapshots.ts";
import { type ComputedKpis, computeKpis } from "./compute.ts";
import type { EvaluatedMetric, ReportLink, ReportNotice } from "./email/model.ts";
import {
  loadReportTemplates,
  type RenderedEmail,
  type ReportTemplates,
  renderReportEmail,
} from "./email/render.ts";
import { campaignsModule } from "./modules/campaigns.ts";
import type { KpiModule, MetricValue } from "./modules.ts";
import {
  metricSnapshot,
  periodKeyOf,
  type ReportSnapshot,
  type ReportSnapshotDraft,
  SNAPSHOT_SCHEMA_VERSION,
  type SnapshotReference,
  storedValue,
  storedWindow,
  zonedKey,
} from "./snapshot.ts";

/** The reports this use case makes. */
export type ReportKind = "daily" | "weekly" | "campaigns";

const PERIOD_OF: Readonly<Record<ReportKind, Period["kind"]>> = {
  daily: "day",
  weekly: "week",
  campaigns: "day",
};

/** The period a report covers: the weekly report an ISO week, the others a day. */
export function periodKindOf(report: ReportKind): Period["kind"] {
  return PERIOD_OF[report];
}

/**
 * A report's modules when the caller passes none: every module for daily and weekly; the
 * campaigns module alone for `campaigns` (one ROI snapshot per running campaign a day, and
 * a final one the day after a campaign ends).
 */
const REPORT_MODULES: Readonly<Partial<Record<ReportKind, readonly KpiModule[]>>> = {
  campaigns: [campaignsModule],
};

/** What to run. */
export interface RunReportRequest {
  readonly report: ReportKind;
  /** Any date of the period: the day itself, or a day of the ISO week. */
  readonly date: IsoDate;
  /** IANA zone of local days and weeks; default: the report's schedule zone in config. */
  readonly timeZone?: string;
  /** Language of every email of this run; default: each recipient list's own. */
  readonly locale?: Locale;
  /** Compute, evaluate and render; store nothing, send nothing. */
  readonly dryRun?: boolean;
  /** Send only to this address (for testing), under its own delivery key. */
  readonly to?: string;
  /** Deliver again even when already delivered: the email is marked as a correction. */
  readonly force?: boolean;
  /** False: compute and store the snapshot, send no email (history backfills). */
  readonly deliver?: boolean;
  /** Caller-chosen run id (the Lambda request id, a test's fixed id). */
  readonly runId?: string;
  /**
   * When the run is stopped at the latest (a Lambda's deadline): the lease of its delivery
   * claims. Default: its start plus `RunReportDeps.maxRunMs`.
   */
  readonly deadline?: Date | string;
}

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

/** Everything the use case needs from outside; the CLI and the Lambda wire different adapters. */
export interface RunReportDeps {
  readonly engine: QueryEngine;
  readonly catalog: QueryCatalog;
  readonly snapshots: SnapshotStore;
  readonly mailer: Mailer;
  readonly deliveries: DeliveryLog;
  readonly runLog: RunLog;
  readonly clock: Clock;
  readonly config: OpsConfig;
  /** Compiled email templates; default: `templates/dist/`. */
  readonly templates?: ReportTemplates;
  /** KPI modules; default: every module (`modules/index.ts`). */
  readonly modules?: readonly KpiModule[];
  /** Extension point before evaluation: the data-completeness gate. */
  readonly completenessGate?: CompletenessGate;
  /** Extension point after the snapshot (alerts). */
  readonly afterSnapshot?: readonly AfterSnapshotHook[];
  /**
   * The longest a run may take when the request names no deadline: its delivery claims
   * hold until its start plus this (default 15 minutes, a Lambda's maximum).
   */
  readonly maxRunMs?: number;
  /** How long a run waits for another run's delivery claim to settle (default 20 s). */
  readonly claimWait?: SettleWait;
  /**
   * Draws the emails' charts (headline sparklines from the snapshot history, weekly RFM
   * bars) as inline PNGs; without it the emails have no pictures. A failure to draw leaves
   * the emails without charts and is recorded in the run's `warnings`.
   */
  readonly charts?: ChartRasterizer;
}

export type RunOutcome = "ok" | "dry_run" | "skipped_already_delivered" | "failed";

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

/** A planned delivery: one recipient list (or the `--to` address) and its key. */
interface PlannedDelivery {
  readonly list: RecipientList;
  readonly baseKey: string;
  readonly previous: { readonly location?: string; readonly messageId?: string } | undefined;
}

/** Runs one report for one period. See the module comment for the stages. */
export async function runReport(
  deps: RunReportDeps,
  request: RunReportRequest,
): Promise<RunReportSummary> {
  const startedAt = deps.clock.now();
  const runId = request.runId ?? newRunId(request.report, startedAt);
  const timings: Record<string, number> = {};
  const stage = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[name] = Math.round((performance.now() - started) * 10) / 10;
    }
  };
  const dryRun = request.dryRun === true;
  const deliver = request.deliver !== false && !dryRun;
  // Snapshots and deliveries of a zone other than the configured one are keyed apart.
  const storedKey = (key: string) => {
    const configuredZone = deps.config.schedules[request.report].timeZone;
    return zonedKey(key, request.timeZone ?? configuredZone, configuredZone);
  };

  // Filled in as the run goes, so that a failure logs how far it got.
  let period: Period | undefined;
  let periodKey = "";
  let window: UtcWindow | undefined;
  let queries: QueryStats[] = [];
  let snapshotRef: SnapshotReference | null = null;
  let completeness: CompletenessGateResult | undefined;
  let emails: EmailSummary[] = [];
  const warnings: string[] = [];
  let evaluated: { metrics: EvaluatedMetric[]; scoped: Record<string, EvaluatedMetric[]> } = {
    metrics: [],
    scoped: {},
  };

  const summarize = (outcome: RunOutcome, error?: string): RunReportSummary => {
    const all = [...evaluated.metrics, ...Object.values(evaluated.scoped).flat()];
    return {
      runId,
      report: request.report,
      period: period ?? {
        kind: PERIOD_OF[request.report],
        start: request.date,
        end: request.date,
        timeZone: request.timeZone ?? "",
      },
      periodKey,
      outcome,
      configVersion: deps.config.version,
      statusCounts: countStatuses(all.map((m) => m.evaluation)),
      metrics: Object.fromEntries(
        evaluated.metrics.map((m) => [
          m.def.id,
          { value: m.evaluation.value, status: m.evaluation.status },
        ]),
      ),
      snapshot: snapshotRef,
      dataIssues: completeness?.issues ?? [],
      emails,
      timingsMs: timings,
      queries,
      ...(error ? { error } : {}),
      ...(warnings.length > 0 ? { warnings: [...warnings] } : {}),
    };
  };
  const log = async (summary: RunReportSummary) => {
    await deps.runLog.append(
      runLogEntry(summary, request, startedAt, deps.clock.now(), window, completeness),
    );
  };
  const runStarted = performance.now();
  const finish = async (outcome: RunOutcome): Promise<RunReportSummary> => {
    timings.total = Math.round((performance.now() - runStarted) * 10) / 10;
    const summary = summarize(outcome);
    await log(summary);
    return summary;
  };

  try {
    // 1. resolve
    const plan = await stage("resolve", async () => {
      const timeZone = parseTimeZone(
        request.timeZone ?? deps.config.schedules[request.report].timeZone,
      );
      period = periodContaining(PERIOD_OF[request.report], parseIsoDate(request.date), timeZone);
      periodKey = storedKey(periodKeyOf(period));
      window = periodWindow(period);
      const lists = recipientLists(deps.config, request);
      if (deliver && lists.length === 0) throw noRecipients(request.report, deps.config);
      const planned: PlannedDelivery[] = [];
      for (const list of lists) {
        const baseKey = deliveryKey(request.report, periodKey, list, request.to);
        // Another run's claim within its lease is waited for, then fails the run; a claim
        // past it (or whose process is gone) is owed again and taken over when sending.
        const settled = deliver
          ? await settledRecord(deps.deliveries, baseKey, () => deps.clock.now(), deps.claimWait)
          : undefined;
        const record =
          settled && claimState(settled, deps.clock.now()) === "delivered" ? settled : undefined;
        planned.push({
          list,
          baseKey,
          previous: record
            ? {
                ...(typeof record.location === "string" ? { location: record.location } : {}),
                ...(record.messageId ? { messageId: record.messageId } : {}),
              }
            : undefined,
        });
      }
      return { period, periodKey, window, planned };
    });

    if (
      deliver &&
      !request.force &&
      plan.planned.length > 0 &&
      plan.planned.every((p) => p.previous)
    ) {
      emails = plan.planned.map((p) => alreadyDelivered(p));
      return await finish("skipped_already_delivered");
    }

    // 2. compute
    const computed = await stage("compute", () =>
      computeKpis(
        {
          engine: engineForZone(deps.engine, plan.period.timeZone, deps.config),
          catalog: deps.catalog,
          period: plan.period,
          settings: deps.config.kpi,
          now: startedAt,
        },
        deps.modules ?? REPORT_MODULES[request.report],
      ),
    );
    queries = [...computed.stats];
    assertKnownMetrics(computed);

    // 3. compare
    const stored = await stage("compare", async () => {
      const previousKey = storedKey(periodKeyOf(previousPeriod(plan.period)));
      const yearEarlierKey = storedKey(periodKeyOf(samePeriodLastYear(plan.period)));
      const [previous, yearEarlier] = await Promise.all([
        deps.snapshots.latest(request.report, previousKey),
        deps.snapshots.latest(request.report, yearEarlierKey),
      ]);
      return { previous, yearEarlier };
    });

    // 4. gate: before any judgement
    const gate = deps.completenessGate;
    if (gate) {
      completeness = await stage("gate", () =>
        gate.check({
          request,
          runId,
          period: plan.period,
          periodKey: plan.periodKey,
          window: plan.window,
          config: deps.config,
          now: startedAt,
          reads: computed.windows,
        }),
      );
      queries.push(...(completeness.builds ?? []), ...(completeness.stats ?? []));
    }
    const issues = completeness?.issues ?? [];

    // 5. evaluate
    evaluated = await stage("evaluate", () =>
      evaluateAll(computed, stored, plan.period, deps.config, issues),
    );

    // 6. snapshot
    const document: ReportSnapshotDraft = {
      report: request.report,
      periodKey: plan.periodKey,
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      runId,
      createdAt: startedAt.toISOString(),
      configVersion: deps.config.version,
      period: plan.period,
      dataWindow: storedWindow(plan.window),
      metrics: Object.fromEntries(
        evaluated.metrics.map((m) => [m.def.id, metricSnapshot(m.value, m.evaluation)]),
      ),
      scoped: Object.fromEntries(
        Object.entries(evaluated.scoped).map(([scope, metrics]) => [
          scope,
          Object.fromEntries(metrics.map((m) => [m.def.id, metricSnapshot(m.value, m.evaluation)])),
        ]),
      ),
      ...(Object.keys(computed.scopeNames).length > 0 ? { scopeNames: computed.scopeNames } : {}),
      ...(completeness ? { dataCompleteness: { issues: completeness.issues } } : {}),
      details: computed.details,
      statusCounts: countStatuses(
        [...evaluated.metrics, ...Object.values(evaluated.scoped).flat()].map((m) => m.evaluation),
      ),
      comparedWith: {
        previous: reference(stored.previous),
        yearEarlier: reference(stored.yearEarlier),
      },
    };
    const snapshot = dryRun
      ? undefined
      : await stage("snapshot", async () => (await deps.snapshots.put(document)) as ReportSnapshot);
    if (snapshot) snapshotRef = { periodKey: snapshot.periodKey, revision: snapshot.revision };

    // 7. hooks (alerts)
    const notices: ReportNotice[] = [...(completeness?.notices ?? [])];
    const links: ReportLink[] = [];
    await stage("hooks", async () => {
      const hooks = [
        // The campaigns report also keeps one immutable document per campaign and day.
        ...(request.report === "campaigns" ? [createCampaignSnapshotsHook(deps.snapshots)] : []),
        ...(deps.afterSnapshot ?? []),
      ];
      for (const hook of hooks) {
        const result = await hook.run({
          request,
          runId,
          period: plan.period,
          periodKey: plan.periodKey,
          window: plan.window,
          snapshot,
          document,
          metrics: evaluated.metrics,
          scoped: evaluated.scoped,
          computed,
          completeness,
          config: deps.config,
          now: startedAt,
          dryRun,
        });
        notices.push(...(result?.notices ?? []));
        links.push(...(result?.links ?? []));
        warnings.push(...(result?.warnings ?? []));
        queries.push(...(result?.stats ?? []));
      }
    });

    if (!deliver && !dryRun) return await finish("ok");

    // 8. render: every email, before any is sent (charts first: one drawing per locale)
    const rasterizer = deps.charts;
    const charts = rasterizer
      ? await stage("charts", async () => {
          try {
            const range = sparklineHistoryRange(plan.period);
            return await renderEmailCharts(
              {
                period: plan.period,
                metrics: evaluated.metrics,
                history: await deps.snapshots.history(
                  request.report,
                  storedKey(range.fromKey),
                  storedKey(range.toKey),
                ),
                details: computed.details,
                locales: plan.planned.map((p) => p.list.locale),
              },
              rasterizer,
            );
          } catch (error) {
            warnings.push(`charts were not drawn: ${oneLine(error)}`);
            return {};
          }
        })
      : {};
    const templates = deps.templates ?? loadReportTemplates();
    const rendered = await stage("render", () =>
      plan.planned
        .filter((p) => dryRun || request.force || !p.previous)
        .map((p) => {
          const correctionOfRevision =
            request.force && p.previous ? (snapshot?.revision ?? 0) : undefined;
          const email = renderReportEmail(
            {
              ...(request.report === "campaigns" ? { report: "campaigns" as const } : {}),
              period: plan.period,
              locale: p.list.locale,
              listName: p.list.name,
              metrics: evaluated.metrics,
              scoped: evaluated.scoped,
              scopeNames: computed.scopeNames,
              details: computed.details,
              notices,
              currency: deps.config.kpi.currency,
              minSample: deps.config.kpi.minSample,
              provenance: {
                runId,
                configVersion: deps.config.version,
                window: plan.window,
                periodKey: plan.periodKey,
                revision: snapshot?.revision ?? null,
                comparedWith: document.comparedWith,
                rerunCommand: rerunCommand(request, plan.period, deps.config),
              },
              ...(correctionOfRevision !== undefined ? { correctionOfRevision } : {}),
              ...(charts[p.list.locale] ? { charts: charts[p.list.locale] } : {}),
              links,
            },
            templates,
          );
          const listCharts = charts[p.list.locale];
          const attachments = [
            ...(listCharts ? chartAttachments(listCharts) : []),
            metricTableAttachment(
              request.report,
              { ...document, revision: snapshot?.revision ?? null },
              p.list.locale,
            ),
          ];
          return { planned: p, email: { ...email, attachments } };
        }),
    );
    const skipped = plan.planned
      .filter((p) => !dryRun && !request.force && p.previous)
      .map(alreadyDelivered);

    if (dryRun) {
      emails = rendered.map(({ planned, email }) => ({
        ...base(planned, planned.baseKey),
        status: "preview" as const,
        subject: email.subject,
        htmlBytes: Buffer.byteLength(email.html),
        rendered: email,
      }));
      return await finish("dry_run");
    }

    // 9. deliver: claim, send, record; a failed send releases its claim for a later retry
    const deadline = runDeadline(startedAt, {
      deadline: request.deadline,
      maxRunMs: deps.maxRunMs,
    });
    // One run at a time delivers a period's lists (all from its one snapshot revision).
    const lock = {
      idempotencyKey: `lock:report:${request.report}:${plan.periodKey}`,
      runId,
      deliveredAt: deps.clock.now().toISOString(),
      leaseUntil: leaseFor(deadline, deps.clock.now()),
    };
    const now = () => deps.clock.now();
    const delivered = await stage("deliver", () =>
      withDeliveryLock(deps.deliveries, lock, now, deps.claimWait ?? {}, async () => {
        const results: EmailSummary[] = [];
        for (const { planned, email } of rendered) {
          const key =
            request.force && planned.previous
              ? `${planned.baseKey}:rev${snapshot?.revision ?? 0}`
              : planned.baseKey;
          const summary = {
            ...base(planned, key),
            subject: email.subject,
            htmlBytes: Buffer.byteLength(email.html),
          };
          const claimedAt = deps.clock.now();
          const claim = await claimDelivery(
            deps.deliveries,
            {
              idempotencyKey: key,
              runId,
              deliveredAt: claimedAt.toISOString(),
              state: "sending",
              leaseUntil: leaseFor(deadline, claimedAt),
              list: planned.list.name,
              to: planned.list.to,
            },
            () => deps.clock.now(),
            deps.claimWait,
          );
          if (claim.kind === "in_progress") {
            const error = inProgressMessage(claim.record);
            results.push({ ...summary, status: "in_progress", error });
            continue;
          }
          if (claim.kind === "delivered") {
            const { record } = claim;
            results.push({
              ...summary,
              status: "already_delivered",
              ...(record.messageId ? { messageId: record.messageId } : {}),
              ...(typeof record.location === "string" ? { location: record.location } : {}),
            });
            continue;
          }
          try {
            const sent = await deps.mailer.send(
              {
                idempotencyKey: key,
                listName: planned.list.name,
                from: deps.config.sender,
                to: planned.list.to,
                subject: email.subject,
                html: email.html,
                text: email.text,
                attachments: email.attachments,
                headers: { "X-Opspulse-Run-Id": runId },
              },
              { runId },
            );
            await deps.deliveries.complete({
              idempotencyKey: key,
              runId,
              deliveredAt: deps.clock.now().toISOString(),
              messageId: sent.messageId,
              state: "delivered",
              list: planned.list.name,
              to: planned.list.to,
              location: sent.location,
              snapshotRevision: snapshot?.revision ?? null,
            });
            results.push({
              ...summary,
              status: "sent",
              messageId: sent.messageId,
              location: sent.location,
            });
          } catch (error) {
            await deps.deliveries.release(key);
            results.push({ ...summary, status: "failed", error: oneLine(error) });
          }
        }
        return results;
      }),
    );
    emails = [...delivered, ...skipped];

    const failed = delivered.filter((e) => e.status === "failed");
    if (failed.length > 0) {
      throw new Error(
        `${failed.length} of ${delivered.length} emails failed to send (${failed.map((e) => `${e.list}: ${e.error}`).join("; ")}); their claims were released, so re-running the report retries them.`,
      );
    }
    const held = delivered.filter((e) => e.status === "in_progress");
    if (held.length > 0) throw new DeliveryInProgressError(held.map((e) => e.error).join("; "));
    const outcome =
      delivered.length > 0 && delivered.every((e) => e.status === "already_delivered")
        ? "skipped_already_delivered"
        : "ok";
    return await finish(outcome);
  } catch (error) {
    if (error instanceof ReportRunError) throw error;
    timings.total = Math.round((performance.now() - runStarted) * 10) / 10;
    const summary = summarize("failed", oneLine(error));
    try {
      await log(summary);
    } catch (logError) {
      throw new ReportRunError(
        `${oneLine(error)} (and the run log failed: ${oneLine(logError)})`,
        summary,
        {
          cause: error,
        },
      );
    }
    throw new ReportRunError(oneLine(error), summary, { cause: error });
  }
}

/**
 * Status and deltas of every computed metric, report-wide and per scope, in registry order.
 * A metric is `data_incomplete` when its module reads a table with an issue of the period
 * (every table, when the module declared none), or when a partition inside one of its own
 * windows is missing or thin (`incompleteTablesOf`).
 */
function evaluateAll(
  computed: ComputedKpis,
  stored: { previous: SnapshotDocument | undefined; yearEarlier: SnapshotDocument | undefined },
  period: Period,
  config: OpsConfig,
  issues: readonly CompletenessIssue[],
): { metrics: EvaluatedMetric[]; scoped: Record<string, EvaluatedMetric[]> } {
  const monthShare = elapsedShareOfMonth(period.end);
  const incompleteInputs = (id: string): string[] =>
    incompleteTablesOf(issues, computed.inputs[id], computed.windows[id], period.timeZone);
  const judge = (
    values: Readonly<Record<string, MetricValue>>,
    previousOf: (id: string) => number | null,
    yearEarlierOf: (id: string) => number | null,
  ): EvaluatedMetric[] =>
    METRICS.filter((def) => values[def.id] !== undefined).map((def) => {
      const value = values[def.id] as MetricValue;
      const target = config.targets[def.id];
      const unreliable = incompleteInputs(def.id);
      return {
        def,
        value,
        evaluation: evaluate({
          metric: def,
          value,
          ...(target ? { target } : {}),
          previous: previousOf(def.id),
          yearEarlier: yearEarlierOf(def.id),
          monthShare,
          ...(unreliable.length > 0 ? { incompleteInputs: unreliable } : {}),
        }),
      };
    });
  const metrics = judge(
    computed.values,
    (id) => storedValue(stored.previous, id),
    (id) => storedValue(stored.yearEarlier, id),
  );
  const scoped: Record<string, EvaluatedMetric[]> = {};
  for (const [scope, values] of Object.entries(computed.scoped)) {
    const scopedValue = (doc: SnapshotDocument | undefined, id: string) => {
      const value = (doc as Partial<ReportSnapshot> | undefined)?.scoped?.[scope]?.[id]?.value;
      return typeof value === "number" ? value : null;
    };
    scoped[scope] = judge(
      values,
      (id) => scopedValue(stored.previous, id),
      (id) => scopedValue(stored.yearEarlier, id),
    );
  }
  return { metrics, scoped };
}

function assertKnownMetrics(computed: ComputedKpis): void {
  const ids = [
    ...Object.keys(computed.values),
    ...Object.values(computed.scoped).flatMap((v) => Object.keys(v)),
  ];
  for (const id of ids) {
    if (!isMetricId(id)) {
      throw new Error(
        `A KPI module returned the unknown metric "${id}": add it to functions/lib/kpi/registry.ts.`,
      );
    }
    metric(id);
  }
}

/**
 * A delivering run with no one to deliver to: it would store a snapshot and send nothing,
 * which must not pass for "ok" (`loadConfig` refuses such a deployment up front).
 */
export class NoRecipientsError extends Error {
  override name = "NoRecipientsError";
}

function noRecipients(report: ReportKind, config: OpsConfig): NoRecipientsError {
  return new NoRecipientsError(
    `no recipient list for the ${report} report: add one under reports.${report} in ${config.dir}/recipients.yaml, or run with --to ADDRESS or --no-email`,
  );
}

/** The lists of a run: the configured ones (locale overridable), or just the `--to` address. */
function recipientLists(config: OpsConfig, request: RunReportRequest): RecipientList[] {
  const configured = config.recipients[request.report];
  if (request.to) {
    return [
      { name: "direct", locale: request.locale ?? configured[0]?.locale ?? "en", to: [request.to] },
    ];
  }
  return configured.map((list) => (request.locale ? { ...list, locale: request.locale } : list));
}

/**
 * `report:<report>:<periodKey>:<list>`, or `…:to:<address>` for a `--to` run; the period key
 * is the stored one, with its zone segment when the run's zone is not the configured one
 * (`report:daily:tz=America.New_York/2026-03-01:managers`).
 */
export function deliveryKey(
  report: ReportKind,
  periodKey: string,
  list: RecipientList,
  to?: string,
): string {
  return to
    ? `report:${report}:${periodKey}:to:${to.trim().toLowerCase()}`
    : `report:${report}:${periodKey}:${list.name}`;
}

function base(planned: PlannedDelivery, key: string) {
  return {
    list: planned.list.name,
    locale: planned.list.locale,
    to: planned.list.to,
    idempotencyKey: key,
  };
}

function alreadyDelivered(planned: PlannedDelivery): EmailSummary {
  return {
    ...base(planned, planned.baseKey),
    status: "already_delivered",
    ...(planned.previous?.messageId ? { messageId: planned.previous.messageId } : {}),
    ...(planned.previous?.location ? { location: planned.previous.location } : {}),
  };
}

function reference(doc: SnapshotDocument | undefined): SnapshotReference | null {
  return doc ? { periodKey: doc.periodKey, revision: doc.revision } : null;
}

/** The command that re-runs `request` for `period` (shown in emails and alerts). */
export function rerunCommand(request: RunReportRequest, period: Period, config: OpsConfig): string {
  const zone = sameZone(period.timeZone, config.schedules[request.report].timeZone)
    ? ""
    : ` --tz ${period.timeZone}`;
  return `opspulse run ${request.report} --date ${period.start}${zone}`;
}

/** `20260302T000102Z-daily-1a2b3c4d`: sortable by time, unique by suffix. */
export function newRunId(report: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replaceAll(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${report}-${randomUUID().slice(0, 8)}`;
}

function oneLine(error: unknown): string {
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

/**
 * The engine a run in `timeZone` reads with. The lake's rollups are local days of one zone,
 * the config's report zone (`time_zone` of schedules.yaml, which `opspulse rollup` uses
 * too); a run in any other zone (a `--tz` re-run, a schedule with a zone of its own) reads
 * them inlined from raw data instead of rebuilding them in its zone under other runs.
 */
export function engineForZone(
  engine: QueryEngine,
  timeZone: string,
  config: Pick<OpsConfig, "timeZone">,
): QueryEngine {
  return sameZone(timeZone, config.timeZone) ? engine : withoutRollups(engine);
}
