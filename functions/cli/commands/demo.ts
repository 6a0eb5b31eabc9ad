import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import {
  addDays,
  isoWeekday,
  localDaysWindow,
  periodContaining,
  previousPeriod,
  samePeriodLastYear,
} from "../../lib/kpi/windows.ts";
import { DEFAULT_GENERATE_OPTIONS } from "../../lib/lake/generator.ts";
import { generateIncidentLake } from "../../lib/lake/incident-lake.ts";
import { DEMO_INCIDENTS } from "../../lib/lake/incidents.ts";
import { sqlString } from "../../lib/query/sql-literal.ts";
import {
  periodKindOf,
  type ReportKind,
  type RunReportSummary,
} from "../../lib/report/run-report.ts";
import { periodKeyOf } from "../../lib/report/snapshot.ts";
import { DEFAULT_CONFIG_DIR, DEFAULT_LAKE_DIR, DEFAULT_OUT_DIR } from "../defaults.ts";
import { UserError } from "../errors.ts";
import { describeRun, openReportRuntime, type ReportRuntime, runReportCommand } from "./run.ts";

/**
 * `opspulse demo` (`npm run demo`): generates the sample lake if absent, runs the daily
 * report for the lake's last full day and the weekly report for its last full week, and
 * prints where the emails and snapshots are and how to open them.
 *
 * Before each report it stores (without email) the snapshots its comparisons read — the
 * previous period and the same period a year earlier — when they are not stored yet, so
 * the demo email shows real deltas. Running the demo again delivers nothing new.
 */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "generate the sample lake if absent, then run and deliver the daily and weekly reports",
    )
    .option("--lake <dir>", "lake folder", DEFAULT_LAKE_DIR)
    .option("--out <dir>", "output folder", DEFAULT_OUT_DIR)
    .option("--config <dir>", "config folder", DEFAULT_CONFIG_DIR)
    .action(async (opts: { lake: string; out: string; config: string }) => {
      const say = (text: string) => process.stdout.write(`${text}\n`);
      if (!existsSync(join(opts.lake, "events"))) {
        say(
          `No lake at ${opts.lake}: generating the sample lake (${DEFAULT_GENERATE_OPTIONS.days} days ending ${DEFAULT_GENERATE_OPTIONS.endDate}, seed ${DEFAULT_GENERATE_OPTIONS.seed})…`,
        );
        const interactive = process.stderr.isTTY === true;
        mkdirSync(opts.lake, { recursive: true });
        // With one documented incident on its last day (lake/incidents.ts, DEMO_INCIDENTS).
        const summary = await generateIncidentLake(
          {
            ...DEFAULT_GENERATE_OPTIONS,
            lakeDir: opts.lake,
            onProgress: ({ daysDone, days, events }) => {
              if (interactive)
                process.stderr.write(
                  `\r  day ${daysDone}/${days}, ${events.toLocaleString("en-US")} events`,
                );
            },
          },
          DEMO_INCIDENTS,
        );
        if (interactive) process.stderr.write("\n");
        say(
          `  ${summary.rows.events.toLocaleString("en-US")} events and ${summary.rows.orders.toLocaleString("en-US")} order records, ${summary.firstDate} … ${summary.endDate}, in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
        );
      }
      const lastDt = lastPartition(opts.lake);
      const runtime = await openReportRuntime(opts);
      try {
        const timeZone = runtime.deps.config.timeZone;
        const lastDay = lastFullLocalDay(lastDt, timeZone);
        const lastWeekDay =
          isoWeekday(lastDay) === 7 ? lastDay : addDays(lastDay, -isoWeekday(lastDay));
        say(
          `Lake ${opts.lake}: data up to ${lastDt} (UTC); last full day in ${timeZone}: ${lastDay}, last full week: ${periodKeyOf(periodContaining("week", lastWeekDay, timeZone))}`,
        );

        const daily = await demoReport(runtime, "daily", lastDay, say);
        const weekly = await demoReport(runtime, "weekly", lastWeekDay, say);
        const campaigns = await demoReport(runtime, "campaigns", lastDay, say);
        say("");
        for (const summary of [daily, weekly, campaigns]) {
          say(describeRun(summary, runtime).join("\n"));
        }
        const html = [daily, weekly, campaigns]
          .flatMap((s) => s.emails)
          .map((e) => e.location?.replace(/\.eml$/, ".html"))
          .filter((path): path is string => path !== undefined);
        say("");
        say("How to open them:");
        if (html[0]) say(`  in a browser:      xdg-open ${html[0]}   (macOS: open …)`);
        say("  in a mail client:  open the .eml files (Thunderbird, Apple Mail, Outlook)");
        if (runtime.dashboard.last) {
          say(`  the dashboard:     ${runtime.dashboard.last.indexLocation}`);
        }
        say(
          `  the snapshots:     ${join(runtime.outDir, "snapshots")}/<report>/<period>/r001.json`,
        );
        say(
          `  their history:     duckdb -c "select period_key, revision, unnest(metrics, recursive := true) from read_json(${sqlString(join(runtime.outDir, "snapshots", "history", "daily.jsonl"))})"`,
        );
        say(`  the run log:       ${join(runtime.outDir, "runs", "runs.jsonl")}`);
      } finally {
        await runtime.close();
      }
    });
}

/**
 * Periods stored before each demo report: its sparklines' and the dashboard's history, and
 * for the daily report every day its level-adjusted anomaly bands read (the same weekday of
 * the 8 weeks before and the 7 days before each of them: 63 days; kpi/baseline-band.ts).
 */
const DEMO_HISTORY: Readonly<Partial<Record<ReportKind, number>>> = {
  daily: 63,
  weekly: 5,
  // A campaign's ROI curve: one snapshot per running campaign and day.
  campaigns: 13,
};

/**
 * Stores the snapshots the report reads (if missing) — the periods before it and the same
 * period a year earlier — then runs and delivers it.
 */
async function demoReport(
  runtime: ReportRuntime,
  report: ReportKind,
  date: string,
  say: (text: string) => void,
): Promise<RunReportSummary> {
  const period = periodContaining(periodKindOf(report), date, runtime.deps.config.timeZone);
  // The periods before it give the email's sparklines and the dashboard's trends a history.
  const history = [previousPeriod(period)];
  while (history.length < (DEMO_HISTORY[report] ?? 1)) {
    history.unshift(previousPeriod(history[0] as typeof period));
  }
  // The same weekday of the 10 weeks before (the bands go further back past a holiday).
  if (report === "daily") {
    const starts = new Set(history.map((p) => p.start));
    const weekdays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
      .map((weeks) => addDays(period.start, -7 * weeks))
      .filter((start) => !starts.has(start))
      .map((start) => periodContaining("day", start, period.timeZone));
    history.unshift(...weekdays.reverse());
  }
  const stored: string[] = [];
  let elapsedMs = 0;
  // The year-earlier period first: the list printed then reads oldest to newest.
  for (const comparison of [samePeriodLastYear(period), ...history]) {
    const key = periodKeyOf(comparison);
    if (await runtime.deps.snapshots.latest(report, key)) continue;
    const run = await runReportCommand(runtime, {
      report,
      date: comparison.start,
      deliver: false,
    });
    stored.push(key);
    elapsedMs += run.timingsMs.total ?? 0;
  }
  if (stored.length > 0) {
    say(
      `  stored ${stored.length} ${report} snapshot${stored.length === 1 ? "" : "s"} for comparisons and trends (${stored.length > 2 ? `${stored[0]} … ${stored.at(-1)}` : stored.join(", ")}) in ${(elapsedMs / 1000).toFixed(1)} s`,
    );
  }
  return runReportCommand(runtime, { report, date });
}

/** The newest `dt` partition of the events table. */
function lastPartition(lakeDir: string): string {
  const partitions = readdirSync(join(lakeDir, "events"))
    .map((name) => /^dt=(\d{4}-\d{2}-\d{2})$/.exec(name)?.[1])
    .filter((dt): dt is string => dt !== undefined)
    .sort();
  const last = partitions.at(-1);
  if (!last)
    throw new UserError(
      `${lakeDir}/events has no dt=YYYY-MM-DD partitions: regenerate it with "opspulse generate"`,
    );
  return last;
}

/**
 * The last local day whose whole UTC window lies within the lake, assuming the newest
 * partition is complete: in Asia/Shanghai, a lake ending with `dt=2026-11-22` holds local
 * days up to 2026-11-22 (the 23rd would need the UTC hours after 16:00 on the 23rd).
 */
export function lastFullLocalDay(lastDt: string, timeZone: string): string {
  const lakeEnd = new Date(`${addDays(lastDt, 1)}T00:00:00Z`).getTime();
  let day = addDays(lastDt, 1);
  while (localDaysWindow(day, day, timeZone).toUtc.getTime() > lakeEnd) day = addDays(day, -1);
  return day;
}
