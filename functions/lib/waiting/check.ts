/**
 * One check of a report that waits for complete data (`wait_for_complete_data`): the run
 * either finds the data complete (or the deadline come) and runs as usual, or holds —
 * nothing stored, nothing sent to managers — and says when to check next. On-call gets one
 * "waiting for data" notice per period (its delivery key, claimed in the delivery log), at
 * the first check that holds, however many checks (or duplicate runs of one) follow.
 *
 * Who checks again is the caller's business: the scheduled Lambda creates a one-time
 * EventBridge Scheduler schedule (`rechecks.ts`), `opspulse run --wait` sleeps in-process
 * (`local-wait.ts`).
 */

import { createCompletenessGate } from "../alerts/completeness-check.ts";
import {
  deliverOnCallNotice,
  type NotificationOutcome,
  ON_CALL_LIST,
  type OnCallDeps,
  runReportWithAlerts,
} from "../alerts/on-call.ts";
import { loadAlertTemplate } from "../alerts/render.ts";
import type { CompletenessIssue } from "../kpi/completeness.ts";
import type { AfterSnapshotHook, CompletenessGate } from "../report/run-hooks.ts";
import { oneLine, type RunReportSummary } from "../report/run-record.ts";
import { type RunReportRequest, rerunCommand } from "../report/run-request.ts";
import { renderWaitingNotice, tablesOf, waitedNotice, waitingNoticeKey } from "./notice.ts";
import { isPastDeadline, nextCheckAt, type WaitPolicy, waitDeadline } from "./policy.ts";

/** Where a waited-for period stands, carried from one check to the next. */
export interface WaitState {
  /** When the report was due (the schedule's time); the deadline counts from it. */
  readonly scheduledAt: Date;
  /** 1 for the scheduled run itself, n for the n-th check. */
  readonly check: number;
  /** The tables earlier checks found incomplete (the email names them when it waited). */
  readonly waitedFor: readonly string[];
  readonly policy: WaitPolicy;
}

/** What one check did. */
export type WaitCheck =
  | {
      /** The report ran as usual: complete data, the deadline, or already delivered. */
      readonly kind: "done";
      readonly summary: RunReportSummary;
      readonly state: WaitState;
    }
  | {
      /** The data is incomplete before the deadline: check again at `next`. */
      readonly kind: "waiting";
      readonly summary: RunReportSummary;
      readonly missing: readonly CompletenessIssue[];
      readonly next: WaitState;
      readonly nextCheckAt: Date;
      readonly deadline: Date;
      readonly notice: NotificationOutcome;
    };

/** Options of {@link runWaitingCheck}. */
export interface WaitCheckOptions {
  /**
   * Wraps the completeness gate of the check at the deadline only: the scheduled Lambda's
   * `requireSomeData`, so that a period still without any data then fails the run (on-call
   * is paged by its failure notice) instead of mailing zeros, while earlier checks hold it.
   */
  readonly atDeadline?: (gate: CompletenessGate) => CompletenessGate;
}

/** The first check of a period: the scheduled run itself. */
export function firstCheck(scheduledAt: Date, policy: WaitPolicy): WaitState {
  return { scheduledAt, check: 1, waitedFor: [], policy };
}

/**
 * Runs check `state.check` of `request`'s period (see the module comment). Past the
 * deadline the report runs as it does without waiting: sent marked incomplete, and on-call
 * paged by the run's data alert with what is still missing.
 */
export async function runWaitingCheck(
  deps: OnCallDeps,
  request: RunReportRequest,
  state: WaitState,
  options: WaitCheckOptions = {},
): Promise<WaitCheck> {
  const now = deps.clock.now();
  const last = isPastDeadline(state.scheduledAt, state.policy, now);
  const waited = waitedNoticeHook(deps, state);
  const gate = deps.completenessGate ?? createCompletenessGate(deps);
  const summary = await runReportWithAlerts(
    {
      ...deps,
      completenessGate: last && options.atDeadline ? options.atDeadline(gate) : gate,
      afterSnapshot: [...(deps.afterSnapshot ?? []), waited.hook],
    },
    { ...request, ...(last ? {} : { holdIfIncomplete: true }) },
  );
  if (summary.outcome !== "waiting_for_data") {
    if (waited.didWait()) {
      await deps.runLog.append({
        ...waitLogEntry(request, summary, state, now),
        state: summary.dataIssues.length > 0 ? "sent_incomplete" : "sent_complete",
        waitedMinutes: Math.round((now.getTime() - state.scheduledAt.getTime()) / 60_000),
        waitedFor: state.waitedFor,
      });
    }
    return { kind: "done", summary, state };
  }
  const missing = summary.dataIssues;
  const next: WaitState = {
    ...state,
    check: state.check + 1,
    waitedFor: [...new Set([...state.waitedFor, ...tablesOf(missing)])],
  };
  const at = nextCheckAt(state.scheduledAt, state.check, state.policy, now);
  const deadline = waitDeadline(state.scheduledAt, state.policy);
  const notice = await sendWaitingNotice(deps, request, summary, {
    missing,
    nextCheckAt: at,
    deadline,
    intervalMs: state.policy.intervalMs,
  });
  await deps.runLog.append({
    ...waitLogEntry(request, summary, state, now),
    state: "waiting",
    missing,
    nextCheckAt: at.toISOString(),
    notice,
  });
  return { kind: "waiting", summary, missing, next, nextCheckAt: at, deadline, notice };
}

/**
 * The hook that heads the emails with how long the report waited and for which data. A
 * check after the first knows it waited; a late duplicate of the first (a retry that finds
 * the data complete) learns it from the period's waiting notice in the delivery log.
 */
function waitedNoticeHook(deps: OnCallDeps, state: WaitState) {
  let waited = false;
  const hook: AfterSnapshotHook = {
    name: "waited",
    async run(context) {
      waited =
        state.waitedFor.length > 0 ||
        (await deps.deliveries.get(
          `${waitingNoticeKey(context.request.report, context.periodKey)}:${ON_CALL_LIST}`,
        )) !== undefined;
      if (!waited) return undefined;
      return {
        notices: [
          waitedNotice(context.now, state.scheduledAt, state.waitedFor, context.period.timeZone),
        ],
      };
    },
  };
  return { hook, didWait: () => waited };
}

/** The run log line of a check (`type: data_wait`), read by `opspulse alerts status`. */
function waitLogEntry(
  request: RunReportRequest,
  summary: RunReportSummary,
  state: WaitState,
  now: Date,
) {
  return {
    type: "data_wait",
    at: now.toISOString(),
    runId: summary.runId,
    report: request.report,
    periodKey: summary.periodKey,
    check: state.check,
    scheduledAt: state.scheduledAt.toISOString(),
    deadline: waitDeadline(state.scheduledAt, state.policy).toISOString(),
  };
}

/** Sends on-call the period's one waiting notice; a failure to send is logged, not thrown. */
async function sendWaitingNotice(
  deps: OnCallDeps,
  request: RunReportRequest,
  summary: RunReportSummary,
  waiting: {
    readonly missing: readonly CompletenessIssue[];
    readonly nextCheckAt: Date;
    readonly deadline: Date;
    readonly intervalMs: number;
  },
): Promise<NotificationOutcome> {
  const key = `${waitingNoticeKey(request.report, summary.periodKey)}:${ON_CALL_LIST}`;
  const onCall = deps.config.onCall;
  if (!onCall) return { key, kind: "data_incomplete", status: "no_on_call_list" };
  try {
    return await deliverOnCallNotice(deps, request, {
      key,
      kind: "data_incomplete",
      runId: summary.runId,
      list: "waiting",
      to: onCall.to,
      render: async () =>
        renderWaitingNotice(
          {
            report: request.report,
            period: summary.period,
            periodKey: summary.periodKey,
            runId: summary.runId,
            locale: onCall.locale,
            rerunCommand: rerunCommand(request, summary.period, deps.config),
            ...waiting,
          },
          deps.alertTemplate ?? loadAlertTemplate(),
        ),
    });
  } catch (error) {
    return { key, kind: "data_incomplete", status: "failed", error: oneLine(error) };
  }
}
