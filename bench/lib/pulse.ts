/**
 * The pulse section of `npm run bench` (issue 24): pulses on the 400-day lake, as the pulse
 * Lambda runs them (DuckDB here): the time of a pulse, and the raw `dt` partitions and bytes
 * each reads per table. The first pulse of a day builds the hourly rollups of its baseline
 * days that are missing (on a lake whose daily runs kept them, none); the next ones read the
 * rollups as they are. Goal: at most the two `dt` partitions of today per raw table.
 */
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { createFsAlertStateStore } from "../../functions/lib/adapters/fs-alert-state.ts";
import { createFsPulseStore } from "../../functions/lib/adapters/fs-pulse-store.ts";
import { createFsStores } from "../../functions/lib/adapters/fs-store.ts";
import { createFsLakeArrivals } from "../../functions/lib/adapters/lake-arrivals.ts";
import { createOutboxMailer } from "../../functions/lib/adapters/outbox-mailer.ts";
import { loadConfig } from "../../functions/lib/config/load.ts";
import { runPulse } from "../../functions/lib/pulse/run-pulse.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { atMost, type GoalCheck, type Summary, summarize } from "./stats.ts";

/** What one pulse read from a raw table. */
interface PulseReads {
  readonly partitions: number;
  readonly bytes: number;
}

export interface PulseResults {
  readonly pulse: {
    /** When the pulses judged (local times of one day). */
    readonly at: readonly string[];
    /** The first pulse (builds missing baseline days' hourly rollups). */
    readonly firstMs: number;
    /** The next pulses (rollups fresh). */
    readonly steadyMs: Summary;
    /** Per raw table: distinct dt partitions and bytes one steady pulse read. */
    readonly raw: Readonly<Record<string, PulseReads>>;
    /** Bytes of rollup files one steady pulse read. */
    readonly rollupBytes: number;
    readonly queries: number;
  };
}

/**
 * Runs a pulse at each of `instants` on `lakeDir` (building missing hourly rollups in the
 * lake, as the report runs build theirs), stores and outbox under `workDir`.
 */
export async function measurePulse(options: {
  readonly lakeDir: string;
  readonly workDir: string;
  readonly configDir: string;
  /** Instants of the pulses, the first one first (it may build rollups). */
  readonly instants: readonly Date[];
  readonly log: (line: string) => void;
}): Promise<{ results: PulseResults; goals: GoalCheck[] }> {
  const outDir = join(options.workDir, "pulse");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  let files: string[] = [];
  let queries = 0;
  const engine = await createDuckDbEngine({
    lakeDir: options.lakeDir,
    onQueryRead: (read) => {
      files.push(...read.files);
      if (read.query.startsWith("pulse_")) queries++;
    },
  });
  const clock = { now: () => options.instants[0] ?? new Date() };
  const stores = createFsStores(outDir);
  const deps = {
    engine,
    catalog: new QueryCatalog(),
    config: loadConfig(options.configDir),
    clock,
    alertState: createFsAlertStateStore({ dir: join(outDir, "alerts", "state") }),
    deliveries: stores.deliveries,
    runLog: stores.runLog,
    mailer: createOutboxMailer({ dir: join(outDir, "outbox"), clock }),
    pulses: createFsPulseStore({ dir: outDir }),
    arrivals: createFsLakeArrivals({ lakeDir: options.lakeDir }),
  };
  const times: number[] = [];
  let steadyFiles: string[] = [];
  try {
    for (const [i, at] of options.instants.entries()) {
      files = [];
      queries = 0;
      const started = performance.now();
      await runPulse(deps, { at });
      times.push(performance.now() - started);
      if (i === options.instants.length - 1) steadyFiles = files;
      options.log(`pulse at ${at.toISOString()}: ${times.at(-1)?.toFixed(0)} ms`);
    }
  } finally {
    await engine.close();
  }
  const raw: Record<string, PulseReads> = {};
  let rollupBytes = 0;
  const partitions = new Map<string, Set<string>>();
  for (const file of new Set(steadyFiles)) {
    const [table = "", partition = ""] = relative(options.lakeDir, file).split(sep);
    const bytes = statSync(file).size;
    if (table !== "events" && table !== "orders") {
      rollupBytes += bytes;
      continue;
    }
    partitions.set(table, (partitions.get(table) ?? new Set()).add(partition));
    raw[table] = {
      partitions: partitions.get(table)?.size ?? 0,
      bytes: (raw[table]?.bytes ?? 0) + bytes,
    };
  }
  const results: PulseResults = {
    pulse: {
      at: options.instants.map((i) => i.toISOString()),
      firstMs: times[0] ?? 0,
      steadyMs: summarize(times.slice(1).length > 0 ? times.slice(1) : times),
      raw,
      rollupBytes,
      queries,
    },
  };
  const most = Math.max(...Object.values(raw).map((r) => r.partitions));
  return {
    results,
    goals: [
      atMost(
        "pulse_raw_partitions",
        "a pulse reads ≤ 2 raw dt partitions per table (today's local day)",
        most,
        2,
        "partitions",
      ),
    ],
  };
}

/** The section's lines of report.md. */
export function pulseMarkdown(results: PulseResults["pulse"] | undefined): string[] {
  if (!results) return [];
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return [
    "## Pulse (issue 24)",
    "",
    `Pulses at ${results.at.join(", ")} on the 400-day lake: the first ${results.firstMs.toFixed(0)} ms (it builds the hourly rollups of baseline days a lake's daily runs have not built), the next ones ${results.steadyMs.min.toFixed(0)} / ${results.steadyMs.median.toFixed(0)} / ${results.steadyMs.max.toFixed(0)} ms; ${results.queries} queries per pulse.`,
    "",
    "| table | raw dt partitions read | raw bytes |",
    "|---|---:|---:|",
    ...Object.entries(results.raw).map(([t, r]) => `| ${t} | ${r.partitions} | ${mb(r.bytes)} |`),
    `| hourly rollups (baseline days) | — | ${mb(results.rollupBytes)} |`,
    "",
  ];
}
