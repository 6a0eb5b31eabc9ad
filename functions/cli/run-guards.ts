/**
 * The safe defaults of the ad-hoc report commands (`run`, `backfill`): what a person running
 * a report by hand gets unless they ask for more.
 *
 * - A manual `run` of a period other than the latest one due (daily and campaigns: the last
 *   full local day; weekly: the last full ISO week) previews: nothing is stored or sent
 *   unless `--send` (or `--to`, a test send to one address) says otherwise. The scheduled
 *   handlers are not the CLI and keep sending.
 * - A period for which the local lake holds no data at all (after its last `dt` partition or
 *   before its first) stops with one line naming the lake's first and last day, unless
 *   `--allow-incomplete`: a report of zeros mailed to managers is worse than none.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Period } from "../lib/kpi/windows.ts";
import { periodKindOf, type ReportKind } from "../lib/report/run-report.ts";
import { periodKeyOf } from "../lib/report/snapshot.ts";
import { periodDueAt } from "../lib/runtime/scheduled-period.ts";
import { UserError } from "./errors.ts";

/** The first and last `dt` partition (UTC day) of the lake's events table. */
export interface LakeDays {
  readonly first: string;
  readonly last: string;
}

/** The days the local lake at `lakeDir` holds events for; undefined when it holds none. */
export function lakeDays(lakeDir: string): LakeDays | undefined {
  const events = join(lakeDir, "events");
  if (!existsSync(events)) return undefined;
  const days = readdirSync(events)
    .map((name) => /^dt=(\d{4}-\d{2}-\d{2})$/.exec(name)?.[1])
    .filter((dt): dt is string => dt !== undefined)
    .sort();
  const first = days[0];
  const last = days.at(-1);
  return first && last ? { first, last } : undefined;
}

/**
 * Why the lake holds no data at all for `period` (it ends before the lake's first day or
 * starts after its last), as the one line a person reads; null when it holds some.
 */
export function noDataLine(
  report: ReportKind,
  period: Period,
  days: LakeDays | undefined,
  lakeDir: string,
): string | null {
  const what = `${report} ${periodKeyOf(period)}`;
  const fix = "pick a date in that range, or pass --allow-incomplete to run it anyway";
  if (!days)
    return `${what}: the lake at ${lakeDir} holds no events at all: import or generate data first`;
  const holds = `the lake at ${lakeDir} holds ${days.first} … ${days.last}`;
  if (period.start > days.last)
    return `${what} has no data: it is after the lake's last day (${holds}): ${fix}`;
  if (period.end < days.first)
    return `${what} has no data: it is before the lake's first day (${holds}): ${fix}`;
  return null;
}

/** Stops, in one line, a run of a period the local lake holds no data for. */
export function assertLakeHasData(report: ReportKind, period: Period, lakeDir: string): void {
  const line = noDataLine(report, period, lakeDays(lakeDir), lakeDir);
  if (line) throw new UserError(line);
}

/** The period a scheduled run of `report` would cover at `now`: the latest one due. */
export function latestDuePeriod(report: ReportKind, now: Date, timeZone: string): Period {
  return periodDueAt(report, now, timeZone);
}

/** What a manual run asked for, as far as the safe default is concerned. */
export interface ManualRunIntent {
  readonly dryRun: boolean;
  /** `--send`: deliver even a period other than the latest one due. */
  readonly send: boolean;
  /** `--to`: a test send to one address. */
  readonly to: boolean;
  /** `--resend`: deliver again, as a correction. */
  readonly resend: boolean;
  /** False with `--no-email`: store, send nothing. */
  readonly email: boolean;
}

/**
 * Whether a manual run of `period` only previews: it is not the latest period due and the
 * person asked for no delivery of any kind (`--send`, `--to`, `--resend`, `--no-email`).
 */
export function previewsByDefault(
  report: ReportKind,
  period: Period,
  now: Date,
  intent: ManualRunIntent,
): boolean {
  if (intent.dryRun || intent.send || intent.to || intent.resend || !intent.email) return false;
  const due = latestDuePeriod(report, now, period.timeZone);
  return !(due.kind === periodKindOf(report) && due.start === period.start);
}

/** The line a defaulted preview prints: why, and how to deliver it. */
export function previewNotice(report: ReportKind, period: Period, now: Date): string {
  const due = periodKeyOf(latestDuePeriod(report, now, period.timeZone));
  return `${report} ${periodKeyOf(period)} is not the latest period due (${due}): previewed only, nothing stored or sent; add --send to deliver it`;
}
