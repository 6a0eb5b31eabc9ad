/**
 * The scheduled report Lambda. EventBridge Scheduler invokes it with the schedule's input,
 * `{ report: "daily" | "weekly", timeZone, scheduledTime }`; it runs the report for the
 * period that closed at the scheduled time (the previous local day, or the previous ISO
 * week) and delivers it once. A failed run throws, so that Lambda retries it and finally
 * parks the event in the dead-letter queue; on-call has already been told by the use case.
 */
import { describeIssues, scheduledEventSchema } from "../lib/runtime/events.ts";
import { createObservability } from "../lib/runtime/observability.ts";
import {
  createScheduledHandler,
  type ScheduledHandlerOptions,
  tracedLambdaDeps,
  tracedRechecks,
} from "../lib/runtime/scheduled-handler.ts";

/** The event is not a schedule's input; nothing was run. */
export class InvalidScheduleEventError extends Error {
  override name = "InvalidScheduleEventError";
}

/** What the handler is made of; tests pass their own. */
export type ScheduledReportHandlerOptions = ScheduledHandlerOptions;

/** Builds the handler. */
export function createScheduledReportHandler(options: ScheduledReportHandlerOptions) {
  return createScheduledHandler(options, {
    parse: (event) => {
      const parsed = scheduledEventSchema.safeParse(event);
      if (!parsed.success) {
        throw new InvalidScheduleEventError(
          `Not a schedule event of opspulse (${describeIssues(parsed.error)}): check the schedule's input in the stack; nothing was run.`,
        );
      }
      return parsed.data;
    },
    report: (fire) => fire.report,
    label: "report run",
  });
}

const observability = createObservability("opspulse-scheduled-report");

/** The Lambda entry point: the environment is read on the first invocation, once. */
export const handler = createScheduledReportHandler({
  deps: tracedLambdaDeps(process.env, observability),
  rechecks: tracedRechecks(process.env, observability),
  observability,
});
