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
 *                missing, thin or stale, and which partitions inside the windows the
 *                metrics read are missing or thin; the metrics reading them are "data
 *                incomplete" (shown, never judged) and the gate's notice heads the email;
 *                a run that waits for complete data (`holdIfIncomplete`) stops here instead
 * 5. evaluate  — status and deltas per metric (pure, `kpi/evaluate.ts`); then each watched
 *                metric's baseline band (status `anomaly` outside it) and the drivers of
 *                what is anomalous or breaching (`anomalies.ts`)
 * 6. snapshot  — a new revision in the SnapshotStore (never in a dry run)
 * 7. hooks     — `afterSnapshot` extensions (alerts): may add notices to the email
 * 8. render    — every email, fully, before any is sent
 * 9. deliver   — under the period's delivery lock, per list: claim the idempotency key
 *                (owner: the run; lease: its deadline), send, record (or release on
 *                failure); another run's claim within its lease fails the run ("delivery in
 *                progress or interrupted"), one past it is taken over
 *                (functions/lib/delivery/claims.ts)
 *
 * Whatever happens, one line goes to the run log: the request, timings, queries with rows,
 * bytes and partitions, the gate's findings, snapshot revision, recipients, message ids and
 * the outcome.
 */
import type { ChartRasterizer } from "../charts/raster.ts";
import type { OpsConfig } from "../config/load.ts";
import { runDeadline, type SettleWait } from "../delivery/claims.ts";
import { firstFullLocalDay } from "../kpi/baseline.ts";
import { countStatuses } from "../kpi/evaluate.ts";
import { runAsOf } from "../kpi/run-time.ts";
import {
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
  RunLog,
  SnapshotDocument,
  SnapshotStore,
} from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import { withoutRollups } from "../rollups/refresh.ts";
import { type DriversByMetric, judgeAnomalies, markOngoing } from "./anomalies.ts";
import { createCampaignSnapshotsHook } from "./campaign-snapshots.ts";
import { type ComputedKpis, computeKpis } from "./compute.ts";
import {
  alreadyDelivered,
  type DeliveryPlan,
  deliveryLockKey,
  deliveryOutcome,
  deliverySummary,
  planDeliveries,
  type RenderedDelivery,
  sendClaimed,
} from "./deliveries.ts";
import type { ReportLink, ReportNotice } from "./email/model.ts";
import { loadReportTemplates, type ReportTemplates } from "./email/render.ts";
import { assertKnownMetrics, evaluateAll, type StoredComparisons } from "./evaluate-run.ts";
import { campaignsModule } from "./modules/campaigns.ts";
import type { KpiModule } from "./modules.ts";
import { drawCharts, renderEmails } from "./render-emails.ts";
import type { AfterSnapshotHook, CompletenessGate, CompletenessGateResult } from "./run-hooks.ts";
import { RunRecord, type RunReportSummary } from "./run-record.ts";
import { periodKindOf, type ReportKind, type RunReportRequest } from "./run-request.ts";
import {
  metricSnapshot,
  periodKeyOf,
  type ReportSnapshot,
  type ReportSnapshotDraft,
  SNAPSHOT_SCHEMA_VERSION,
  type SnapshotReference,
  storedWindow,
  zonedKey,
} from "./snapshot.ts";

export { deliveryKey, NoRecipientsError } from "./deliveries.ts";
export type {
  AfterSnapshotContext,
  AfterSnapshotHook,
  AfterSnapshotResult,
  CompletenessGate,
  CompletenessGateContext,
  CompletenessGateResult,
} from "./run-hooks.ts";
export {
  type EmailStatus,
  type EmailSummary,
  ReportRunError,
  type RunOutcome,
  type RunReportSummary,
} from "./run-record.ts";
export {
  newRunId,
  periodKindOf,
  type ReportKind,
  type RunReportRequest,
  rerunCommand,
} from "./run-request.ts";

/**
 * A report's modules when the caller passes none: every module for daily and weekly; the
 * campaigns module alone for `campaigns` (one ROI snapshot per running campaign a day, and
 * a final one the day after a campaign ends).
 */
const REPORT_MODULES: Readonly<Partial<Record<ReportKind, readonly KpiModule[]>>> = {
  campaigns: [campaignsModule],
};

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
   * Draws the emails' charts (headline sparklines from the snapshot history, weekly RFM
   * bars) as inline PNGs; without it the emails have no pictures. A failure to draw leaves
   * the emails without charts and is recorded in the run's `warnings`.
   */
  readonly charts?: ChartRasterizer;
  /**
   * The longest a run may take when the request names no deadline: its delivery claims
   * hold until its start plus this (default 15 minutes, a Lambda's maximum).
   */
  readonly maxRunMs?: number;
  /** How long a run waits for another run's delivery claim to settle (default 20 s). */
  readonly claimWait?: SettleWait;
}

/** The period of a run, its stored key and UTC window, and the deliveries it owes. */
interface RunPlan extends DeliveryPlan {
  readonly period: Period;
  readonly periodKey: string;
  readonly window: UtcWindow;
}

/** What the hooks add to the run's emails. */
interface HookAdditions {
  readonly notices: ReportNotice[];
  readonly links: ReportLink[];
}

/** Runs one report for one period. See the module comment for the stages. */
export async function runReport(
  deps: RunReportDeps,
  request: RunReportRequest,
): Promise<RunReportSummary> {
  const run = new RunRecord(deps, request);
  const dryRun = request.dryRun === true;
  const deliver = request.deliver !== false && !dryRun;
  try {
    const plan = await run.stage("resolve", () => resolvePlan(deps, request, run, deliver));
    if (deliver && !request.force) {
      // A list's chat card not recorded complete (a platform was down) is still owed.
      if (plan.planned.length > 0 && plan.planned.every((p) => p.previous && !p.chatPending)) {
        run.emails = plan.planned.map((p) => alreadyDelivered(p));
        return await run.finish("skipped_already_delivered");
      }
    }
    const computed = await run.stage("compute", () => computeModules(deps, request, plan, run));
    const stored = await run.stage("compare", () => loadComparisons(deps, request, plan));
    const completeness = await checkCompleteness(deps, request, plan, run, computed);
    // Waiting for complete data: nothing is judged, stored or sent until it is (waiting/).
    if (holdsForData(request, deliver, completeness)) return await run.finish("waiting_for_data");
    run.evaluated = await run.stage("evaluate", () =>
      evaluateAll(computed, stored, plan.period, deps.config, completeness?.issues ?? []),
    );
    const drivers = await run.stage("anomalies", () =>
      anomalyStage(deps, request, plan, run, stored),
    );
    const document = {
      ...snapshotDraft(request, plan, run, computed, stored, completeness, deps.config),
      ...(Object.keys(drivers).length > 0 ? { drivers } : {}),
    };
    const snapshot = dryRun
      ? undefined
      : await run.stage("snapshot", () =>
          storeSnapshot(deps.snapshots, document, run, request.to !== undefined),
        );
    const additions = await run.stage("hooks", () =>
      runHooks(deps, request, plan, run, { computed, completeness, document, snapshot, dryRun }),
    );
    if (!deliver && !dryRun) return await run.finish("ok");

    const rendered = await renderStage(deps, request, plan, run, {
      computed,
      document,
      snapshot,
      additions,
      previous: stored.previous,
    });
    if (dryRun) {
      run.emails = rendered.map(previewSummary);
      return await run.finish("dry_run");
    }
    const skipped = plan.planned.filter((p) => !request.force && p.previous).map(alreadyDelivered);
    const delivered = await run.stage("deliver", () =>
      sendClaimed(deps, rendered, {
        runId: run.runId,
        force: request.force === true,
        revision: snapshot?.revision ?? null,
        deadline: runDeadline(run.startedAt, {
          deadline: request.deadline,
          maxRunMs: deps.maxRunMs,
        }),
        lockKey: deliveryLockKey(request.report, plan.periodKey),
      }),
    );
    run.emails = [...delivered, ...skipped];
    return await run.finish(deliveryOutcome(delivered));
  } catch (error) {
    return await run.fail(error);
  } finally {
    await deps.engine.endRun?.();
  }
}

/** Stage 1, resolve: the period, its stored key and UTC window; the deliveries it owes. */
async function resolvePlan(
  deps: RunReportDeps,
  request: RunReportRequest,
  run: RunRecord,
  deliver: boolean,
): Promise<RunPlan> {
  const timeZone = parseTimeZone(
    request.timeZone ?? deps.config.schedules[request.report].timeZone,
  );
  const period = periodContaining(
    periodKindOf(request.report),
    parseIsoDate(request.date),
    timeZone,
  );
  run.period = period;
  run.periodKey = storedKey(deps.config, request, periodKeyOf(period));
  run.window = periodWindow(period);
  const deliveries = await planDeliveries(deps, request, run.periodKey, deliver);
  return { period, periodKey: run.periodKey, window: run.window, ...deliveries };
}

/**
 * The stored form of a period key: snapshots and deliveries of a zone other than the
 * configured one are keyed apart.
 */
function storedKey(config: OpsConfig, request: RunReportRequest, key: string): string {
  const configuredZone = config.schedules[request.report].timeZone;
  return zonedKey(key, request.timeZone ?? configuredZone, configuredZone);
}

/** Stage 2, compute: the KPI modules run their queries. */
async function computeModules(
  deps: RunReportDeps,
  request: RunReportRequest,
  plan: RunPlan,
  run: RunRecord,
): Promise<ComputedKpis> {
  const computed = await computeKpis(
    {
      engine: engineForZone(deps.engine, plan.period.timeZone, deps.config),
      catalog: deps.catalog,
      period: plan.period,
      settings: deps.config.kpi,
      now: run.startedAt,
      // A re-run of a past period measures freshness as of that period's scheduled run.
      asOf: runAsOf(plan.period, run.startedAt, {
        cron: deps.config.schedules[request.report].cron,
        timeZone: plan.period.timeZone,
      }),
    },
    deps.modules ?? REPORT_MODULES[request.report],
  );
  run.queries = [...computed.stats];
  assertKnownMetrics(computed);
  return computed;
}

/** Stage 3, compare: the stored snapshots of the previous period and of a year earlier. */
async function loadComparisons(
  deps: RunReportDeps,
  request: RunReportRequest,
  plan: RunPlan,
): Promise<StoredComparisons> {
  const previousKey = storedKey(deps.config, request, periodKeyOf(previousPeriod(plan.period)));
  const yearEarlierKey = storedKey(
    deps.config,
    request,
    periodKeyOf(samePeriodLastYear(plan.period)),
  );
  const [previous, yearEarlier, firstPartition] = await Promise.all([
    deps.snapshots.latest(request.report, previousKey),
    deps.snapshots.latest(request.report, yearEarlierKey),
    deps.engine.lakeFirstDay?.(),
  ]);
  // The lake's first partition, or the first the engine can see when that is later.
  const firstDt = [firstPartition, deps.engine.visibleFrom]
    .filter((dt): dt is string => dt !== undefined)
    .sort()
    .at(-1);
  const lakeFirstDay = firstDt ? firstFullLocalDay(firstDt, plan.period.timeZone) : undefined;
  return { previous, yearEarlier, ...(lakeFirstDay ? { lakeFirstDay } : {}) };
}

/** Stage 4, gate: before any judgement, which tables' data for the period is incomplete. */
async function checkCompleteness(
  deps: RunReportDeps,
  request: RunReportRequest,
  plan: RunPlan,
  run: RunRecord,
  computed: ComputedKpis,
): Promise<CompletenessGateResult | undefined> {
  const gate = deps.completenessGate;
  if (!gate) return undefined;
  const completeness = await run.stage("gate", () =>
    gate.check({
      request,
      runId: run.runId,
      period: plan.period,
      periodKey: plan.periodKey,
      window: plan.window,
      config: deps.config,
      now: run.startedAt,
      reads: computed.windows,
    }),
  );
  run.completeness = completeness;
  run.queries.push(...(completeness.builds ?? []), ...(completeness.stats ?? []));
  return completeness;
}

function holdsForData(
  request: RunReportRequest,
  deliver: boolean,
  completeness: CompletenessGateResult | undefined,
): boolean {
  return request.holdIfIncomplete === true && deliver && (completeness?.issues.length ?? 0) > 0;
}

/** Stage 6a: the snapshot document of the run, as it is (or would be) stored. */
function snapshotDraft(
  request: RunReportRequest,
  plan: RunPlan,
  run: RunRecord,
  computed: ComputedKpis,
  stored: StoredComparisons,
  completeness: CompletenessGateResult | undefined,
  config: OpsConfig,
): ReportSnapshotDraft {
  const { metrics, scoped } = run.evaluated;
  return {
    report: request.report,
    periodKey: plan.periodKey,
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    runId: run.runId,
    createdAt: run.startedAt.toISOString(),
    configVersion: config.version,
    period: plan.period,
    dataWindow: storedWindow(plan.window),
    metrics: Object.fromEntries(
      metrics.map((m) => [m.def.id, metricSnapshot(m.value, m.evaluation)]),
    ),
    scoped: Object.fromEntries(
      Object.entries(scoped).map(([scope, list]) => [
        scope,
        Object.fromEntries(list.map((m) => [m.def.id, metricSnapshot(m.value, m.evaluation)])),
      ]),
    ),
    ...(Object.keys(computed.scopeNames).length > 0 ? { scopeNames: computed.scopeNames } : {}),
    ...(completeness ? { dataCompleteness: { issues: completeness.issues } } : {}),
    details: computed.details,
    statusCounts: countStatuses(
      [...metrics, ...Object.values(scoped).flat()].map((m) => m.evaluation),
    ),
    comparedWith: {
      previous: reference(stored.previous),
      yearEarlier: reference(stored.yearEarlier),
    },
  };
}

/**
 * Stage 5b, anomalies: each watched metric's baseline band from the stored history (status
 * `anomaly` outside it), then the drivers of every anomalous or breaching metric.
 */
async function anomalyStage(
  deps: RunReportDeps,
  request: RunReportRequest,
  plan: RunPlan,
  run: RunRecord,
  stored: StoredComparisons,
): Promise<DriversByMetric> {
  const judged = await judgeAnomalies(
    {
      snapshots: deps.snapshots,
      report: request.report,
      period: plan.period,
      storedKey: (key) => storedKey(deps.config, request, key),
      anomalies: deps.config.anomalies,
      engine: engineForZone(deps.engine, plan.period.timeZone, deps.config),
      catalog: deps.catalog,
      settings: deps.config.kpi,
      now: run.startedAt,
    },
    run.evaluated.metrics,
  );
  run.evaluated = {
    metrics: markOngoing(judged.metrics, stored.previous),
    scoped: Object.fromEntries(
      Object.entries(run.evaluated.scoped).map(([scope, list]) => [
        scope,
        markOngoing(list, stored.previous, scope),
      ]),
    ),
  };
  run.queries.push(...judged.stats);
  return judged.drivers;
}

/**
 * Stage 6b, snapshot: a new revision in the store (never in a dry run). A test send to one
 * address (`reuseLatest`) stores none when the period has one: it shows the latest.
 */
async function storeSnapshot(
  snapshots: SnapshotStore,
  document: ReportSnapshotDraft,
  run: RunRecord,
  reuseLatest = false,
): Promise<ReportSnapshot> {
  const latest = reuseLatest
    ? ((await snapshots.latest(document.report, document.periodKey)) as ReportSnapshot | undefined)
    : undefined;
  const snapshot = latest ?? ((await snapshots.put(document)) as ReportSnapshot);
  run.snapshot = { periodKey: snapshot.periodKey, revision: snapshot.revision };
  return snapshot;
}

/**
 * Stage 7, hooks: the per-campaign snapshots (campaigns report) and the `afterSnapshot`
 * extensions (alerts, dashboard), in order; what they add heads or ends the emails.
 */
async function runHooks(
  deps: RunReportDeps,
  request: RunReportRequest,
  plan: RunPlan,
  run: RunRecord,
  made: {
    readonly computed: ComputedKpis;
    readonly completeness: CompletenessGateResult | undefined;
    readonly document: ReportSnapshotDraft;
    readonly snapshot: ReportSnapshot | undefined;
    readonly dryRun: boolean;
  },
): Promise<HookAdditions> {
  const notices: ReportNotice[] = [...(made.completeness?.notices ?? [])];
  const links: ReportLink[] = [];
  const hooks = [
    // The campaigns report also keeps one immutable document per campaign and day.
    ...(request.report === "campaigns" ? [createCampaignSnapshotsHook(deps.snapshots)] : []),
    ...(deps.afterSnapshot ?? []),
  ];
  for (const hook of hooks) {
    const result = await hook.run({
      request,
      runId: run.runId,
      period: plan.period,
      periodKey: plan.periodKey,
      window: plan.window,
      snapshot: made.snapshot,
      document: made.document,
      metrics: run.evaluated.metrics,
      scoped: run.evaluated.scoped,
      computed: made.computed,
      completeness: made.completeness,
      config: deps.config,
      now: run.startedAt,
      dryRun: made.dryRun,
    });
    notices.push(...(result?.notices ?? []));
    links.push(...(result?.links ?? []));
    run.warnings.push(...(result?.warnings ?? []));
    run.queries.push(...(result?.stats ?? []));
  }
  return { notices, links };
}

/** Stage 8, charts and render: every email, fully, before any is sent. */
async function renderStage(
  deps: RunReportDeps,
  request: RunReportRequest,
  plan: RunPlan,
  run: RunRecord,
  made: {
    readonly computed: ComputedKpis;
    readonly document: ReportSnapshotDraft;
    readonly snapshot: ReportSnapshot | undefined;
    readonly additions: HookAdditions;
    /** The previous period's snapshot: what was already flagged (needs-attention order). */
    readonly previous: SnapshotDocument | undefined;
  },
): Promise<RenderedDelivery[]> {
  const rasterizer = deps.charts;
  const charts = rasterizer
    ? await run.stage("charts", () =>
        drawCharts(
          { snapshots: deps.snapshots, charts: rasterizer },
          {
            report: request.report,
            period: plan.period,
            evaluated: run.evaluated,
            details: made.computed.details,
            locales: plan.planned.map((p) => p.list.locale),
            storedKey: (key) => storedKey(deps.config, request, key),
          },
          run.warnings,
        ),
      )
    : {};
  const templates = deps.templates ?? loadReportTemplates();
  return await run.stage("render", () =>
    renderEmails(
      plan.planned,
      {
        request,
        runId: run.runId,
        period: plan.period,
        periodKey: plan.periodKey,
        window: plan.window,
        evaluated: run.evaluated,
        computed: made.computed,
        document: made.document,
        previous: made.previous,
        snapshot: made.snapshot,
        notices: made.additions.notices,
        links: made.additions.links,
        charts,
      },
      deps.config,
      templates,
    ),
  );
}

/** A dry run's email: rendered, not sent (the CLI writes it as a preview). */
function previewSummary({ planned, email }: RenderedDelivery) {
  return {
    ...deliverySummary(planned, planned.baseKey),
    status: "preview" as const,
    subject: email.subject,
    htmlBytes: Buffer.byteLength(email.html),
    rendered: email,
  };
}

function reference(doc: SnapshotDocument | undefined): SnapshotReference | null {
  return doc ? { periodKey: doc.periodKey, revision: doc.revision } : null;
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
