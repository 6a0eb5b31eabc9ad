/**
 * Refusing a period the engine cannot see: Athena's tables project `dt` partitions from the
 * lake's first day (`opspulse:lakeFirstDay`) on, so a period whose UTC window touches an
 * earlier partition would silently count zeros for those hours. Checked at the edge, before
 * anything runs.
 */
import type { OpsConfig } from "../config/load.ts";
import {
  type IsoDate,
  parseIsoDate,
  parseTimeZone,
  partitionsFor,
  periodContaining,
  periodWindow,
} from "../kpi/windows.ts";
import type { QueryEngine } from "../ports.ts";
import { periodKindOf, type ReportKind } from "../report/run-report.ts";

/** The period starts before the first day the lake's tables cover; nothing was run. */
export class BeforeLakeStartError extends Error {
  override name = "BeforeLakeStartError";
}

/** What is checked: the report, a date of its period and its zone. */
export interface PeriodAsked {
  readonly report: ReportKind;
  readonly date: IsoDate;
  readonly timeZone?: string | undefined;
}

/**
 * Throws a {@link BeforeLakeStartError} naming the setting when the period of `asked` reads a
 * `dt` partition before `engine.visibleFrom`. Invalid dates and zones are left to the run.
 */
export function assertPeriodInLake(
  engine: Pick<QueryEngine, "visibleFrom">,
  asked: PeriodAsked,
  config: Pick<OpsConfig, "schedules">,
): void {
  const firstDay = engine.visibleFrom;
  if (!firstDay) return;
  let firstPartition: IsoDate | undefined;
  try {
    const zone = parseTimeZone(asked.timeZone ?? config.schedules[asked.report].timeZone);
    const period = periodContaining(periodKindOf(asked.report), parseIsoDate(asked.date), zone);
    const window = periodWindow(period);
    firstPartition = partitionsFor(window.fromUtc, window.toUtc)[0];
  } catch {
    return; // the run reports a bad date or zone in its own words
  }
  if (firstPartition !== undefined && firstPartition < firstDay) {
    throw new BeforeLakeStartError(
      `The ${asked.report} report of ${asked.date} reads dt=${firstPartition}, before the lake's first day ${firstDay} (the opspulse:lakeFirstDay setting, where the tables' partition projection starts): Athena would count no data there. Lower opspulse:lakeFirstDay and redeploy, or ask for a later period.`,
    );
  }
}
