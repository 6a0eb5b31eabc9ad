/**
 * The re-check of a report that waits for complete data, in AWS: a one-time EventBridge
 * Scheduler schedule (`at(…)`, deleted by Scheduler once it has fired) that invokes the
 * scheduled function again with the original schedule's event plus the check number. It
 * costs nothing while it waits.
 *
 * Idempotent under duplicate fires: the schedule's name is derived from report, period and
 * check number, so two runs of one check create the same schedule and the second gets a
 * `ConflictException` — one re-check chain, not two.
 *
 * This file is the port and the names; the adapter over EventBridge Scheduler is
 * `adapters/scheduler-rechecks.ts`.
 */
import { createHash } from "node:crypto";

/** Every re-check schedule's name starts with this; the functions' IAM grant is limited to it. */
export const RECHECK_NAME_PREFIX = "opspulse-wait-";

/** Scheduler's limit on a schedule name. */
const MAX_NAME = 64;

/** What a re-check sends the scheduled function: the schedule's event and where it stands. */
export interface RecheckEvent {
  /** The report (`daily`, …; the handlers' event schema checks it on arrival). */
  readonly report: string;
  readonly timeZone: string;
  /** The original schedule's time: the period and the deadline are counted from it. */
  readonly scheduledTime: string;
  readonly recheck: {
    /** The check this event asks for (2 or more; the scheduled run is check 1). */
    readonly check: number;
    /** Tables the earlier checks found incomplete. */
    readonly waitedFor: readonly string[];
  };
}

/** One re-check to schedule. */
export interface Recheck {
  readonly periodKey: string;
  readonly at: Date;
  readonly event: RecheckEvent;
}

/** Schedules re-checks (EventBridge Scheduler in AWS). */
export interface RecheckScheduler {
  /** `created`, or `already_scheduled` when a duplicate run of the same check got there first. */
  schedule(recheck: Recheck): Promise<"created" | "already_scheduled">;
  /** Removes the re-check `check` of a period if it is still pending; false: there was none. */
  cancel(report: string, periodKey: string, check: number): Promise<boolean>;
}

/**
 * `opspulse-wait-daily-2026-03-02-c3`: one name per report, period and check. Characters
 * Scheduler does not allow become `_`; a name past 64 characters keeps a hash of its middle.
 */
export function recheckScheduleName(report: string, periodKey: string, check: number): string {
  const key = periodKey.replaceAll(/[^0-9A-Za-z_.-]/g, "_");
  const name = `${RECHECK_NAME_PREFIX}${report}-${key}-c${check}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash("sha256").update(periodKey).digest("hex").slice(0, 16);
  return `${RECHECK_NAME_PREFIX}${report}-${hash}-c${check}`;
}
