/**
 * The pulse Lambda. EventBridge Scheduler invokes it every hour (pulse.yaml `every_minutes`,
 * down to 15) in the report time zone with `{ pulse: true, scheduledTime }`; it judges today
 * so far as of the scheduled time (kpi/pulse.ts), alerts through the policy (a stall pages,
 * a slow day notifies; nothing is sent unless an alert starts, reminds or resolves), stores
 * the result and rewrites the today page. A failed pulse throws, so that Lambda retries it
 * and then the dead-letter queue gets it.
 */
import type { Context } from "aws-lambda";
import type { PulseDeps } from "../lib/pulse/run-pulse.ts";
import { runPulse } from "../lib/pulse/run-pulse.ts";
import {
  createObservability,
  type Observability,
  observedHandler,
} from "../lib/runtime/observability.ts";
import { lazyPulseDeps, pulseEventSchema, pulseInstant } from "../lib/runtime/pulse-lambda.ts";

/** The event is not the pulse schedule's input; nothing was run. */
export class InvalidPulseEventError extends Error {
  override name = "InvalidPulseEventError";
}

export interface PulseHandlerOptions {
  readonly deps: () => Promise<PulseDeps>;
  readonly observability: Observability;
}

/** What one invocation returns (and logs). */
export interface PulseView {
  readonly periodKey: string;
  readonly breaches: readonly string[];
  readonly notifications: number;
}

export function createPulseHandler(options: PulseHandlerOptions) {
  const { logger, metrics } = options.observability;
  return observedHandler(
    options.observability,
    async (event: unknown, _context: Context): Promise<PulseView> => {
      const parsed = pulseEventSchema.safeParse(event ?? {});
      if (!parsed.success) {
        throw new InvalidPulseEventError(
          `Not a pulse schedule event (${parsed.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("; ")}): check the schedule's input in the stack; nothing was run.`,
        );
      }
      const deps = await options.deps();
      const summary = await runPulse(deps, { at: pulseInstant(parsed.data, deps.clock) });
      const breaches = summary.result.findings
        .filter((f) => f.status === "breach")
        .map((f) => `${f.rule}/${f.table}/${f.scope}`);
      metrics.addMetric("PulseBreaches", "Count", breaches.length);
      metrics.addMetric("PulseNotifications", "Count", summary.notifications.length);
      logger.info("pulse", {
        periodKey: summary.periodKey,
        breaches,
        notifications: summary.notifications.length,
      });
      return {
        periodKey: summary.periodKey,
        breaches,
        notifications: summary.notifications.length,
      };
    },
  );
}

const observability = createObservability("opspulse-pulse");

/** The Lambda entry point: the environment is read on the first invocation, once. */
export const handler = createPulseHandler({
  deps: lazyPulseDeps(process.env),
  observability,
});
