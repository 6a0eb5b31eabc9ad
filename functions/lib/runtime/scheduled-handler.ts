/**
 * What the scheduled Lambda handlers (the daily/weekly report, the campaigns report) share:
 * one run of a report for the period its schedule closed, with its metrics and log lines,
 * and the entry point's dependencies read from the environment on first use.
 */
import type { OnCallDeps } from "../alerts/on-call.ts";
import type { ReportName } from "../config/schema.ts";
import type { Clock } from "../ports.ts";
import { ReportRunError } from "../report/run-report.ts";
import type { EnvSource } from "./env.ts";
import {
  lazyLambdaDeps,
  type RunSummaryView,
  recordRunMetrics,
  runScheduledReport,
  type ScheduledFire,
  summaryView,
} from "./lambda.ts";
import type { Observability } from "./observability.ts";

/** What a scheduled handler is made of; tests pass their own. */
export interface ScheduledHandlerOptions {
  readonly deps: () => Promise<OnCallDeps>;
  readonly observability: Observability;
  readonly clock?: Clock;
}

/**
 * Runs `report` for the period due at `fire`, records its metrics and logs it as `label`
 * (`<label> failed` when the run failed, which is thrown again so that Lambda retries it).
 */
export async function runAndRecordScheduled(
  options: ScheduledHandlerOptions,
  clock: Clock,
  report: ReportName,
  fire: ScheduledFire,
  label: string,
): Promise<RunSummaryView> {
  const { logger, metrics } = options.observability;
  try {
    const summary = await runScheduledReport(options.deps, report, fire, clock);
    recordRunMetrics(metrics, summary);
    logger.info(label, { run: summaryView(summary) });
    return summaryView(summary);
  } catch (error) {
    if (error instanceof ReportRunError) {
      recordRunMetrics(metrics, error.summary);
      logger.error(`${label} failed`, { run: summaryView(error.summary), error });
    }
    throw error;
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
