/**
 * `opspulse run --wait [--wait-interval D] [--wait-deadline D]`: the run waits in-process
 * for its period's data to be complete (`functions/lib/waiting/`), checking every interval
 * (default: the schedule's `wait_for_complete_data`, else 15m) until the deadline (counted
 * from the start; default the schedule's, else 2h), with one progress line per check.
 */
import type { OnCallDeps } from "../../lib/alerts/on-call.ts";
import { InvalidPeriodError } from "../../lib/kpi/windows.ts";
import {
  ReportRunError,
  type RunReportRequest,
  type RunReportSummary,
} from "../../lib/report/run-report.ts";
import type { WaitCheck } from "../../lib/waiting/check.ts";
import { realSleep, runWaitingLocally, type Sleeper } from "../../lib/waiting/local-wait.ts";
import { localTime } from "../../lib/waiting/notice.ts";
import {
  DEFAULT_WAIT_POLICY,
  formatDuration,
  InvalidDurationError,
  parseDuration,
  type WaitPolicy,
} from "../../lib/waiting/policy.ts";
import { UserError } from "../errors.ts";

/** The wait options of `opspulse run`. */
export interface WaitOptions {
  readonly wait?: boolean;
  readonly waitInterval?: string;
  readonly waitDeadline?: string;
  readonly dryRun?: boolean;
  readonly email: boolean;
}

/**
 * The policy of a `--wait` run (flags over the schedule's config over the defaults), or
 * undefined without `--wait`; wrong combinations and durations are UserErrors.
 */
export function waitPolicyOption(
  opts: WaitOptions,
  configured: WaitPolicy | undefined,
): WaitPolicy | undefined {
  if (!opts.wait) {
    if (opts.waitInterval !== undefined || opts.waitDeadline !== undefined) {
      throw new UserError("--wait-interval and --wait-deadline go with --wait: add --wait");
    }
    return undefined;
  }
  if (opts.dryRun || !opts.email) {
    throw new UserError(
      `--wait holds a run until it can deliver, --${opts.dryRun ? "dry-run" : "no-email"} delivers nothing: use one`,
    );
  }
  const base = configured ?? DEFAULT_WAIT_POLICY;
  const policy = {
    intervalMs: opts.waitInterval
      ? duration("--wait-interval", opts.waitInterval)
      : base.intervalMs,
    deadlineMs: opts.waitDeadline
      ? duration("--wait-deadline", opts.waitDeadline)
      : base.deadlineMs,
  };
  if (policy.deadlineMs < policy.intervalMs) {
    throw new UserError(
      `--wait-deadline ${formatDuration(policy.deadlineMs)} is shorter than the interval ${formatDuration(policy.intervalMs)}: lengthen it or check more often`,
    );
  }
  return policy;
}

function duration(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    if (error instanceof InvalidDurationError) {
      throw new UserError(`${flag}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Runs `request` waiting for complete data, writing one line per check to `progress`. */
export async function runWaitingCommand(
  runtime: { readonly deps: OnCallDeps },
  request: RunReportRequest,
  policy: WaitPolicy,
  progress: { write(line: string): unknown },
  sleep: Sleeper = realSleep,
): Promise<RunReportSummary> {
  try {
    return await runWaitingLocally(runtime.deps, request, {
      policy,
      sleep,
      onCheck: (check) => progress.write(`${describeCheck(check, runtime.deps.clock.now())}\n`),
    });
  } catch (error) {
    if (error instanceof ReportRunError && error.cause instanceof InvalidPeriodError) {
      throw new UserError(error.cause.message, { cause: error });
    }
    throw error;
  }
}

/**
 * `check 2 at 08:15: waiting for orders (…); next check 08:30, sent anyway at 10:00`, or
 * what the check that ran did.
 */
export function describeCheck(check: WaitCheck, now: Date): string {
  const zone = check.summary.period.timeZone;
  const head = `check ${check.kind === "waiting" ? check.next.check - 1 : check.state.check} at ${localTime(now, zone)}`;
  if (check.kind === "waiting") {
    const missing = check.missing.map((issue) => issue.message).join(" ");
    return `${head}: waiting for data: ${missing} Next check ${localTime(check.nextCheckAt, zone)}, sent anyway at ${localTime(check.deadline, zone)}.`;
  }
  const { summary } = check;
  if (summary.outcome !== "ok") return `${head}: ${summary.outcome.replaceAll("_", " ")}.`;
  return summary.dataIssues.length > 0
    ? `${head}: deadline reached, sending marked incomplete.`
    : `${head}: data complete, sending.`;
}
