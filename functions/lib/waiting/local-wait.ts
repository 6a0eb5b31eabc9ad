/**
 * `opspulse run --wait`: waiting for complete data in-process. The checks are the
 * scheduled Lambda's (`check.ts`); between two of them this sleeps instead of scheduling,
 * and reports each check as one progress line.
 */
import type { OnCallDeps } from "../alerts/on-call.ts";
import type { RunReportSummary } from "../report/run-record.ts";
import type { RunReportRequest } from "../report/run-request.ts";
import { firstCheck, runWaitingCheck, type WaitCheck } from "./check.ts";
import type { WaitPolicy } from "./policy.ts";

/** Waits `ms` milliseconds (tests pass one that advances their clock instead). */
export type Sleeper = (ms: number) => Promise<void>;

export const realSleep: Sleeper = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Options of {@link runWaitingLocally}. */
export interface LocalWaitOptions {
  readonly policy: WaitPolicy;
  readonly sleep: Sleeper;
  /** Gets each check as it ends (the CLI prints a line). */
  readonly onCheck?: (check: WaitCheck) => void;
}

/**
 * Runs `request` and, while its data is incomplete, checks again every interval until it is
 * complete or the deadline (counted from now) has passed; returns the run that sent.
 */
export async function runWaitingLocally(
  deps: OnCallDeps,
  request: RunReportRequest,
  options: LocalWaitOptions,
): Promise<RunReportSummary> {
  let state = firstCheck(deps.clock.now(), options.policy);
  for (;;) {
    const check = await runWaitingCheck(deps, request, state);
    options.onCheck?.(check);
    if (check.kind === "done") return check.summary;
    await options.sleep(Math.max(0, check.nextCheckAt.getTime() - deps.clock.now().getTime()));
    state = check.next;
  }
}
