import { type Command, Option } from "commander";
import type { Locale } from "../../lib/kpi/registry.ts";
import { addDays, isoWeekStart, periodContaining } from "../../lib/kpi/windows.ts";
import {
  periodKindOf,
  type ReportKind,
  type RunOutcome,
  type RunReportSummary,
} from "../../lib/report/run-report.ts";
import { UserError } from "../errors.ts";
import { assertLakeHasData } from "../run-guards.ts";
import {
  dateRangeOptions,
  type FolderOptions,
  jsonSummary,
  localeOption,
  openReportRuntime,
  reportArgument,
  runReportCommand,
  runRequestOptions,
  timeZoneOption,
  withFolders,
} from "./run.ts";

interface BackfillOptions extends FolderOptions {
  readonly from: string;
  readonly to: string;
  readonly locale?: Locale;
  readonly tz?: string;
  readonly force?: boolean;
  readonly send?: boolean;
  readonly email: boolean;
  readonly allowIncomplete?: boolean;
  readonly json?: boolean;
}

/** Periods a backfill may cover in one go (a bit more than a year of days). */
const MAX_PERIODS = 400;

/**
 * `opspulse backfill daily|weekly --from D --to D`: runs the report for every period in the
 * range, oldest first (so each period finds the previous one's snapshot), and stores its
 * snapshot: history for comparisons and trends. It sends nothing unless `--send` (then it
 * skips periods already delivered unless `--force`). A range with periods the local lake
 * holds no data for stops in one line unless `--allow-incomplete`. A failed period does not stop the others; the command
 * exits non-zero when any failed.
 */
export function registerBackfill(program: Command): void {
  withFolders(
    program
      .command("backfill")
      .description(
        "store the daily or weekly snapshots of every period of a date range (send nothing unless --send)",
      )
      .argument("<report>", "daily or weekly")
      .requiredOption("--from <date>", "first day, YYYY-MM-DD")
      .requiredOption("--to <date>", "last day, YYYY-MM-DD (weekly: a day of the last week)"),
  )
    .addOption(localeOption())
    .option("--tz <zone>", "IANA time zone of the periods (default: the schedule's in config)")
    .option("--send", "also deliver each period's report to its recipient lists")
    .option("--force", "with --send: deliver again periods already delivered (as corrections)")
    .addOption(new Option("--no-email", "the default: store snapshots only").hideHelp())
    .option("--allow-incomplete", "run periods the local lake holds no data for")
    .option("--json", "print one JSON summary per period (JSON Lines)")
    .action(async (reportName: string, opts: BackfillOptions) => {
      const report = reportArgument(reportName);
      const { from, to } = dateRangeOptions(opts);
      const timeZone = timeZoneOption(opts.tz);
      // Told before the periods are listed: a range of centuries would take a while to list.
      if (Date.parse(to) - Date.parse(from) > (MAX_PERIODS + 1) * 7 * 86_400_000) {
        throw new UserError(
          `${from} … ${to} holds more than ${MAX_PERIODS} periods for one backfill: split the range`,
        );
      }
      const dates = periodDates(report, from, to);
      if (dates.length > MAX_PERIODS) {
        throw new UserError(
          `${dates.length} periods is more than ${MAX_PERIODS} in one backfill: split the range`,
        );
      }
      const send = opts.send === true && opts.email;
      if (opts.force && !send) {
        throw new UserError(
          "--force delivers again, and a backfill without --send delivers nothing: add --send",
        );
      }
      const runtime = await openReportRuntime(opts);
      if (runtime.env.engine.kind === "duckdb" && !opts.allowIncomplete) {
        const zone = timeZone ?? runtime.deps.config.schedules[report].timeZone;
        try {
          for (const date of [dates[0], dates.at(-1)]) {
            if (date === undefined) continue;
            assertLakeHasData(
              report,
              periodContaining(periodKindOf(report), date, zone),
              runtime.env.engine.lakeDir,
            );
          }
        } catch (error) {
          await runtime.close();
          throw error;
        }
      }
      const progress = progressBar(dates.length, process.stderr);
      const outcomes: Record<RunOutcome, number> = {
        ok: 0,
        dry_run: 0,
        skipped_already_delivered: 0,
        waiting_for_data: 0,
        failed: 0,
      };
      const failures: string[] = [];
      let emails = 0;
      try {
        for (const [index, date] of dates.entries()) {
          let summary: RunReportSummary | undefined;
          try {
            summary = await runReportCommand(runtime, {
              report,
              date,
              ...runRequestOptions(timeZone, { ...opts, email: send }),
              ...(opts.force ? { force: true } : {}),
            });
            outcomes[summary.outcome]++;
            emails += summary.emails.filter((e) => e.status === "sent").length;
          } catch (error) {
            if (error instanceof UserError) throw error;
            outcomes.failed++;
            const message = error instanceof Error ? error.message : String(error);
            failures.push(`${date}: ${message}`);
            summary = (error as { summary?: RunReportSummary }).summary;
          }
          if (opts.json && summary)
            process.stdout.write(`${JSON.stringify(jsonSummary(summary))}\n`);
          progress.update(
            index + 1,
            `${summary?.periodKey ?? date} ${summary?.outcome ?? "failed"}`,
          );
        }
      } finally {
        progress.done();
        await runtime.close();
      }
      const lines = [
        `${report} backfill ${from} … ${to}: ${dates.length} period${dates.length === 1 ? "" : "s"}`,
        `  ${outcomes.ok} ${send ? `delivered (${emails} email${emails === 1 ? "" : "s"} sent)` : "stored (snapshots only, nothing sent: add --send to deliver)"}, ${outcomes.skipped_already_delivered} skipped (already delivered), ${outcomes.failed} failed`,
        ...failures.map((failure) => `  failed ${failure}`),
      ];
      process.stderr.write(`${lines.join("\n")}\n`);
      if (outcomes.failed > 0) {
        throw new Error(
          `${outcomes.failed} of ${dates.length} periods failed (listed above); re-run the backfill to retry them`,
        );
      }
    });
}

/** One date per period of the range: every day, or the Monday of every ISO week. */
export function periodDates(report: ReportKind, from: string, to: string): string[] {
  const step = report === "weekly" ? 7 : 1;
  const first = report === "weekly" ? isoWeekStart(from) : from;
  const dates: string[] = [];
  for (let date = first; date <= to; date = addDays(date, step)) dates.push(date);
  return dates;
}

/** A progress bar on a terminal; one line per step otherwise (logs, CI). */
export function progressBar(
  total: number,
  stream: { readonly isTTY?: boolean; write(text: string): unknown },
): { update(done: number, label: string): void; done(): void } {
  const width = 24;
  let drawn = false;
  return {
    update(done, label) {
      if (stream.isTTY) {
        const filled = Math.round((done / total) * width);
        stream.write(
          `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${label}\u001b[K`,
        );
        drawn = true;
      } else {
        stream.write(`${done}/${total} ${label}\n`);
      }
    },
    done() {
      if (drawn) stream.write("\n");
    },
  };
}
