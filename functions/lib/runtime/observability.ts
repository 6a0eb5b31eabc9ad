/**
 * What every Lambda handler wraps itself in: Powertools logger (structured JSON, the Lambda
 * context in each line), metrics (CloudWatch EMF, flushed after each invocation, with a
 * cold-start metric) and tracer (X-Ray, only active in Lambda), applied as middy middleware
 * in the order the Powertools example app uses.
 *
 * Powertools reads its own settings (`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_LOG_LEVEL`,
 * `POWERTOOLS_METRICS_DISABLED`, …) from the environment; that is the library's edge, not ours.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";

/** The CloudWatch metrics namespace of every opspulse metric. */
export const METRICS_NAMESPACE = "opspulse";

/** The three Powertools utilities of one handler. */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

/** Creates the utilities of the handler called `serviceName` (e.g. `opspulse-scheduled-report`). */
export function createObservability(serviceName: string): Observability {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
    tracer: new Tracer({ serviceName }),
  };
}

/** Wraps `handle` in middy with the tracer, logger and metrics middleware. */
export function observedHandler<TEvent, TResult>(
  observability: Observability,
  handle: (event: TEvent, context: Context) => Promise<TResult>,
) {
  return middy<TEvent, TResult>()
    .use(captureLambdaHandler(observability.tracer))
    .use(injectLambdaContext(observability.logger, { resetKeys: true }))
    .use(logMetrics(observability.metrics, { captureColdStartMetric: true }))
    .handler(handle);
}
