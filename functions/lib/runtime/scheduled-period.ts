/**
 * Which period a scheduled run reports on: the one that has just closed at the time the
 * schedule fired, in the report's time zone — the previous local day for the daily and
 * campaigns reports, the previous ISO week (Monday to Sunday) for the weekly one.
 *
 * The fire time is the schedule's (`<aws.scheduler.scheduled-time>`), not the moment the
 * handler happens to run: a retry hours later, or a duplicate delivery, still reports on the
 * same period, so the delivery log can recognise it as already sent.
 */
import type { ReportName } from "../config/schema.ts";
import {
  addDays,
  localDateOf,
  type Period,
  periodContaining,
  previousPeriod,
} from "../kpi/windows.ts";

/** The period a run of `report` fired at `fireTime` covers, in `timeZone`. */
export function periodDueAt(report: ReportName, fireTime: Date, timeZone: string): Period {
  const today = localDateOf(fireTime, timeZone);
  if (report === "weekly") return previousPeriod(periodContaining("week", today, timeZone));
  return periodContaining("day", addDays(today, -1), timeZone);
}
