/**
 * The campaigns report Lambda. EventBridge Scheduler invokes it every morning with
 * `{ report: "campaigns", timeZone, scheduledTime }`; it runs the campaigns report (one ROI
 * snapshot per running campaign, a final one the day after a campaign ends) for the
 * previous local day. A failed run throws, so that Lambda retries it.
 *
 * The report itself is made by the report use case; until the use case makes the
 * `campaigns` report, a run fails with an {@link UnsupportedReportError} saying so.
 */
import { campaignsEventSchema, describeIssues } from "../lib/runtime/events.ts";
import { createObservability } from "../lib/runtime/observability.ts";
import {
  createScheduledHandler,
  type ScheduledHandlerOptions,
  tracedLambdaDeps,
  tracedRechecks,
} from "../lib/runtime/scheduled-handler.ts";

/** The event is not the campaigns schedule's input; nothing was run. */
export class InvalidCampaignsEventError extends Error {
  override name = "InvalidCampaignsEventError";
}

/** What the handler is made of; tests pass their own. */
export type CampaignsHandlerOptions = ScheduledHandlerOptions;

/** Builds the handler. */
export function createCampaignsHandler(options: CampaignsHandlerOptions) {
  return createScheduledHandler(options, {
    parse: (event) => {
      const parsed = campaignsEventSchema.safeParse(event ?? {});
      if (!parsed.success) {
        throw new InvalidCampaignsEventError(
          `Not a campaigns schedule event (${describeIssues(parsed.error)}): check the schedule's input in the stack; nothing was run.`,
        );
      }
      return parsed.data;
    },
    report: () => "campaigns",
    label: "campaigns run",
  });
}

const observability = createObservability("opspulse-campaigns");

/** The Lambda entry point: the environment is read on the first invocation, once. */
export const handler = createCampaignsHandler({
  deps: tracedLambdaDeps(process.env, observability),
  rechecks: tracedRechecks(process.env, observability),
  observability,
});
