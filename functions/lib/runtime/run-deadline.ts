/**
 * The deadline of a run in a Lambda: the time the invocation has left
 * (`context.getRemainingTimeInMillis()`) minus a margin that leaves room to stop the Athena
 * query still running, release what the run claimed and send on-call its failure notice
 * before Lambda kills the process. Read once, at the handler's edge, and passed down as a
 * plain `Date` (the engine stops its queries by it; delivery leases can be sized by it).
 */
import type { OnCallDeps } from "../alerts/on-call.ts";

/**
 * Time kept back from the invocation's end: StopQueryExecution, releasing claims, the run
 * log line and one SES send each take well under a few seconds; 30 s leaves room for their
 * retries too.
 */
export const DEADLINE_MARGIN_MS = 30_000;

/** The part of a Lambda context the deadline is read from. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/**
 * The run's deadline: now plus the invocation's remaining time minus `marginMs`; undefined
 * when the caller is not a Lambda (a context without the method). Wall-clock time
 * (`Date.now`, as the engines measure their queries), not the run's injected business
 * clock: the remaining time counts down in real milliseconds whatever day a run reports.
 */
export function invocationDeadline(
  context: Partial<RemainingTime> | undefined,
  marginMs = DEADLINE_MARGIN_MS,
  nowMs: () => number = Date.now,
): Date | undefined {
  const remaining = context?.getRemainingTimeInMillis?.();
  if (remaining === undefined || !Number.isFinite(remaining)) return undefined;
  return new Date(nowMs() + remaining - marginMs);
}

/**
 * The dependencies of one run that must stop by `deadline`: the engine (and through it the
 * completeness gate, the alert breakdowns and the rollup builds, which all query through
 * `deps.engine`) stops a query still running at the deadline.
 */
export function depsWithDeadline(deps: OnCallDeps, deadline: Date | undefined): OnCallDeps {
  if (!deadline || !deps.engine.withDeadline) return deps;
  return { ...deps, engine: deps.engine.withDeadline(deadline) };
}
