/**
 * Waiting for complete data in the scheduled Lambda: a run whose schedule has
 * `wait_for_complete_data` is one check (`waiting/check.ts`); when it holds, it creates the
 * next check as a one-time EventBridge Scheduler schedule (`waiting/rechecks.ts`) instead of
 * sleeping, and a check that sends removes a re-check still pending.
 */
import { createSchedulerRechecks, loadSchedulerSdk } from "../adapters/scheduler-rechecks.ts";
import type { OnCallDeps } from "../alerts/on-call.ts";
import type { RunReportSummary } from "../report/run-record.ts";
import type { RunReportRequest } from "../report/run-request.ts";
import {
  firstCheck,
  runWaitingCheck,
  type WaitCheckOptions,
  type WaitState,
} from "../waiting/check.ts";
import type { WaitPolicy } from "../waiting/policy.ts";
import { type RecheckScheduler, recheckScheduleName } from "../waiting/rechecks.ts";
import type { EnvSource } from "./env.ts";

/** Where a fire stands in its period's checks (absent: the schedule's own fire, check 1). */
export interface RecheckFire {
  readonly check: number;
  readonly waitedFor: readonly string[];
}

/** The re-check scheduler of a function, given its own ARN (from the invocation's context). */
export type RechecksFor = (targetArn: string) => Promise<RecheckScheduler | undefined>;

/**
 * The re-check scheduler the stack configures (`OPSPULSE_RECHECK_GROUP`,
 * `OPSPULSE_RECHECK_ROLE_ARN`, optionally `OPSPULSE_RECHECK_DEAD_LETTER_ARN`); undefined
 * when they are not set (a stack without re-checks). The SDK is loaded on first use.
 */
export function lambdaRechecks(source: EnvSource, instrument?: <T>(client: T) => T): RechecksFor {
  const group = source.OPSPULSE_RECHECK_GROUP;
  const roleArn = source.OPSPULSE_RECHECK_ROLE_ARN;
  const deadLetterArn = source.OPSPULSE_RECHECK_DEAD_LETTER_ARN;
  let sdk: ReturnType<typeof loadSchedulerSdk> | undefined;
  return async (targetArn) => {
    if (!group || !roleArn) return undefined;
    sdk ??= loadSchedulerSdk(instrument);
    return createSchedulerRechecks({
      sdk: await sdk,
      group,
      roleArn,
      targetArn,
      ...(deadLetterArn ? { deadLetterArn } : {}),
    });
  };
}

/** What a scheduled check needs besides the run's deps and request. */
export interface ScheduledCheck {
  readonly policy: WaitPolicy;
  /** The original schedule's time. */
  readonly scheduledAt: Date;
  readonly recheck?: RecheckFire | undefined;
  readonly rechecks: RecheckScheduler;
  /** Wraps the completeness gate of the check at the deadline (see `WaitCheckOptions`). */
  readonly atDeadline?: WaitCheckOptions["atDeadline"];
}

/**
 * Runs one check of a scheduled report that waits for complete data; when it holds,
 * schedules the next one (a duplicate run of the same check finds it scheduled already).
 */
export async function runScheduledCheck(
  deps: OnCallDeps,
  request: RunReportRequest & { readonly timeZone: string },
  options: ScheduledCheck,
): Promise<RunReportSummary> {
  const { policy, scheduledAt, recheck, rechecks } = options;
  const state: WaitState = recheck
    ? { scheduledAt, check: recheck.check, waitedFor: recheck.waitedFor, policy }
    : firstCheck(scheduledAt, policy);
  const result = await runWaitingCheck(
    deps,
    request,
    state,
    options.atDeadline ? { atDeadline: options.atDeadline } : {},
  );
  const periodKey = result.summary.periodKey;
  if (result.kind === "done") {
    // Sent (or found sent): a re-check still pending, of this chain or a duplicate's, is moot.
    const cancelled = await rechecks.cancel(request.report, periodKey, state.check + 1);
    if (cancelled) await logRecheck(deps, result.summary, state.check + 1, "cancelled");
    return result.summary;
  }
  const status = await rechecks.schedule({
    periodKey,
    at: result.nextCheckAt,
    event: {
      report: request.report,
      timeZone: request.timeZone,
      scheduledTime: scheduledAt.toISOString(),
      recheck: { check: result.next.check, waitedFor: result.next.waitedFor },
    },
  });
  await logRecheck(deps, result.summary, result.next.check, status, result.nextCheckAt);
  return result.summary;
}

async function logRecheck(
  deps: OnCallDeps,
  summary: RunReportSummary,
  check: number,
  status: "created" | "already_scheduled" | "cancelled",
  at?: Date,
): Promise<void> {
  await deps.runLog.append({
    type: "data_wait_recheck",
    runId: summary.runId,
    report: summary.report,
    periodKey: summary.periodKey,
    check,
    schedule: recheckScheduleName(summary.report, summary.periodKey, check),
    status,
    ...(at ? { at: at.toISOString() } : {}),
  });
}
