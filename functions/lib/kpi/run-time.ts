/**
 * When a report's schedule runs for a period, and the instant a run of that period counts
 * as "the run" (shared/kpi-spec.md, data_freshness_minutes: for a re-run of a past period,
 * "the run" is that period's scheduled run time, so a re-run reproduces the original value
 * instead of reading the clock).
 *
 * Pure: the schedule is passed in (its cron and zone), the clock's time too.
 */
import { addDays, localMidnightUtc, type Period } from "./windows.ts";

/** What the run time needs of a schedule (`config/schedules.yaml`). */
export interface ScheduleTime {
  /** Five-field cron in the schedule's zone; its minute and hour fields are read. */
  readonly cron: string;
  readonly timeZone: string;
}

/**
 * When the schedule runs for `period`: the first fire after the period ends, taken as the
 * cron's hour and minute on the next local day (daily) or Monday (weekly). A cron whose hour
 * or minute is not a plain number falls back to local midnight.
 */
export function scheduledRunTime(period: Period, schedule: ScheduleTime): Date {
  const [minute, hour] = schedule.cron.trim().split(/\s+/);
  const offsetMs =
    (/^\d+$/.test(hour ?? "") ? Number(hour) * 3_600_000 : 0) +
    (/^\d+$/.test(minute ?? "") ? Number(minute) * 60_000 : 0);
  return new Date(localMidnightUtc(addDays(period.end, 1), schedule.timeZone).getTime() + offsetMs);
}

/**
 * The instant a run of `period` is "as of": the time it started, or, for a re-run after
 * the period's scheduled run time, that scheduled time (so a re-run's freshness and its
 * "not in the future" checks give what the scheduled run gave).
 */
export function runAsOf(period: Period, startedAt: Date, schedule: ScheduleTime): Date {
  const scheduled = scheduledRunTime(period, schedule);
  return startedAt.getTime() > scheduled.getTime() ? scheduled : startedAt;
}
