/**
 * What the scheduled Lambda handlers (the daily/weekly report, the campaigns report) share:
 * one run of a report for the period its schedule closed, with its metrics and log lines,
 * and the entry point's dependencies read from the environment on first use.
 */
import type { Context } from "aws-lambda";
import type { OnCallDeps } from "../alerts/on-call.ts";
import type { ReportName } from "../config/schema.ts";
import { type Clock, systemClock } from "../ports.ts";
import { ReportRunError } from "../report/run-report.ts";
import type { RecheckScheduler } from "../waiting/rechecks.ts";
import type { EnvSource } from "./env.ts";
import {
  lazyLambdaDeps,
  type RunSummaryView,
  recordRunMetrics,
  runScheduledReport,
  type ScheduledFire,
  summaryView,
} from "./lambda.ts";
import { noteSuppressedRecipients } from "./mail-feedback.ts";
import { type Observability, observedHandler } from "./observability.ts";
import { invocationDeadline } from "./run-deadline.ts";
import { lambdaRechecks, type RechecksFor } from "./scheduled-wait.ts";

/** What a scheduled handler is made of; tests pass their own. */
export interface ScheduledHandlerOptions {
  readonly deps: () => Promise<OnCallDeps>;
  readonly observability: Observability;
  readonly clock?: Clock;
  /** Re-checks of reports that wait for complete data (none: such a run does not wait). */
  readonly rechecks?: RechecksFor;
}

/** How one scheduled handler reads its event. */
export interface ScheduledEventSpec<TFire extends ScheduledFire> {
  /** The schedule's input of `event`; throws, running nothing, when it is not one. */
  readonly parse: (event: unknown) => TFire;
  /** The report the event asks for. */
  readonly report: (fire: TFire) => ReportName;
  /** What the run's log line says, e.g. `report run` (`report run failed` on failure). */
  readonly label: string;
}

/**
 * Builds a scheduled handler: parses the event, runs the report for the period its schedule
 * closed, records the run's metrics and logs it. A failed run throws, so that Lambda retries.
 */
export function createScheduledHandler<TFire extends ScheduledFire>(
  options: ScheduledHandlerOptions,
  spec: ScheduledEventSpec<TFire>,
) {
  const clock = options.clock ?? systemClock;
  return observedHandler(
    options.observability,
    async (event: unknown, context: Context): Promise<RunSummaryView> => {
      const fire = spec.parse(event);
      const deadline = invocationDeadline(context);
      const rechecks = await options.rechecks?.(context.invokedFunctionArn);
      return runAndRecordScheduled(options, clock, spec.report(fire), fire, spec.label, {
        deadline,
        rechecks,
      });
    },
  );
}

/**
 * Runs `report` for the period due at `fire`, records its metrics and logs it as `label`
 * (`<label> failed` when the run failed, which is thrown again so that Lambda retries it).
 */
async function runAndRecordScheduled(
  options: ScheduledHandlerOptions,
  clock: Clock,
  report: ReportName,
  fire: ScheduledFire,
  label: string,
  limits: { readonly deadline: Date | undefined; readonly rechecks: RecheckScheduler | undefined },
): Promise<RunSummaryView> {
  const { logger, metrics } = options.observability;
  try {
    const summary = await runScheduledReport(
      options.deps,
      report,
      fire,
      clock,
      limits.deadline,
      limits.rechecks,
    );
    recordRunMetrics(metrics, summary);
    logger.info(label, { run: summaryView(summary) });
    await logMailFeedback(options, summary.runId);
    return summaryView(summary);
  } catch (error) {
    if (error instanceof ReportRunError) {
      recordRunMetrics(metrics, error.summary);
      logger.error(`${label} failed`, { run: summaryView(error.summary), error });
      await logMailFeedback(options, error.summary.runId);
    }
    throw error;
  }
}

/**
 * Notes the configured recipients SES suppresses (bounced or complained) in the run log and
 * the function's log; a failure to ask is a warning, never the run's failure.
 */
export async function logMailFeedback(
  options: Pick<ScheduledHandlerOptions, "deps" | "observability">,
  runId: string | undefined,
): Promise<void> {
  const { logger } = options.observability;
  try {
    const deps = await options.deps();
    const suppressed = await noteSuppressedRecipients(deps, deps.config, runId);
    if (suppressed.length > 0) {
      logger.warn("recipients SES no longer delivers to (bounced or complained)", { suppressed });
    }
  } catch (error) {
    logger.warn("could not read SES's suppression list", {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/** The entry point's dependencies: read from `source` on first use, AWS clients traced. */
export function tracedLambdaDeps(
  source: EnvSource,
  observability: Observability,
): () => Promise<OnCallDeps> {
  return lazyLambdaDeps(source, {
    instrument: (client) => observability.tracer.captureAWSv3Client(client),
  });
}

/** The entry point's re-check scheduler, from the environment the stack sets; traced. */
export function tracedRechecks(source: EnvSource, observability: Observability): RechecksFor {
  return lambdaRechecks(source, (client) => observability.tracer.captureAWSv3Client(client));
}
