import { describe, expect, it } from "vitest";
import { type LambdaFigures, type QueryFigures, withReasons } from "../../../bench/lib/reasons.ts";
import type { GoalCheck } from "../../../bench/lib/stats.ts";

const goal = (id: string, met: boolean): GoalCheck => ({
  id,
  goal: id,
  measured: met ? 1 : 3,
  limit: 2,
  unit: "×",
  met,
});

const daily: QueryFigures = {
  wallMs: 1000,
  perQuery: [
    {
      query: "rollup_user_day",
      elapsedMs: 100,
      partitionsRead: {},
      tables: { events: { bytes: 10 } },
    },
    { query: "user_kpis", elapsedMs: 500, partitionsRead: {}, tables: { user_day: { bytes: 50 } } },
    {
      query: "content_items",
      elapsedMs: 200,
      partitionsRead: {},
      tables: { events: { bytes: 10 } },
    },
  ],
  tables: [
    { table: "events", readAmplification: 2, bytesRead: 2048, distinctBytes: 1024 },
    { table: "user_day", readAmplification: 1, bytesRead: 50, distinctBytes: 50 },
  ],
};

describe("reasons of goals not met", () => {
  const explained = withReasons(
    [
      goal("daily_vs_floor", false),
      goal("scans_daily", false),
      goal("html_daily", true),
      goal("backfill", false),
      goal("peer", false),
    ],
    { daily },
    { run: { median: 4000 } },
  );
  const reason = (id: string) => explained.find((g) => g.id === id)?.reason;

  it("names the new day's builds and their share of the run, then the slowest window queries", () => {
    expect(reason("daily_vs_floor")).toContain(
      "1 rollup statements (one staged read of each raw table, the day rollups written from it, the daily activity state and the user-state fold) take 100 ms of 1.00 s (10 %)",
    );
    expect(reason("daily_vs_floor")).toContain(
      "The window queries' slowest: user_kpis 500 ms, content_items 200 ms;",
    );
  });

  it("compares the peer with the run's builds and with its window queries alone", () => {
    expect(reason("peer")).toContain("builds its new day's rollups (100 ms of 1.00 s)");
    expect(reason("peer")).toContain("window queries alone (900 ms) the peer is 4.4× slower");
  });

  it("names each table read again, how much again, and the queries that read it", () => {
    expect(reason("scans_daily")).toContain(
      "events (1.00 KiB, 1.00 KiB read again) by rollup_user_day, content_items",
    );
    expect(reason("scans_daily")).not.toContain("user_day (");
  });

  it("leaves met goals and goals it cannot explain without a reason", () => {
    expect(reason("html_daily")).toBeUndefined();
    expect(reason("backfill")).toBeUndefined();
    expect(explained.map((g) => g.id)).toEqual([
      "daily_vs_floor",
      "scans_daily",
      "html_daily",
      "backfill",
      "peer",
    ]);
  });
});

describe("reasons of a cold init not met", () => {
  const start = (total: number, imported: number) => ({
    totalMs: { min: total - 10, median: total, max: total + 20 },
    bootMs: { min: 30, median: 35, max: 40 },
    importMs: { min: imported - 5, median: imported, max: imported + 5 },
    filesMs: { min: 5, median: 6, max: 7 },
  });
  const lambdas: LambdaFigures = {
    bundles: [
      { name: "pulse", bundleBytes: 549 * 1024, coldStart: start(356, 306) },
      { name: "campaigns", bundleBytes: 720 * 1024, coldStart: start(294, 249) },
      { name: "adhocRun", bundleBytes: 712 * 1024, coldStart: start(353, 300) },
    ],
  };
  const explained = withReasons(
    [
      goal("cold_init_pulse", false),
      goal("cold_init_campaigns", false),
      goal("cold_init_other", false),
    ],
    {},
    undefined,
    lambdas,
  );
  const reason = (id: string) => explained.find((g) => g.id === id)?.reason;

  it("splits the time into Node start, import and files", () => {
    expect(reason("cold_init_pulse")).toContain(
      "Node start 35 ms, the import of its 549 KiB bundle 306 ms, templates and config 6 ms (medians; the starts took 346 ms to 376 ms).",
    );
  });

  it("names the larger bundles of the same run that started faster: the machine, not the bundle", () => {
    expect(reason("cold_init_pulse")).toContain(
      "campaigns (720 KiB) started in 294 ms, adhocRun (712 KiB) started in 353 ms: a larger bundle started faster",
    );
  });

  it("says the import's share when no larger bundle started faster, and nothing for an unknown handler", () => {
    expect(reason("cold_init_campaigns")).toContain("The import is 85 % of it");
    expect(reason("cold_init_other")).toBeUndefined();
  });
});
