/**
 * The scheduled report Lambda. EventBridge Scheduler invokes it with the schedule's input,
 * `{ report: "daily" | "weekly", timeZone, scheduledTime }`; it runs the report for the
 * period that closed at the scheduled time (the previous local day, or the previous ISO
 * week) and delivers it once. A failed run throws, so that Lambda retries it and finally
 * parks the event in the dead-letter queue; on-call has already been told by the use case.
 */
import type { Context } from "aws-lambda";
import type { OnCallDeps } from "../lib/alerts/on-call.ts";
import { type Clock, systemClock } from "../lib/ports.ts";
import { ReportRunError } from "../lib/report/run-report.ts";
import { describeIssues, scheduledEventSchema } from "../lib/runtime/events.ts";
import {
  lazyLambdaDeps,
  type RunSummaryView,
  recordRunMetrics,
  runScheduledReport,
  summaryView,
} from "../lib/runtime/lambda.ts";
import {
  createObservability,
  type Observability,
  observedHandler,
} from "../lib/runtime/observability.ts";

/** The event is not a schedule's input; nothing was run. */
export class InvalidScheduleEventError extends Error {
  override name = "InvalidScheduleEventError";
}

/** What the handler is made of; tests pass their own. */
export interface ScheduledReportHandlerOptions {
  readonly deps: () => Promise<OnCallDeps>;
  readonly observability: Observability;
  readonly clock?: Clock;
}

/** Builds the handler. */
export function createScheduledReportHandler(options: ScheduledReportHandlerOptions) {
  const { logger, metrics } = options.observability;
  const clock = options.clock ?? systemClock;
  return observedHandler(
    options.observability,
    async (event: unknown, _context: Context): Promise<RunSummaryView> => {
      const parsed = scheduledEventSchema.safeParse(event);
      if (!parsed.success) {
        throw new InvalidScheduleEventError(
          `Not a schedule event of opspulse (${describeIssues(parsed.error)}): check the schedule's input in the stack; nothing was run.`,
        );
      }
      try {
        const summary = await runScheduledReport(
          options.deps,
          parsed.data.report,
          parsed.data,
          clock,
        );
        recordRunMetrics(metrics, summary);
        logger.info("report run", { run: summaryView(summary) });
        return summaryView(summary);
      } catch (error) {
        if (error instanceof ReportRunError) {
          recordRunMetrics(metrics, error.summary);
          logger.error("report run failed", { run: summaryView(error.summary), error });
        }
        throw error;
      }
    },
  );
}

const observability = createObservability("opspulse-scheduled-report");

/** The Lambda entry point: the environment is read on the first invocation, once. */
export const handler = createScheduledReportHandler({
  deps: lazyLambdaDeps(process.env, {
    instrument: (client) => observability.tracer.captureAWSv3Client(client),
  }),
  observability,
});
