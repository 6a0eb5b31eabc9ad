/**
 * Bench section `identity` (issue 26): the daily run's time with an identity map vs without
 * (goal ≤ 1.2×). The map merges 30 % of the ids active on the daily report's day and the day
 * before into another active id's person, valid from the report day on, so the runs with it
 * build their day from mapped records and compute the coverage. Each measured run first
 * drops the report day's rollups, as a steady daily run builds its new day.
 *
 * The cached lake is left as it was: the map is removed at the end and one run brings the
 * days it covered (the report day and the next) and the per-user state back.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { addDays } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { BenchRuntime, MeasuredRun } from "./runtime.ts";
import { dropRollupDays } from "./runtime.ts";
import { type Summary, summarize } from "./stats.ts";

/** Share of the active ids the bench map merges into another id's person (percent). */
const MERGED_PERCENT = 30;

export interface IdentityMeasure {
  readonly mappingRows: number;
  readonly without: { readonly wall: Summary; readonly cpu: Summary };
  readonly with: { readonly wall: Summary; readonly cpu: Summary };
  /** The first run after the map landed: rebuilds the days it covers, remakes the state. */
  readonly firstRunWithMapMs: number;
  readonly dau: { readonly without: number; readonly with: number };
  readonly coverage: number | null;
}

/** FNV-1a, so the bench map is the same on every run. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export async function measureIdentityMap(options: {
  /** Opens the lake for a run (a new one after the map lands or leaves, as a run would). */
  readonly open: () => Promise<BenchRuntime>;
  readonly lakeDir: string;
  readonly dailyDate: string;
  readonly reps: number;
  readonly run: (
    runtime: BenchRuntime,
    request: { report: "daily"; date: string; dryRun: true },
  ) => Promise<MeasuredRun>;
  readonly log: (line: string) => void;
}): Promise<IdentityMeasure> {
  const { lakeDir, dailyDate } = options;
  const daily = { report: "daily", date: dailyDate, dryRun: true } as const;
  let runtime = await options.open();
  const reopen = async () => {
    await runtime.close();
    runtime = await options.open();
  };
  const measure = async () => {
    const wall: number[] = [];
    const cpu: number[] = [];
    let last: MeasuredRun | undefined;
    for (let rep = 0; rep < options.reps; rep++) {
      dropRollupDays(lakeDir, [dailyDate]);
      last = await options.run(runtime, daily);
      wall.push(last.ms);
      cpu.push(last.cpuMs);
    }
    return { wall: summarize(wall), cpu: summarize(cpu), last };
  };
  const metric = (run: MeasuredRun | undefined, id: string) => {
    const value = run?.summary.metrics[id]?.value;
    return typeof value === "number" ? value : null;
  };

  // Warm: the lake's rollups up to date without a map, then the runs without it.
  await options.run(runtime, daily);
  const without = await measure();
  const dts = [addDays(dailyDate, -1), dailyDate, addDays(dailyDate, 1)];
  const ids = (
    await runtime.raw(
      `SELECT DISTINCT user_id FROM events WHERE dt IN (${dts.map((dt) => `'${dt}'`).join(", ")}) AND user_id IS NOT NULL ORDER BY user_id`,
    )
  ).map((row) => String(row.user_id));
  // From the report day's start in Shanghai (UTC+8): the map covers the report day on.
  const validFrom = new Date(`${addDays(dailyDate, -1)}T16:00:00Z`);
  const rows = ids.flatMap((id, i) =>
    hashOf(id) % 100 < MERGED_PERCENT
      ? [
          {
            source: "web",
            source_user_id: id,
            user_id: ids[(i + 1) % ids.length] ?? id,
            valid_from: validFrom,
            valid_to: null,
          },
        ]
      : [],
  );
  try {
    await writeLake(lakeDir, { identities: rows }, { overwrite: true });
    options.log(`identity map: ${rows.length} of ${ids.length} active ids merged`);
    await reopen();
    const first = await options.run(runtime, daily);
    const withMap = await measure();
    return {
      mappingRows: rows.length,
      without: { wall: without.wall, cpu: without.cpu },
      with: { wall: withMap.wall, cpu: withMap.cpu },
      firstRunWithMapMs: first.ms,
      dau: { without: metric(without.last, "dau") ?? 0, with: metric(withMap.last, "dau") ?? 0 },
      coverage: metric(withMap.last, "identity_coverage"),
    };
  } finally {
    rmSync(join(lakeDir, "dims", "identities"), { recursive: true, force: true });
    // The days the map covered and the state, as they were.
    await reopen();
    await options.run(runtime, daily);
    await runtime.close();
  }
}
