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
 * 2. applies the period to the alert state (pure `kpi/alerts.ts`, with the silences of
 *    alerts.yaml and those set from the CLI) and saves it with a compare-and-swap, loading
 *    again on a conflict;
 * 3. routes and groups the notifications (pure `notify/policy.ts`: one message per run and
 *    audience — on-call's page-level alerts, each owner's digest) and delivers each message
 *    exactly once per (period, audience, contact point) (`notify-run.ts`): claim its key in
 *    the delivery log, send through the contact point's channel, record the receipt; a
 *    failed send releases the claim and fails the run, so that no manager email goes out
 *    and a re-run retries it.
 *
 * Re-running a period, or running it from two processes at once, yields the same
 * notifications and message keys, so the delivery log lets each message out once.
 *
 * {@link runReportWithAlerts} adds the gate and the hook and, when the run fails, sends
 * on-call one failure notice per run (query error, timeout, a failed send…): managers get
 * nothing.
 */

import {
  chatContactPointsOf,
  type FailureNoticeFacts,
  failureNoticeMessage,
} from "../chat/notify-channel.ts";
import {
  claimDelivery,
  DeliveryInProgressError,
  inProgressMessage,
  leaseFor,
  runDeadline,
} from "../delivery/claims.ts";
import { judgesScopedMetrics, type PeriodObservations, WHOLE_BUSINESS } from "../kpi/alerts.ts";
import type { EvaluatedMetric } from "../kpi/evaluate.ts";
import type { Locale } from "../kpi/registry.ts";
import { InvalidPeriodError, type Period, sameZone } from "../kpi/windows.ts";
import { deliverMessage, type MessageOutcome } from "../notify/deliver.ts";
import { planNotifications } from "../notify/policy.ts";
import type { AlertStateStore, OutgoingEmail, QueryStats } from "../ports.ts";
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
import { sendFlag } from "../report/run-request.ts";
import { advanceAlertState } from "./advance.ts";
import { anomalyNotifications } from "./anomaly-notices.ts";
import { createCompletenessGate } from "./completeness-check.ts";
import { DEFAULT_ALERT_SETTINGS, DEFAULT_ROUTING } from "./config.ts";
import {
  deliverPlan,
  historyStreaks,
  type NotificationOutcome,
  type NotifyRunDeps,
  notificationOutcomes,
} from "./notify-run.ts";
import { loadAlertTemplate, type RenderedAlert, renderFailureNotice } from "./render.ts";

export { advanceAlertState } from "./advance.ts";
export type { NotificationOutcome } from "./notify-run.ts";

/** The list name of on-call in delivery keys and the outbox. */
export const ON_CALL_LIST = "on-call";

/** What on-call alerting needs besides the report's own dependencies. */
export interface OnCallDeps extends RunReportDeps, NotifyRunDeps {
  readonly alertState: AlertStateStore;
  /** Attempts at saving the alert state against concurrent writers (default 20). */
  readonly stateAttempts?: number;
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
  // Read after this run delivered its period (dry runs and test sends alert nothing).
  const command = rerunCommand(context.request, context.period, context.config, {
    afterDelivery: true,
  });
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
  // Anomalies (kpi/anomaly.ts) are routed like breaches: by default to the metric's owner.
  const notifications = [
    ...step.notifications,
    ...anomalyNotifications(context.request.report, context.periodKey, context.metrics),
  ];
  const plan = planNotifications(
    notifications,
    settings.routing ?? DEFAULT_ROUTING,
    await historyStreaks(deps, context, [...step.notifications, ...step.acknowledged]),
    step.acknowledged,
  );
  const messages = await deliverPlan(deps, context, plan, command, stats);
  const outcomes = notificationOutcomes(plan, messages);
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
    messages,
  });
  const failed = messages.filter((o): o is MessageOutcome => o.status === "failed");
  // A chat contact point that failed never blocks the email: it is a warning of the run.
  const failedEmails = failed.filter((o) => o.channel === "email");
  if (failedEmails.length > 0) {
    throw new Error(
      `${failedEmails.length} alert message(s) failed to send (${failedEmails.map((o) => `${o.key}: ${o.error}`).join("; ")}); their claims were released, so re-running the report retries them.`,
    );
  }
  const held = messages.filter((o): o is MessageOutcome => o.status === "in_progress");
  if (held.length > 0) throw new DeliveryInProgressError(held.map((o) => o.error).join("; "));
  const failedChats = failed.filter((o) => o.channel !== "email");
  return {
    stats,
    ...(failedChats.length > 0
      ? { warnings: failedChats.map((o) => `chat ${o.key}: ${o.error ?? "failed"}`) }
      : {}),
  };
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

/** One on-call message to deliver once (see {@link deliverOnce}). */
export interface Delivery {
  readonly key: string;
  readonly kind: NotificationOutcome["kind"];
  readonly runId: string;
  /** The run's deadline: the claim's lease. */
  readonly deadline: Date;
  readonly listName: string;
  readonly to: readonly string[];
  readonly from: string;
  render(): Promise<RenderedAlert>;
}

/**
 * Sends on-call one notice of a run (`<on-call list>.<list>`, from the configured sender)
 * exactly once, its claim leased until the run's deadline.
 */
export function deliverOnCallNotice(
  deps: OnCallDeps,
  request: Pick<RunReportRequest, "deadline">,
  notice: Omit<Delivery, "deadline" | "listName" | "from"> & { readonly list: string },
): Promise<NotificationOutcome> {
  const { list, ...delivery } = notice;
  return deliverOnce(deps, {
    ...delivery,
    deadline: runDeadline(deps.clock.now(), {
      deadline: request.deadline,
      maxRunMs: deps.maxRunMs,
    }),
    listName: `${ON_CALL_LIST}.${list}`,
    from: deps.config.sender,
  });
}

/**
 * Claim → render → send → record; a failure releases the claim for a later retry. A claim
 * another run holds within its lease is `in_progress`; one past its lease is taken over
 * (functions/lib/delivery/claims.ts). Other on-call notices (waiting for data, `waiting/`)
 * go out through it too.
 */
export async function deliverOnce(
  deps: OnCallDeps,
  delivery: Delivery,
): Promise<NotificationOutcome> {
  const { key, kind, runId } = delivery;
  const now = deps.clock.now();
  const claim = await claimDelivery(
    deps.deliveries,
    {
      idempotencyKey: key,
      runId,
      deliveredAt: now.toISOString(),
      state: "sending",
      leaseUntil: leaseFor(delivery.deadline, now),
      list: ON_CALL_LIST,
      to: delivery.to,
    },
    () => deps.clock.now(),
    deps.claimWait,
  );
  if (claim.kind === "in_progress") {
    return { key, kind, status: "in_progress", error: inProgressMessage(claim.record) };
  }
  if (claim.kind === "delivered") {
    const { record } = claim;
    return {
      key,
      kind,
      status: "already_delivered",
      ...(record.messageId ? { messageId: record.messageId } : {}),
      ...(typeof record.location === "string" ? { location: record.location } : {}),
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
  // The notice's facts, the same for the email and the chat groups.
  const facts = (locale: FailureNoticeFacts["locale"]): FailureNoticeFacts => ({
    report: request.report,
    periodKind: summary.period.kind,
    periodKey,
    runId: summary.runId,
    error: summary.error ?? error.message,
    ...(stage ? { stage } : {}),
    locale,
    rerunCommand: failedRunCommand(request, summary.period, deps),
  });
  let outcome: NotificationOutcome;
  if (!onCall) {
    outcome = { key, kind: "failure", status: "no_on_call_list" };
  } else {
    try {
      outcome = await deliverOnCallNotice(deps, request, {
        key,
        kind: "failure",
        runId: summary.runId,
        list: "failure",
        to: onCall.to,
        render: async () =>
          renderFailureNotice(facts(onCall.locale), deps.alertTemplate ?? loadAlertTemplate()),
      });
    } catch (noticeError) {
      outcome = { key, kind: "failure", status: "failed", error: oneLine(noticeError) };
    }
  }
  // On-call's chat groups get the notice too (failed runs page); never thrown either.
  const chat = onCall ? await failureNoticeToChat(deps, key, onCall, facts(onCall.locale)) : [];
  try {
    await deps.runLog.append({
      type: "failure_notice",
      runId: summary.runId,
      report: request.report,
      periodKey,
      error: summary.error ?? error.message,
      notice: outcome,
      ...(chat.length > 0 ? { chat } : {}),
    });
  } catch {
    // The run log is what failed, most likely; the report's error is the one to surface.
  }
  return outcome;
}

/** Posts a failed run's notice to on-call's chat contact points, once each; never throws. */
async function failureNoticeToChat(
  deps: OnCallDeps,
  key: string,
  onCall: { readonly locale: Locale; readonly chat?: readonly string[] },
  facts: FailureNoticeFacts,
): Promise<MessageOutcome[]> {
  const contacts = chatContactPointsOf(onCall, deps.config);
  if (contacts.length === 0 || !deps.channels) return [];
  const outcomes: MessageOutcome[] = [];
  for (const contact of contacts) {
    const message = failureNoticeMessage(key, { ...facts, locale: contact.locale });
    try {
      outcomes.push(await deliverMessage(deps, deps.channels, message, contact));
    } catch (error) {
      outcomes.push({
        key,
        audience: message.audience.id,
        kind: "failure",
        channel: contact.channel,
        status: "failed",
        items: [key],
        error: oneLine(error),
      });
    }
  }
  return outcomes;
}

function failedRunCommand(request: RunReportRequest, period: Period, deps: OnCallDeps): string {
  return period.timeZone
    ? rerunCommand(request, period, deps.config)
    : `opspulse run ${request.report} --date ${request.date}${sendFlag(request)}`;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
