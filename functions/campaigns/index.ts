/**
 * The campaigns report Lambda. EventBridge Scheduler invokes it every morning with
 * `{ report: "campaigns", timeZone, scheduledTime }`; it runs the campaigns report (one ROI
 * snapshot per running campaign, a final one the day after a campaign ends) for the
 * previous local day. A failed run throws, so that Lambda retries it.
 *
 * The report itself is made by the report use case; until the use case makes the
 * `campaigns` report, a run fails with an {@link UnsupportedReportError} saying so.
 */
import type { Context } from "aws-lambda";
import type { OnCallDeps } from "../lib/alerts/on-call.ts";
import { type Clock, systemClock } from "../lib/ports.ts";
import { ReportRunError } from "../lib/report/run-report.ts";
import { campaignsEventSchema, describeIssues } from "../lib/runtime/events.ts";
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

/** The event is not the campaigns schedule's input; nothing was run. */
export class InvalidCampaignsEventError extends Error {
  override name = "InvalidCampaignsEventError";
}

/** What the handler is made of; tests pass their own. */
export interface CampaignsHandlerOptions {
  readonly deps: () => Promise<OnCallDeps>;
  readonly observability: Observability;
  readonly clock?: Clock;
}

/** Builds the handler. */
export function createCampaignsHandler(options: CampaignsHandlerOptions) {
  const { logger, metrics } = options.observability;
  const clock = options.clock ?? systemClock;
  return observedHandler(
    options.observability,
    async (event: unknown, _context: Context): Promise<RunSummaryView> => {
      const parsed = campaignsEventSchema.safeParse(event ?? {});
      if (!parsed.success) {
        throw new InvalidCampaignsEventError(
          `Not a campaigns schedule event (${describeIssues(parsed.error)}): check the schedule's input in the stack; nothing was run.`,
        );
      }
      try {
        const summary = await runScheduledReport(options.deps, "campaigns", parsed.data, clock);
        recordRunMetrics(metrics, summary);
        logger.info("campaigns run", { run: summaryView(summary) });
        return summaryView(summary);
      } catch (error) {
        if (error instanceof ReportRunError) {
          recordRunMetrics(metrics, error.summary);
          logger.error("campaigns run failed", { run: summaryView(error.summary), error });
        }
        throw error;
      }
    },
  );
}

const observability = createObservability("opspulse-campaigns");

/** The Lambda entry point: the environment is read on the first invocation, once. */
export const handler = createCampaignsHandler({
  deps: lazyLambdaDeps(process.env, {
    instrument: (client) => observability.tracer.captureAWSv3Client(client),
  }),
  observability,
});
