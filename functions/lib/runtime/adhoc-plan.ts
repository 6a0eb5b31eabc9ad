/**
 * How an ad-hoc range is split across invocations so that none runs out of time mid-range:
 * the handler starts another period only while the time left before its deadline covers
 * the longest period it has run so far (with room to spare), and otherwise answers with the
 * rest of the range as `next`, a payload the caller (`opspulse invoke`) sends again.
 *
 * Why the caller continues, rather than the function re-invoking itself or a Step Functions
 * map: `opspulse invoke` waits for the runs' summaries (a synchronous invocation), which an
 * asynchronous self-invocation would lose; Lambda's recursive-loop detection stops a
 * function that keeps invoking itself; and a state machine would be a second deployment
 * surface (its own role, logs and cdk-nag findings) for at most 31 periods.
 */
import type { IsoDate } from "../kpi/windows.ts";
import type { AdhocPayload } from "./events.ts";

/** Least time kept for a period before its first run has shown how long one takes. */
export const MIN_PERIOD_BUDGET_MS = 120_000;

/** How much longer than the longest period so far the next one is allowed to take. */
export const PERIOD_BUDGET_FACTOR = 1.5;

/** Whether there is time for one more period: `remainingMs` before the deadline. */
export function hasTimeForAnotherPeriod(remainingMs: number, longestPeriodMs: number): boolean {
  return remainingMs >= Math.max(MIN_PERIOD_BUDGET_MS, longestPeriodMs * PERIOD_BUDGET_FACTOR);
}

/**
 * The payload of the periods not run yet, from `nextDate` (a date `adhocDates` produced)
 * to the end of the range, with every other choice of the original payload.
 */
export function remainderPayload(payload: AdhocPayload, nextDate: IsoDate): AdhocPayload {
  const { date: _date, range, ...choices } = payload;
  return { ...choices, range: { from: nextDate, to: range?.to ?? nextDate } };
}
