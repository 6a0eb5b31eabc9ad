/**
 * `opspulse pulse [--at T] [--json]`: one intra-day pulse on the local lake (or AWS, as the
 * environment selects): today so far against the same weekday of past weeks, stalls and
 * pace through the alert policy, the result appended to `out/pulses/<day>.jsonl` and the
 * today page rewritten (`out/dashboard/today.html`). `--at` evaluates as of an instant:
 * records after it are ignored, so pulses replay over history. And `opspulse replay pulse
 * --from D --to D [--every MIN]`: the pulse's rules over history, by event time, sending and
 * storing nothing.
 */
import type { Command } from "commander";
import { createFsArtifactStore } from "../../lib/adapters/fs-artifacts.ts";
import { createFsPulseStore } from "../../lib/adapters/fs-pulse-store.ts";
import { createFsLakeArrivals } from "../../lib/adapters/lake-arrivals.ts";
import type { MetricNotification } from "../../lib/kpi/alerts.ts";
import type { PulseResult } from "../../lib/kpi/pulse.ts";
import { localMidnightUtc } from "../../lib/kpi/windows.ts";
import { replayPulses, runPulse } from "../../lib/pulse/run-pulse.ts";
import { UserError } from "../errors.ts";
import {
  dateRangeOptions,
  type FolderOptions,
  openReportRuntime,
  type ReportRuntime,
  withFolders,
} from "./run.ts";

interface PulseOptions extends FolderOptions {
  readonly at?: string;
  readonly json?: boolean;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `--at`: an instant with its zone. */
export function atOption(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (!INSTANT.test(value) || Number.isNaN(at.getTime())) {
    throw new UserError(
      `--at must be a time with its zone, e.g. 2026-03-10T10:45:00+08:00, got "${value}"`,
    );
  }
  return at;
}

export function registerPulse(program: Command): void {
  withFolders(
    program
      .command("pulse")
      .description(
        "today so far vs the same weekday of past weeks: freshness, stalls (page) and pace (notify); rewrites the today page",
      ),
  )
    .option(
      "--at <time>",
      "evaluate as of this instant (records after it ignored), e.g. 2026-03-10T10:45:00+08:00",
    )
    .option("--json", "print the pulse as JSON")
    .action(async (opts: PulseOptions) => {
      const at = atOption(opts.at);
      const runtime = await openReportRuntime(opts);
      try {
        const summary = await runPulse(pulseDeps(runtime), at ? { at } : {});
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...summary, stats: undefined }, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${describePulse(summary.result).join("\n")}\n`);
        for (const m of summary.messages) {
          process.stdout.write(`alert ${m.status}: ${m.subject ?? m.key}\n`);
        }
        if (summary.pages[0]) process.stdout.write(`today page: ${summary.pages[0]}\n`);
      } finally {
        await runtime.close();
      }
    });
}

function pulseDeps(runtime: ReportRuntime) {
  const { deps, outDir, env } = runtime;
  return {
    ...deps,
    pulses: createFsPulseStore({ dir: outDir }),
    artifacts: createFsArtifactStore({ dir: outDir }),
    ...(env.engine.kind === "duckdb"
      ? { arrivals: createFsLakeArrivals({ lakeDir: env.engine.lakeDir }) }
      : {}),
  };
}

/** The human form of a pulse: one line per table, then the breaches. */
export function describePulse(result: PulseResult): string[] {
  const hh = String(Math.floor(result.minuteOfDay / 60)).padStart(2, "0");
  const mm = String(result.minuteOfDay % 60).padStart(2, "0");
  const lines = [
    `pulse ${result.today} ${hh}:${mm} (${result.timeZone}), baseline ${result.baselineDays.join(", ") || "none yet"}`,
  ];
  for (const t of result.tables) {
    const band = t.soFar.band;
    lines.push(
      `${t.table}: ${t.soFar.value} ${t.soFar.measure} so far${band ? ` (normal ${Math.round(Math.max(0, band.lower))}–${Math.round(band.upper)})` : " (no baseline yet)"}; newest valid ${t.freshness.minutesSinceValid === null ? "none today" : `${t.freshness.minutesSinceValid} min ago`}${t.freshness.minutesSinceArrival === null ? "" : `, newest file ${t.freshness.minutesSinceArrival} min ago`}`,
    );
  }
  const breaches = result.findings.filter((f) => f.status === "breach");
  lines.push(
    breaches.length === 0
      ? "no stall, pace normal"
      : breaches
          .map((f) =>
            f.rule === "stall"
              ? `stall ${f.table} ${f.scope}: ${f.value === null ? "no valid record today" : `${f.value} min without a valid record`} (a stall after ${f.target} min; a normal day has ${Math.round(f.expected ?? 0)} then)`
              : `pace ${f.table}: ${f.value} so far, below the band (from ${Math.round(f.target ?? 0)})`,
          )
          .join("\n"),
  );
  return lines;
}

/** `opspulse replay pulse --from D --to D [--every MIN]`. */
export async function replayPulseCommand(
  opts: FolderOptions & {
    readonly from: string;
    readonly to: string;
    readonly every?: string;
    readonly json?: boolean;
  },
): Promise<void> {
  const { from, to } = dateRangeOptions(opts);
  const every = Number(opts.every ?? "60");
  if (![15, 20, 30, 60].includes(every)) {
    throw new UserError(`--every must be 15, 20, 30 or 60 (minutes), got "${opts.every}"`);
  }
  const runtime = await openReportRuntime(opts);
  try {
    const zone = runtime.deps.config.timeZone;
    const start = localMidnightUtc(from, zone).getTime();
    const end = localMidnightUtc(to, zone).getTime() + 86_400_000;
    const instants: Date[] = [];
    for (let t = start; t < end; t += every * 60_000) instants.push(new Date(t));
    const replay = await replayPulses(runtime.deps, instants);
    const lines = replay.notifications.map((n) => {
      const m = n as MetricNotification;
      return `${m.periodKey} ${m.kind} ${m.metric} ${m.scope}`;
    });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(replay, null, 2)}\n`);
      return;
    }
    process.stdout.write(
      `${[...lines, `${replay.pulses} pulses replayed (by event time), ${replay.notifications.length} notifications`].join("\n")}\n`,
    );
  } finally {
    await runtime.close();
  }
}
