/**
 * The completeness gate and the efficiency freshness over the profile rollups
 * (event_profile, order_profile): a steady-state daily run reads at most three raw `dt`
 * partitions per table; its facts are those counted from the raw rows (an oracle here) and
 * those of the rollups-off engine; a late file in last week's partition changes the gate's
 * baseline at the next run; and in a week with a DST change (America/New_York), where the
 * same UTC hours a week earlier straddle two local days, the baselines stay exact, also
 * for a run before the period is over (slices cut at `now`, read raw).
 */
import { mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { checkCompleteness } from "../../functions/lib/alerts/completeness-check.ts";
import {
  type CompletenessRules,
  completenessSlices,
  DEFAULT_COMPLETENESS_RULES,
  type SliceFact,
} from "../../functions/lib/kpi/completeness.ts";
import {
  addDays,
  type IsoDate,
  type Period,
  periodContaining,
  periodWindow,
} from "../../functions/lib/kpi/windows.ts";
import { type LakeRow, writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { efficiencyModule } from "../../functions/lib/report/modules/efficiency.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { event } from "../support/rows.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const catalog = new QueryCatalog();
const HOUR = 3_600_000;

/**
 * 1 to 4 events an hour (varying with the hour, at :00, :17, :34, :51) and one or two
 * orders (at :30, and :45 every third hour), from `from` to `to`: neighbouring hours and
 * quarter-hours differ, so a slice off by an hour or a quarter-hour shows.
 */
function lakeRows(from: string, to: string): { events: LakeRow[]; orders: LakeRow[] } {
  const events: LakeRow[] = [];
  const orders: LakeRow[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += HOUR) {
    const hour = t / HOUR;
    for (const minute of [0, 17, 34, 51].slice(0, 1 + (hour % 4))) {
      const at = new Date(t + minute * 60_000);
      events.push({
        event_id: `e${at.getTime()}`,
        event_time: at,
        user_id: `u${hour % 7}`,
        event_type: "page_view",
        channel: "app",
      });
    }
    for (const minute of hour % 3 === 0 ? [30, 45] : [30]) {
      const at = new Date(t + minute * 60_000);
      orders.push({
        order_id: `o${at.getTime()}`,
        user_id: "u1",
        order_time: at,
        updated_at: at,
        amount: "10.00",
        currency: "CNY",
        status: "paid",
        channel: "app",
      });
    }
  }
  return { events, orders };
}

/** The gate's facts counted from the rows themselves, as the raw query would. */
function oracleFacts(
  rows: { events: LakeRow[]; orders: LakeRow[] },
  period: Period,
  now: Date,
  weeks = DEFAULT_COMPLETENESS_RULES.baselineWeeks,
): SliceFact[] {
  const facts: SliceFact[] = [];
  for (const table of ["events", "orders"] as const) {
    const times = rows[table].map(
      (row) => (table === "events" ? row.event_time : row.order_time) as Date,
    );
    for (const slice of completenessSlices(periodWindow(period), now, weeks)) {
      const inDt = times.filter((t) => t.toISOString().slice(0, 10) === slice.dt);
      const inSlice = inDt.filter((t) => t >= slice.fromUtc && t < slice.toUtc);
      const newest = Math.max(...inSlice.map((t) => t.getTime()));
      facts.push({
        table,
        baselineOf: slice.baselineOf,
        dt: slice.dt,
        sliceRows: inSlice.length,
        partitionRows: inDt.length,
        newestTime: inSlice.length ? new Date(newest).toISOString() : null,
      });
    }
  }
  return sorted(facts);
}

const sorted = (facts: readonly SliceFact[]) =>
  [...facts].sort((a, b) =>
    `${a.table}${a.baselineOf}${a.dt}` < `${b.table}${b.baselineOf}${b.dt}` ? -1 : 1,
  );

/** An engine that records which raw `dt` partitions each query opened. */
async function recordingEngine(lakeDir: string, rollups = true) {
  const opened: { query: string; table: string; dt: string }[] = [];
  const engine = await createDuckDbEngine({
    lakeDir,
    threads: 1,
    rollups,
    onQueryRead: ({ query, files }) => {
      for (const file of files) {
        const [table, partition] = relative(lakeDir, file).split(sep);
        if ((table === "events" || table === "orders") && partition?.startsWith("dt=")) {
          opened.push({ query, table, dt: partition.slice(3) });
        }
      }
    },
  });
  /** The distinct raw partitions of a table opened since `mark`. */
  const rawRead = (table: string, mark: number) =>
    [
      ...new Set(
        opened
          .slice(mark)
          .filter((o) => o.table === table)
          .map((o) => o.dt),
      ),
    ].sort();
  return { engine, opened, rawRead };
}

/** A daily run's two readers of the past: the gate and the efficiency module. */
async function dailyRun(
  engine: QueryEngine,
  date: IsoDate,
  zone: string,
  now: Date,
  rules?: CompletenessRules,
) {
  const period = periodContaining("day", date, zone);
  const check = await checkCompleteness(engine, catalog, period, now, rules);
  const efficiency = await efficiencyModule.compute({
    engine,
    catalog,
    period,
    settings: DEFAULT_KPI_SETTINGS,
    now,
  });
  // The run ends: the next one reads its raw files itself (nothing staged is kept).
  await engine.endRun?.();
  return { check, freshness: efficiency.values.data_freshness_minutes?.value };
}

describe("a steady-state daily run in Asia/Shanghai", () => {
  const ZONE = "Asia/Shanghai";
  const D = "2026-03-01";
  // 09:05 local the next morning: dt D is complete, dt D+1 holds the night so far.
  const runAt = (date: IsoDate) => new Date(`${addDays(date, 1)}T01:05:00Z`);
  const rows = lakeRows("2026-01-18T00:00:00Z", "2026-03-02T03:00:00Z");
  const lakeDir = join(root, "shanghai");
  let recorded: Awaited<ReturnType<typeof recordingEngine>>;
  let offEngine: QueryEngine;

  beforeAll(async () => {
    await writeLake(lakeDir, rows);
    recorded = await recordingEngine(lakeDir);
    offEngine = await createDuckDbEngine({ lakeDir, threads: 1, rollups: false });
    // The week of daily runs before D (the first one builds the baselines' days).
    for (let back = 7; back >= 1; back--) {
      const day = addDays(D, -back);
      await dailyRun(recorded.engine, day, ZONE, runAt(day));
    }
  });
  afterAll(async () => {
    await recorded.engine.close();
    await offEngine.close();
  });

  it("reads at most 3 raw partitions per table: the period's and the run's day so far", async () => {
    const mark = recorded.opened.length;
    const run = await dailyRun(recorded.engine, D, ZONE, runAt(D));
    // Events: the period's two partitions (its profile day is built from them) and the
    // morning of 2 March (UTC) for the freshness; orders: the period's two.
    expect(recorded.rawRead("events", mark)).toEqual(["2026-02-28", "2026-03-01", "2026-03-02"]);
    expect(recorded.rawRead("orders", mark)).toEqual(["2026-02-28", "2026-03-01"]);
    // The gate reads the period's last partition of each table raw, from the rows the
    // builds staged earlier in the run: it opens no raw file of its own.
    const gateReads = recorded.opened.slice(mark).filter((o) => o.query === "completeness");
    expect(gateReads.filter((o) => o.table === "events" || o.table === "orders")).toEqual([]);

    // The numbers: those of the raw rows, and of the engine without rollups.
    expect(sorted(run.check.facts)).toEqual(
      oracleFacts(rows, periodContaining("day", D, ZONE), runAt(D)),
    );
    const off = await dailyRun(offEngine, D, ZONE, runAt(D));
    expect(sorted(off.check.facts)).toEqual(sorted(run.check.facts));
    expect(run.check.checked).toEqual(off.check.checked);
    // The newest valid event before the run was at 01:00Z (the next one, 01:17Z, is after it).
    expect([run.freshness, off.freshness]).toEqual([5, 5]);
  });

  it("finds the newest event of the look-back in the profiles when the run's day has none", async () => {
    // A run on 5 March for 1 March (a re-run): no data after 2 March 03:00Z, so the newest
    // event is days back, in the profiles, exactly as the raw rows have it.
    const late = new Date("2026-03-05T01:00:00Z");
    const on = await dailyRun(recorded.engine, D, ZONE, late);
    const off = await dailyRun(offEngine, D, ZONE, late);
    const newest = Math.max(...rows.events.map((e) => (e.event_time as Date).getTime()));
    expect(on.freshness).toBe((late.getTime() - newest) / 60_000);
    expect(off.freshness).toBe(on.freshness);
  });

  it("counts a valid event filed in an older partition of the look-back, as the raw rows have it", async () => {
    // A stray: an event a minute before the run (01:04Z) filed in dt 26 Feb, a partition
    // read only through its profile. It is the newest valid event (the regular one: 01:00Z).
    const strayLake = join(root, "stray");
    const at = runAt(D);
    const strayTime = new Date(at.getTime() - 60_000);
    await writeLake(strayLake, rows);
    const aside = join(root, "stray-aside");
    // And a second stray in the same partition, at 01:01Z.
    const secondStray = new Date(strayTime.getTime() - 3 * 60_000);
    await writeLake(
      aside,
      { events: [event("stray", strayTime, "u-stray"), event("stray-2", secondStray, "u-stray")] },
      { fileStem: "stray" },
    );
    const from = join(aside, "events", `dt=${strayTime.toISOString().slice(0, 10)}`);
    for (const file of readdirSync(from)) {
      renameSync(join(from, file), join(strayLake, "events", "dt=2026-02-26", file));
    }
    const on = await createDuckDbEngine({ lakeDir: strayLake, threads: 1 });
    const off = await createDuckDbEngine({ lakeDir: strayLake, threads: 1, rollups: false });
    try {
      expect((await dailyRun(on, D, ZONE, at)).freshness).toBe(1);
      expect((await dailyRun(off, D, ZONE, at)).freshness).toBe(1);
      // At 01:03Z the first stray is after the run: the other one (01:01Z) is the newest.
      const early = new Date(strayTime.getTime() - 60_000);
      expect((await dailyRun(on, D, ZONE, early)).freshness).toBe(2);
    } finally {
      await on.close();
      await off.close();
    }
  });

  it("takes a late file in last week's partition into the next run's baseline", async () => {
    const oneWeek = { ...DEFAULT_COMPLETENESS_RULES, baselineWeeks: 1 };
    const before = await checkCompleteness(
      recorded.engine,
      catalog,
      periodContaining("day", D, ZONE),
      runAt(D),
      oneWeek,
    );
    const baseline = (check: typeof before) =>
      check.facts.find((f) => f.table === "events" && f.baselineOf === D && f.dt === "2026-02-22");
    expect(before.complete).toBe(true);

    // 200 events of 22 February 05:00Z (the same hours a week before 1 March) arrive late.
    const lateEvents = Array.from({ length: 200 }, (_, i) => ({
      event_id: `late-${i}`,
      event_time: new Date(`2026-02-22T05:${String(i % 60).padStart(2, "0")}:00Z`),
      user_id: "u1",
      event_type: "page_view",
      channel: "app",
    }));
    await writeLake(lakeDir, { events: lateEvents }, { fileStem: "late-{i}" });
    const mark = recorded.opened.length;
    const after = await checkCompleteness(
      recorded.engine,
      catalog,
      periodContaining("day", D, ZONE),
      runAt(D),
      oneWeek,
    );
    expect(baseline(after)?.sliceRows).toBe((baseline(before)?.sliceRows ?? 0) + 200);
    expect(baseline(after)?.partitionRows).toBe((baseline(before)?.partitionRows ?? 0) + 200);
    // Against that baseline, 1 March is now thin; the engine without rollups agrees.
    expect(after.issues.map((i) => [i.table, i.partition, i.kind])).toEqual([
      ["events", "2026-03-01", "thin_partition"],
    ]);
    const off = await checkCompleteness(
      offEngine,
      catalog,
      periodContaining("day", D, ZONE),
      runAt(D),
      oneWeek,
    );
    expect(sorted(off.facts)).toEqual(sorted(after.facts));
    // Only the two profile days over the changed partition were built again.
    expect(recorded.rawRead("events", mark)).toEqual([
      "2026-02-21",
      "2026-02-22",
      "2026-02-23",
      "2026-03-01",
    ]);
  });
});

describe("a DST week in America/New_York", () => {
  const ZONE = "America/New_York";
  // DST began on 8 March 2026: 9 March is [04:00Z, 04:00Z next day), the same UTC hours a
  // week earlier are 23:00 on 1 March to 23:00 on 2 March, EST.
  const D = "2026-03-09";
  const rows = lakeRows("2026-02-01T00:00:00Z", "2026-03-10T12:00:00Z");
  let on: QueryEngine;
  let off: QueryEngine;

  beforeAll(async () => {
    const lakeDir = join(root, "new-york");
    await writeLake(lakeDir, rows);
    on = await createDuckDbEngine({ lakeDir, threads: 1 });
    off = await createDuckDbEngine({ lakeDir, threads: 1, rollups: false });
  });
  afterAll(async () => {
    await on.close();
    await off.close();
  });

  it.each([
    ["after the day", new Date("2026-03-10T09:00:00Z")],
    ["during the day (slices cut at now)", new Date("2026-03-09T17:07:13Z")],
  ])("counts every baseline slice exactly, run %s", async (_, now) => {
    const period = periodContaining("day", D, ZONE);
    const expected = oracleFacts(rows, period, now);
    expect(expected.some((f) => f.sliceRows > 0 && f.dt !== f.baselineOf)).toBe(true);
    const fromRollups = await checkCompleteness(on, catalog, period, now);
    expect(sorted(fromRollups.facts)).toEqual(expected);
    expect(sorted((await checkCompleteness(off, catalog, period, now)).facts)).toEqual(expected);
  });
});
