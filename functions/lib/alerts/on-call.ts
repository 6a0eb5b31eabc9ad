/**
 * On-call alerting of the report use case: its data-completeness gate, an `afterSnapshot`
 * hook of `runReport` and a failure notice around it.
 *
 * Before any metric is judged, the gate (`completeness-check.ts`, `queries/completeness.sql`)
 * finds the tables whose data for the period is missing, thin or stale: the use case marks
 * the metrics read from them "data incomplete" and heads the managers' email with a notice.
 * After the report's snapshot is stored, the hook
 * 1. takes the gate's findings: an incomplete period raises one data alert per table and is
 *    not judged by the alerts;
 * 2. applies the period to the alert state (pure `kpi/alerts.ts`) and saves it with a
 *    compare-and-swap, loading again on a conflict;
 * 3. delivers each notification exactly once: claim its key in the delivery log (create if
 *    absent), render and send, record the message id; a failed send releases the claim and
 *    fails the run, so that no manager email goes out and a re-run retries the alert.
 *
 * Re-running a period, or running it from two processes at once, yields the same keys (see
 * `kpi/alerts.ts`), so the delivery log lets each alert out once.
 *
 * {@link runReportWithAlerts} adds the gate and the hook and, when the run fails, sends
 * on-call one failure notice per run (query error, timeout, a failed send…): managers get
 * nothing.
 */

import {
  type AlertNotification,
  type AlertRules,
  type AlertStep,
  judgesScopedMetrics,
  type PeriodObservations,
  parseAlertState,
  stepAlerts,
  WHOLE_BUSINESS,
} from "../kpi/alerts.ts";
import type { Driver } from "../kpi/drivers.ts";
import { InvalidPeriodError, type Period, sameZone } from "../kpi/windows.ts";
import type { AlertStateStore, OutgoingEmail, QueryStats } from "../ports.ts";
import type { EvaluatedMetric } from "../report/email/model.ts";
import type { CompiledTemplate } from "../report/email/template.ts";
import {
  type AfterSnapshotContext,
  type AfterSnapshotHook,
  type AfterSnapshotResult,
  ReportRunError,
  type RunReportDeps,
  type RunReportRequest,
  type RunReportSummary,
  rerunCommand,
  runReport,
} from "../report/run-report.ts";
import {
  type ChannelBreakdown,
  measureFor,
  queryChannelActivity,
  rankChannels,
} from "./breakdown.ts";
import { createCompletenessGate } from "./completeness-check.ts";
import { DEFAULT_ALERT_SETTINGS } from "./config.ts";
import {
  loadAlertTemplate,
  type RenderedAlert,
  renderAlertEmail,
  renderFailureNotice,
} from "./render.ts";
import { loadTrend } from "./trend.ts";

/** The list name of on-call in delivery keys and the outbox. */
export const ON_CALL_LIST = "on-call";

/** What on-call alerting needs besides the report's own dependencies. */
export interface OnCallDeps extends RunReportDeps {
  readonly alertState: AlertStateStore;
  /** The compiled alert template; default: `templates/dist/alert.html`. */
  readonly alertTemplate?: CompiledTemplate;
  /** Attempts at saving the alert state against concurrent writers (default 20). */
  readonly stateAttempts?: number;
}

/** The alert state kept changing under this run; nothing was sent. */
export class AlertStateConflictError extends Error {
  override name = "AlertStateConflictError";
}

/** How one notification fared. */
export interface NotificationOutcome {
  readonly key: string;
  readonly kind: AlertNotification["kind"] | "failure";
  readonly status: "sent" | "already_delivered" | "failed" | "suppressed" | "no_on_call_list";
  readonly subject?: string;
  readonly messageId?: string;
  readonly location?: string;
  readonly error?: string;
}

/**
 * Runs the report with the completeness gate (unless `deps` brings its own) and on-call
 * alerting; a failed run sends one failure notice.
 */
export async function runReportWithAlerts(
  deps: OnCallDeps,
  request: RunReportRequest,
): Promise<RunReportSummary> {
  const withHook: RunReportDeps = {
    ...deps,
    completenessGate: deps.completenessGate ?? createCompletenessGate(deps),
    afterSnapshot: [...(deps.afterSnapshot ?? []), createAlertHook(deps)],
  };
  try {
    return await runReport(withHook, request);
  } catch (error) {
    if (error instanceof ReportRunError && needsFailureNotice(error, request)) {
      await sendFailureNotice(deps, request, error);
    }
    throw error;
  }
}

/**
 * The `afterSnapshot` hook that judges and alerts (see the module comment). It reads the
 * completeness gate's findings from the run: without a gate, no data alert is raised.
 */
export function createAlertHook(deps: OnCallDeps): AfterSnapshotHook {
  return { name: "alerts", run: (context) => alertAfterSnapshot(deps, context) };
}

async function alertAfterSnapshot(
  deps: OnCallDeps,
  context: AfterSnapshotContext,
): Promise<AfterSnapshotResult> {
  const settings = context.config.alerts ?? DEFAULT_ALERT_SETTINGS;
  const stats: QueryStats[] = [];
  const command = rerunCommand(context.request, context.period, context.config);
  const gate = context.completeness;
  const dataIssues = gate?.issues ?? [];

  // A preview, a history backfill, a test send to one address or a re-run in another zone
  // than the configured one (a view of other days, keyed apart) judges nothing for on-call.
  if (
    context.dryRun ||
    context.request.deliver === false ||
    context.request.to ||
    !sameZone(context.period.timeZone, context.config.schedules[context.request.report].timeZone)
  ) {
    return { stats };
  }

  const step = await advanceAlertState(
    deps.alertState,
    {
      report: context.request.report,
      periodKey: context.periodKey,
      observations: observationsOf(context.request.report, context.metrics, context.scoped),
      ...(dataIssues.length > 0 ? { dataIssues } : {}),
    },
    settings.rules,
    context.now,
    deps.stateAttempts,
  );
  const outcomes = await deliverNotifications(deps, context, step.notifications, command, stats);
  outcomes.push(
    ...step.suppressed.map((n) => ({ key: n.key, kind: n.kind, status: "suppressed" as const })),
  );
  await deps.runLog.append({
    type: "alerts",
    runId: context.runId,
    report: context.request.report,
    periodKey: context.periodKey,
    at: context.now.toISOString(),
    completeness: gate
      ? { complete: gate.issues.length === 0, issues: gate.issues, checked: gate.checked ?? [] }
      : "disabled",
    stateAttempts: step.attempts,
    skippedRecords: step.skipped,
    notifications: outcomes,
  });
  const failed = outcomes.filter((o) => o.status === "failed");
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} on-call alert(s) failed to send (${failed.map((o) => `${o.key}: ${o.error}`).join("; ")}); their claims were released, so re-running the report retries them.`,
    );
  }
  return { stats };
}

/**
 * Loads the alert state, applies the period and saves it with the version it read; on a
 * conflict (another run saved first) loads again, up to `attempts` times.
 */
export async function advanceAlertState(
  store: AlertStateStore,
  input: PeriodObservations,
  rules: AlertRules,
  at: Date,
  attempts = 20,
): Promise<AlertStep & { readonly attempts: number }> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const loaded = await store.load();
    const step = stepAlerts(parseAlertState(loaded.state), input, rules, at);
    if (await store.save(step.state, loaded.version)) return { ...step, attempts: attempt };
  }
  throw new AlertStateConflictError(
    `The alert state changed under this run ${attempts} times in a row: too many runs at once. Re-run the report; its alerts are sent once either way.`,
  );
}

/** The period's evaluated metrics as the state machine sees them. */
export function observationsOf(
  report: string,
  metrics: readonly EvaluatedMetric[],
  scoped: Readonly<Record<string, readonly EvaluatedMetric[]>>,
): PeriodObservations["observations"] {
  const observe = (m: EvaluatedMetric, scope: string) => ({
    metric: m.def.id,
    scope,
    status: m.evaluation.status,
    value: m.evaluation.value,
    measured: m.evaluation.measured,
    target: m.evaluation.threshold,
  });
  return [
    ...metrics.map((m) => observe(m, WHOLE_BUSINESS)),
    ...(judgesScopedMetrics(report)
      ? Object.entries(scoped).flatMap(([scope, list]) => list.map((m) => observe(m, scope)))
      : []),
  ];
}

async function deliverNotifications(
  deps: OnCallDeps,
  context: AfterSnapshotContext,
  notifications: readonly AlertNotification[],
  command: string,
  stats: QueryStats[],
): Promise<NotificationOutcome[]> {
  const onCall = context.config.onCall;
  if (!onCall) {
    return notifications.map((n) => ({ key: n.key, kind: n.kind, status: "no_on_call_list" }));
  }
  const template = deps.alertTemplate ?? loadAlertTemplate();
  let activity: Awaited<ReturnType<typeof queryChannelActivity>>["rows"] | null | undefined;
  const breakdownFor = async (metricId: string): Promise<ChannelBreakdown | null> => {
    if (activity === undefined) {
      try {
        const result = await queryChannelActivity(deps.engine, deps.catalog, context.period);
        stats.push(result.stats);
        activity = result.rows;
      } catch {
        activity = null; // the alert goes out without its breakdown rather than not at all
      }
    }
    return activity ? rankChannels(activity, measureFor(metricId)) : null;
  };

  const outcomes: NotificationOutcome[] = [];
  for (const notification of notifications) {
    outcomes.push(
      await deliverOnce(deps, {
        key: `${notification.key}:${ON_CALL_LIST}`,
        kind: notification.kind,
        runId: context.runId,
        listName: `${ON_CALL_LIST}.${slug(notification)}`,
        to: onCall.to,
        from: context.config.sender,
        render: async () => {
          const withContext =
            notification.kind === "start" ||
            notification.kind === "reminder" ||
            notification.kind === "resolved";
          return renderAlertEmail(
            {
              notification,
              period: context.period,
              locale: onCall.locale,
              currency: context.config.kpi.currency,
              runId: context.runId,
              rerunCommand: command,
              ...(withContext
                ? {
                    trend: await loadTrend(
                      deps.snapshots,
                      context.request.report,
                      context.period,
                      notification.metric,
                      notification.scope,
                    ),
                    breakdown: await breakdownFor(notification.metric),
                    ...driversOf(context.document, notification),
                  }
                : {}),
            },
            template,
          );
        },
      }),
    );
  }
  return outcomes;
}

interface Delivery {
  readonly key: string;
  readonly kind: NotificationOutcome["kind"];
  readonly runId: string;
  readonly listName: string;
  readonly to: readonly string[];
  readonly from: string;
  render(): Promise<RenderedAlert>;
}

/** Claim → render → send → record; a failure releases the claim for a later retry. */
async function deliverOnce(deps: OnCallDeps, delivery: Delivery): Promise<NotificationOutcome> {
  const { key, kind, runId } = delivery;
  const claimed = await deps.deliveries.claim({
    idempotencyKey: key,
    runId,
    deliveredAt: deps.clock.now().toISOString(),
    state: "sending",
    list: ON_CALL_LIST,
    to: delivery.to,
  });
  if (!claimed) {
    const record = await deps.deliveries.get(key);
    return {
      key,
      kind,
      status: "already_delivered",
      ...(record?.messageId ? { messageId: record.messageId } : {}),
      ...(typeof record?.location === "string" ? { location: record.location } : {}),
    };
  }
  let subject: string | undefined;
  try {
    const rendered = await delivery.render();
    subject = rendered.subject;
    const email: OutgoingEmail = {
      idempotencyKey: key,
      listName: delivery.listName,
      from: delivery.from,
      to: delivery.to,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: { "X-Opspulse-Run-Id": runId, "X-Opspulse-Alert": kind },
    };
    const sent = await deps.mailer.send(email, { runId });
    await deps.deliveries.complete({
      idempotencyKey: key,
      runId,
      deliveredAt: deps.clock.now().toISOString(),
      messageId: sent.messageId,
      state: "delivered",
      list: ON_CALL_LIST,
      to: delivery.to,
      location: sent.location,
      subject: rendered.subject,
    });
    return {
      key,
      kind,
      status: "sent",
      subject: rendered.subject,
      messageId: sent.messageId,
      location: sent.location,
    };
  } catch (error) {
    await deps.deliveries.release(key);
    return { key, kind, status: "failed", ...(subject ? { subject } : {}), error: oneLine(error) };
  }
}

/** Whether a failed run is on-call's business (a date typed wrong at the CLI is not). */
function needsFailureNotice(error: ReportRunError, request: RunReportRequest): boolean {
  return !request.dryRun && !(error.cause instanceof InvalidPeriodError);
}

/** Sends one failure notice for a failed run; its own failure is logged, never thrown. */
async function sendFailureNotice(
  deps: OnCallDeps,
  request: RunReportRequest,
  error: ReportRunError,
): Promise<NotificationOutcome> {
  const { summary } = error;
  const periodKey = summary.periodKey || request.date;
  const key = `failure:${request.report}:${periodKey}:${summary.runId}:${ON_CALL_LIST}`;
  const onCall = deps.config.onCall;
  const stage = Object.keys(summary.timingsMs)
    .filter((name) => name !== "total")
    .at(-1);
  let outcome: NotificationOutcome;
  if (!onCall) {
    outcome = { key, kind: "failure", status: "no_on_call_list" };
  } else {
    try {
      outcome = await deliverOnce(deps, {
        key,
        kind: "failure",
        runId: summary.runId,
        listName: `${ON_CALL_LIST}.failure`,
        to: onCall.to,
        from: deps.config.sender,
        render: async () =>
          renderFailureNotice(
            {
              report: request.report,
              periodKind: summary.period.kind,
              periodKey,
              runId: summary.runId,
              error: summary.error ?? error.message,
              ...(stage ? { stage } : {}),
              locale: onCall.locale,
              rerunCommand: failedRunCommand(request, summary.period, deps),
            },
            deps.alertTemplate ?? loadAlertTemplate(),
          ),
      });
    } catch (noticeError) {
      outcome = { key, kind: "failure", status: "failed", error: oneLine(noticeError) };
    }
  }
  try {
    await deps.runLog.append({
      type: "failure_notice",
      runId: summary.runId,
      report: request.report,
      periodKey,
      error: summary.error ?? error.message,
      notice: outcome,
    });
  } catch {
    // The run log is what failed, most likely; the report's error is the one to surface.
  }
  return outcome;
}

function failedRunCommand(request: RunReportRequest, period: Period, deps: OnCallDeps): string {
  return period.timeZone
    ? rerunCommand(request, period, deps.config)
    : `opspulse run ${request.report} --date ${request.date}`;
}

/** A short, file-safe name of a notification for the outbox (`start.gmv`, `data.events`). */
function slug(n: AlertNotification): string {
  return n.kind === "data_incomplete"
    ? `data.${n.table}`
    : [n.kind, n.metric, ...(n.scope === WHOLE_BUSINESS ? [] : [n.scope])].join(".");
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

/** The drivers the run found for a report-wide metric's breach (stored in its snapshot). */
function driversOf(
  document: { readonly drivers?: Readonly<Record<string, readonly Driver[]>> },
  notification: { readonly metric: string; readonly scope: string },
): { drivers?: readonly Driver[] } {
  const found =
    notification.scope === WHOLE_BUSINESS ? document.drivers?.[notification.metric] : [];
  return found && found.length > 0 ? { drivers: found } : {};
}
