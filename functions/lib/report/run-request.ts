/**
 * What a report run is asked to do: the report, the period's date and zone, the locale, and
 * whether to store and send. Shared by the use case and its extension points (hooks, gate).
 */
import { randomUUID } from "node:crypto";
import type { OpsConfig } from "../config/load.ts";
import type { Locale } from "../kpi/registry.ts";
import { type IsoDate, type Period, sameZone } from "../kpi/windows.ts";

/** The reports this use case makes. */
export type ReportKind = "daily" | "weekly" | "campaigns";

const PERIOD_OF: Readonly<Record<ReportKind, Period["kind"]>> = {
  daily: "day",
  weekly: "week",
  campaigns: "day",
};

/** The period a report covers: the weekly report an ISO week, the others a day. */
export function periodKindOf(report: ReportKind): Period["kind"] {
  return PERIOD_OF[report];
}

/** What to run. */
export interface RunReportRequest {
  readonly report: ReportKind;
  /** Any date of the period: the day itself, or a day of the ISO week. */
  readonly date: IsoDate;
  /** IANA zone of local days and weeks; default: the report's schedule zone in config. */
  readonly timeZone?: string;
  /** Language of every email of this run; default: each recipient list's own. */
  readonly locale?: Locale;
  /** Compute, evaluate and render; store nothing, send nothing. */
  readonly dryRun?: boolean;
  /** Send only to this address (for testing), under its own delivery key. */
  readonly to?: string;
  /** Deliver again even when already delivered: the email is marked as a correction. */
  readonly force?: boolean;
  /** False: compute and store the snapshot, send no email (history backfills). */
  readonly deliver?: boolean;
  /** Caller-chosen run id (the Lambda request id, a test's fixed id). */
  readonly runId?: string;
  /**
   * When the run must have stopped (a Lambda's remaining time minus a margin, see
   * runtime/run-deadline.ts); its engine stops queries still running then. None: no limit.
   * It is also the lease of the run's delivery claims (without it: the run's start plus
   * `RunReportDeps.maxRunMs`).
   */
  readonly deadline?: Date;
  /**
   * Wait for complete data (`waiting/`): when the completeness gate finds the period's data
   * incomplete, stop before anything is judged, stored or sent (outcome `waiting_for_data`).
   */
  readonly holdIfIncomplete?: boolean;
}

/**
 * The command that re-runs `request` for `period` (shown in emails, alerts and chat cards).
 * A run that delivered gets `--send`: typed by hand once its period is no longer the latest
 * one due, `opspulse run` only previews (cli/run-guards.ts), so without it the command would
 * not reproduce what was sent (and a failed scheduled run would never go out). A preview
 * (dry run), a test send (`--to`) or a snapshot-only run (`deliver: false`) is re-run as
 * it was: without `--send`. Advice given about a run that delivers its period (the
 * data-incomplete notice in its own email, on-call's data alert) is read after that
 * delivery, when `--send` is refused as "already delivered": it gets `--resend` (a marked
 * correction, once per snapshot revision) instead.
 */
export function rerunCommand(
  request: Pick<RunReportRequest, "report" | "dryRun" | "to" | "deliver">,
  period: Pick<Period, "start" | "timeZone">,
  config: Pick<OpsConfig, "schedules">,
  options: { readonly afterDelivery?: boolean } = {},
): string {
  const zone = sameZone(period.timeZone, config.schedules[request.report].timeZone)
    ? ""
    : ` --tz ${period.timeZone}`;
  const send = sendFlag(request);
  const flag = send && options.afterDelivery ? " --resend" : send;
  return `opspulse run ${request.report} --date ${period.start}${zone}${flag}`;
}

/** ` --send` when the run was one that delivers to the report's lists. */
export function sendFlag(request: Pick<RunReportRequest, "dryRun" | "to" | "deliver">): string {
  return request.dryRun || request.to || request.deliver === false ? "" : " --send";
}

/** `20260302T000102Z-daily-1a2b3c4d`: sortable by time, unique by suffix. */
export function newRunId(report: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replaceAll(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${report}-${randomUUID().slice(0, 8)}`;
}
