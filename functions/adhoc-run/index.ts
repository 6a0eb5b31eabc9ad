/**
 * The ad-hoc run Lambda, invoked synchronously (`opspulse invoke`, the console) with
 * `{ report, date | range: { from, to }, dryRun?, to?, locale?, timeZone? }`. It runs the
 * report for each period asked for, one after the other, and returns a summary of each.
 * Each run stops by the invocation's deadline (its remaining time minus a margin); when the
 * time left would not cover another period, the answer carries the rest of the range as
 * `next`, which `opspulse invoke` sends again (see runtime/adhoc-plan.ts).
 *
 * It answers with a result, never a stack trace: `statusCode` 200 with the runs, 400 when
 * the payload is wrong (and nothing ran), 500 when a run failed (with the runs so far).
 */
import type { Context } from "aws-lambda";
import { type OnCallDeps, runReportWithAlerts } from "../lib/alerts/on-call.ts";
import { msUntil } from "../lib/deadline.ts";
import { InvalidPeriodError } from "../lib/kpi/windows.ts";
import { ReportRunError } from "../lib/report/run-report.ts";
import { hasTimeForAnotherPeriod, remainderPayload } from "../lib/runtime/adhoc-plan.ts";
import {
  type AdhocPayload,
  adhocDates,
  adhocPayloadSchema,
  describeIssues,
} from "../lib/runtime/events.ts";
import { assertPeriodInLake, BeforeLakeStartError } from "../lib/runtime/lake-range.ts";
import { type RunSummaryView, recordRunMetrics, summaryView } from "../lib/runtime/lambda.ts";
import {
  createObservability,
  type Observability,
  observedHandler,
} from "../lib/runtime/observability.ts";
import { depsWithDeadline, invocationDeadline } from "../lib/runtime/run-deadline.ts";
import { logMailFeedback, tracedLambdaDeps } from "../lib/runtime/scheduled-handler.ts";

/** What an ad-hoc invocation returns. */
export type AdhocResult =
  | {
      readonly ok: true;
      readonly statusCode: 200;
      readonly runs: readonly RunSummaryView[];
      /** The periods left for another invocation (no time was left for them in this one). */
      readonly next?: AdhocPayload;
    }
  | {
      readonly ok: false;
      readonly statusCode: 400 | 500;
      readonly error: string;
      readonly runs: readonly RunSummaryView[];
    };

/** What the handler is made of; tests pass their own. */
export interface AdhocRunHandlerOptions {
  readonly deps: () => Promise<OnCallDeps>;
  readonly observability: Observability;
}

/** Builds the handler. */
export function createAdhocRunHandler(options: AdhocRunHandlerOptions) {
  const { logger, metrics } = options.observability;
  return observedHandler(
    options.observability,
    async (event: unknown, context: Context): Promise<AdhocResult> => {
      const parsed = adhocPayloadSchema.safeParse(event);
      if (!parsed.success) {
        const error = `Invalid ad-hoc payload: ${describeIssues(parsed.error)}. Expected {"report": "daily"|"weekly", "date": "YYYY-MM-DD"} or a "range": {"from", "to"}, with optional "dryRun", "to", "locale", "timeZone".`;
        logger.warn("rejected ad-hoc payload", { error });
        return { ok: false, statusCode: 400, error, runs: [] };
      }
      const payload = parsed.data;
      const runs: RunSummaryView[] = [];
      const deadline = invocationDeadline(context);
      try {
        const deps = depsWithDeadline(await options.deps(), deadline);
        const dates = adhocDates(payload);
        // Every period is checked before the first runs: a range is refused whole.
        for (const date of dates) {
          assertPeriodInLake(deps.engine, { ...payload, date }, deps.config);
        }
        let longestMs = 0;
        for (const [index, date] of dates.entries()) {
          const startedAt = Date.now();
          if (index > 0 && !hasTimeForAnotherPeriod(msUntil(deadline, startedAt), longestMs)) {
            const next = remainderPayload(payload, date);
            logger.info("ad-hoc runs, the rest left for the next invocation", { runs, next });
            return { ok: true, statusCode: 200, runs, next };
          }
          const summary = await runReportWithAlerts(deps, {
            report: payload.report,
            date,
            ...(payload.timeZone ? { timeZone: payload.timeZone } : {}),
            ...(payload.locale ? { locale: payload.locale } : {}),
            ...(payload.dryRun ? { dryRun: true } : {}),
            ...(payload.to ? { to: payload.to } : {}),
            ...(deadline ? { deadline } : {}),
          });
          longestMs = Math.max(longestMs, Date.now() - startedAt);
          recordRunMetrics(metrics, summary);
          runs.push(summaryView(summary));
        }
        logger.info("ad-hoc runs", { runs });
        await logMailFeedback(options, runs.at(-1)?.runId);
        return { ok: true, statusCode: 200, runs };
      } catch (error) {
        logger.error("ad-hoc run failed", { error, runs });
        if (error instanceof ReportRunError) {
          recordRunMetrics(metrics, error.summary);
          runs.push(summaryView(error.summary));
        }
        const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
        const userError =
          (error instanceof ReportRunError && error.cause instanceof InvalidPeriodError) ||
          error instanceof BeforeLakeStartError;
        return { ok: false, statusCode: userError ? 400 : 500, error: message ?? "failed", runs };
      }
    },
  );
}

const observability = createObservability("opspulse-adhoc-run");

/** The Lambda entry point: the environment is read on the first invocation, once. */
export const handler = createAdhocRunHandler({
  deps: tracedLambdaDeps(process.env, observability),
  observability,
});
