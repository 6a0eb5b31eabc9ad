/**
 * The chat commands' runner against the local lake (or whatever `OPSPULSE_*` selects): a
 * preview is a dry run whose rendered emails land in `<out>/preview/<runId>/`, `send` is a
 * real run to the report's lists, and status, ack and silence use the alert state store as
 * `opspulse alerts` does. Used by `opspulse chat`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { alertCommands } from "../lib/chatops/alert-commands.ts";
import type { ChatRunner, ChatRunOutcome } from "../lib/chatops/handle.ts";
import {
  parseIsoDate,
  parseTimeZone,
  partitionsFor,
  periodContaining,
  periodWindow,
} from "../lib/kpi/windows.ts";
import { periodKindOf } from "../lib/report/run-request.ts";
import { summaryView } from "../lib/runtime/lambda.ts";
import { type ReportRuntime, runReportCommand, writePreviews } from "./commands/run.ts";

/** A runner on an open report runtime; the caller closes the runtime. */
export function localChatRunner(runtime: ReportRuntime): ChatRunner {
  return {
    async report(request): Promise<ChatRunOutcome> {
      const missing = missingPartitions(runtime, request.report, request.date);
      if (missing) return { kind: "no_data", reason: missing };
      const summary = await runReportCommand(runtime, {
        report: request.report,
        date: request.date,
        ...(request.send ? {} : { dryRun: true }),
      });
      const view = summaryView(summary);
      const previews = request.send ? [] : writePreviews(runtime.outDir, summary);
      const page = runtime.dashboard.last;
      const link =
        previews.find((path) => path.includes(request.locale === "zh-CN" ? "-zh" : "")) ??
        previews[0] ??
        page?.pageLocation;
      return {
        kind: "done",
        report: {
          ok: view.outcome !== "failed",
          report: view.report,
          periodKey: view.periodKey,
          runId: view.runId,
          mode: request.send ? "sent" : "preview",
          statusCounts: view.statusCounts,
          ...(view.card ? { card: view.card } : {}),
          ...(link ? { link } : {}),
          ...(view.error ? { error: view.error } : {}),
          ...(request.send
            ? { lists: view.emails.filter((e) => e.status === "sent").map((e) => e.list) }
            : {}),
        },
      };
    },
    async status(locale) {
      const alerts = await alertCommands(runtime.deps.alertState, runtime.deps.clock).status(
        locale,
      );
      return [...lastRuns(runtime.outDir), alerts].join("\n");
    },
    ack: (...args) => alertCommands(runtime.deps.alertState, runtime.deps.clock).ack(...args),
    silence: (...args) =>
      alertCommands(runtime.deps.alertState, runtime.deps.clock).silence(...args),
  };
}

/**
 * Why the local lake cannot answer for the period (its events have no partition of the
 * period's days), or undefined when it has data. Only for the DuckDB lake.
 */
function missingPartitions(
  runtime: ReportRuntime,
  report: "daily" | "weekly" | "campaigns",
  date: string,
): string | undefined {
  if (runtime.env.engine.kind !== "duckdb") return undefined;
  const events = join(runtime.env.engine.lakeDir, "events");
  if (!existsSync(events))
    return `No data: the lake at ${runtime.env.engine.lakeDir} has no events.`;
  const days = new Set(
    readdirSync(events)
      .filter((name) => name.startsWith("dt="))
      .map((name) => name.slice(3)),
  );
  let wanted: string[];
  try {
    const zone = parseTimeZone(runtime.deps.config.schedules[report].timeZone);
    const window = periodWindow(periodContaining(periodKindOf(report), parseIsoDate(date), zone));
    wanted = partitionsFor(window.fromUtc, window.toUtc);
  } catch {
    return undefined; // the run reports a bad date in its own words
  }
  if (wanted.some((day) => days.has(day))) return undefined;
  const sorted = [...days].sort();
  return `No data for ${report} ${date}: the lake holds ${sorted[0] ?? "nothing"} to ${sorted.at(-1) ?? "nothing"}. Ask for a date in that range.`;
}

/** The last three runs of the local run log, one line each. */
function lastRuns(outDir: string): string[] {
  const file = join(outDir, "runs", "runs.jsonl");
  if (!existsSync(file)) return ["No runs yet."];
  const runs = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => typeof entry.runId === "string" && typeof entry.outcome === "string")
    .slice(-3);
  return [
    "Last runs:",
    ...runs.map(
      (run) =>
        `  ${run.report} ${run.periodKey}: ${String(run.outcome).replaceAll("_", " ")} · run ${run.runId}`,
    ),
  ];
}
