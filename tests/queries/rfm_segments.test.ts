/**
 * Fixture test of queries/rfm_segments.sql: a hand-computed week (Asia/Shanghai, ISO week
 * 2026-03-02 … 03-08) with an even population this week (4 customers: medians are means of
 * two middle values) and an odd one the week before (3 customers: ties at the median),
 * plus records the query must ignore or merge.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { summarizeRfm } from "../../functions/lib/kpi/rfm.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { rfmRows } from "../../functions/lib/report/modules/segments.ts";
import { DEFAULT_KPI_SETTINGS, type KpiSettings } from "../../functions/lib/report/modules.ts";
import { orderRow } from "../oracle/ops-lake.ts";

const lakeDir = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
const week = periodContaining("week", "2026-03-04", "Asia/Shanghai");
let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;

const at = (iso: string) => new Date(iso);

/** The fixture's order records (see each customer's comment). */
const FIXTURE_ORDERS = [
  // u1: one order at 01:30 local on Sunday 03-08 (UTC date 03-07): R 0, F 1, M 100.
  orderRow({
    order_id: "a",
    user_id: "u1",
    order_time: at("2026-03-07T17:30:00Z"),
    amount: "100.00",
  }),
  // u2: two orders on 03-01 (one delivered twice, one earlier record): R 7, F 2, M 110.
  orderRow({
    order_id: "b1",
    user_id: "u2",
    order_time: at("2026-03-01T02:00:00Z"),
    amount: "50.00",
  }),
  orderRow({
    order_id: "b1",
    user_id: "u2",
    order_time: at("2026-03-01T02:00:00Z"),
    amount: "50.00",
  }),
  orderRow({
    order_id: "b1",
    user_id: "u2",
    order_time: at("2026-03-01T02:00:00Z"),
    updated_at: at("2026-03-01T01:59:00Z"),
    amount: "50.00",
    status: "cancelled",
  }),
  orderRow({
    order_id: "b2",
    user_id: "u2",
    order_time: at("2026-03-01T03:00:00Z"),
    amount: "60.00",
  }),
  // u3: one paid order on 02-20 (R 16 / 9 the week before), one refunded afterwards.
  orderRow({
    order_id: "c1",
    user_id: "u3",
    order_time: at("2026-02-20T03:00:00Z"),
    amount: "30.00",
  }),
  orderRow({
    order_id: "c2",
    user_id: "u3",
    order_time: at("2026-02-21T03:00:00Z"),
    amount: "99.00",
  }),
  orderRow({
    order_id: "c2",
    user_id: "u3",
    order_time: at("2026-02-21T03:00:00Z"),
    updated_at: at("2026-02-22T03:00:00Z"),
    amount: "99.00",
    status: "refunded",
  }),
  // u4: three orders on 03-05: R 3, F 3, M 30.
  orderRow({
    order_id: "d1",
    user_id: "u4",
    order_time: at("2026-03-05T03:00:00Z"),
    amount: "10.00",
  }),
  orderRow({
    order_id: "d2",
    user_id: "u4",
    order_time: at("2026-03-05T04:00:00Z"),
    amount: "10.00",
  }),
  orderRow({
    order_id: "d3",
    user_id: "u4",
    order_time: at("2026-03-05T05:00:00Z"),
    amount: "10.00",
  }),
  // u5: 2025-03-08 is in last week's window (from 2025-03-02) but not this week's (from 03-09).
  orderRow({
    order_id: "e",
    user_id: "u5",
    order_time: at("2025-03-08T03:00:00Z"),
    amount: "500.00",
  }),
  // Ignored: local 2026-03-09 00:00 (after the week), no user, no order id.
  orderRow({
    order_id: "f",
    user_id: "u6",
    order_time: at("2026-03-08T16:00:00Z"),
    amount: "1.00",
  }),
  orderRow({
    order_id: "g",
    user_id: null,
    order_time: at("2026-03-04T03:00:00Z"),
    amount: "7.00",
  }),
  orderRow({
    order_id: null,
    user_id: "u7",
    order_time: at("2026-03-04T03:00:00Z"),
    amount: "8.00",
  }),
];

beforeAll(async () => {
  await writeLake(lakeDir, { orders: FIXTURE_ORDERS });
  engine = await createDuckDbEngine({ lakeDir, threads: 1 });
});
afterAll(async () => {
  await engine.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

const medians = {
  current_customers: 4,
  previous_customers: 3,
  // This week: R 0, 3, 7, 16 → 5; F 1, 1, 2, 3 → 1.5; M 30, 30, 100, 110 → 65 (all doubled).
  current_recency_median_x2: 10,
  current_frequency_median_x2: 3,
  current_monetary_median_x2: "130.00",
  // Last week: R 0, 9, 358 → 9; F 1, 1, 2 → 1; M 30, 110, 500 → 110 (all doubled).
  previous_recency_median_x2: 18,
  previous_frequency_median_x2: 2,
  previous_monetary_median_x2: "220.00",
};

function movement(
  previous: [number, number, number] | null,
  current: [number, number, number] | null,
  previousRevenue: string,
  currentRevenue: string,
) {
  const flags = (window: string, values: [number, number, number] | null) => ({
    [`${window}_recency_high`]: values?.[0] ?? null,
    [`${window}_frequency_high`]: values?.[1] ?? null,
    [`${window}_monetary_high`]: values?.[2] ?? null,
  });
  return {
    ...flags("previous", previous),
    ...flags("current", current),
    customers: 1,
    previous_revenue: previousRevenue,
    current_revenue: currentRevenue,
    ...medians,
  };
}

const byFlags = (rows: readonly Record<string, unknown>[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The query's rows, over the `order_day` rollups of its windows (built on the first call). */
const rfm = (on: typeof engine, rfmCutoffs?: KpiSettings["rfmCutoffs"]) =>
  rfmRows({
    engine: on,
    catalog,
    period: week,
    settings: { ...DEFAULT_KPI_SETTINGS, ...(rfmCutoffs ? { rfmCutoffs } : {}) },
    now: new Date(0),
  });

describe("rfm_segments.sql", () => {
  it("flags each customer against the exact medians of both windows (ties are low)", async () => {
    const { rows } = await rfm(engine);
    expect(byFlags(rows)).toEqual(
      byFlags([
        // u1: new this week; R 0 < 5, F 1 ≤ 1.5, M 100 > 65 → important development.
        movement(null, [1, 0, 1], "0.00", "100.00"),
        // u2: last week R 0 < 9, F 2 > 1, M 110 = 110 (tie: low) → general value;
        //     this week R 7 ≥ 5, F 2 > 1.5, M 110 > 65 → important retention.
        movement([1, 1, 0], [0, 1, 1], "110.00", "110.00"),
        // u3: R 9 = 9 (tie: low), F 1 = 1 (tie: low), M 30 → general win-back, both weeks.
        movement([0, 0, 0], [0, 0, 0], "30.00", "30.00"),
        // u4: new this week; R 3 < 5, F 3 > 1.5, M 30 < 65 → general value.
        movement(null, [1, 1, 0], "0.00", "30.00"),
        // u5: gone this week; last week R 358, F 1, M 500 > 110 → important win-back.
        movement([0, 0, 1], null, "500.00", "0.00"),
      ]),
    );
  });

  it("uses configured cut-offs instead of the medians, strictly", async () => {
    const cutoffs = { recencyDays: 7, frequency: 2, monetary: 100 };
    const { rows, windows } = await rfm(engine, cutoffs);
    const summary = summarizeRfm(rows, windows, cutoffs);
    const current = Object.fromEntries(summary.segments.map((s) => [s.segment, s.customers]));
    // u1: R 0 < 7, F 1, M 100 = 100 (low) → general development; u2: R 7 = 7 (low), F 2 = 2
    // (low), M 110 > 100 → important win-back; u3: general win-back; u4: R 3, F 3 > 2, M 30
    // → general value.
    expect(current).toEqual({
      important_value: 0,
      important_development: 0,
      important_retention: 0,
      important_winback: 1,
      general_value: 1,
      general_development: 1,
      general_retention: 0,
      general_winback: 1,
    });
    expect(summary.customers).toBe(4);
  });
});

describe("rfm_segments.sql exact medians", () => {
  // Every customer has R 2 and F 1 (ties: low); only M tells them apart.
  const cases: { amounts: string[]; median: number; high: number }[] = [
    { amounts: ["100.00"], median: 100, high: 0 },
    { amounts: ["100.00", "100.00"], median: 100, high: 0 },
    { amounts: ["100.00", "200.01"], median: 150.005, high: 1 },
    { amounts: ["10.00", "20.00", "20.00", "20.00", "30.00"], median: 20, high: 1 },
    { amounts: ["10.00", "20.00", "20.00", "30.00"], median: 20, high: 1 },
    { amounts: ["10.00", "20.00", "30.00", "40.00"], median: 25, high: 2 },
    { amounts: ["0.01", "0.02", "0.02", "0.03", "0.03", "0.04"], median: 0.025, high: 3 },
  ];
  for (const { amounts, median, high } of cases) {
    it(`M ${amounts.join(", ")}: median ${median}, ${high} high`, async () => {
      const dir = join(lakeDir, `median-${amounts.join("_")}`);
      mkdirSync(dir);
      await writeLake(dir, {
        orders: amounts.map((amount, i) =>
          orderRow({
            order_id: `m${i}`,
            user_id: `m${i}`,
            order_time: at("2026-03-06T04:00:00Z"),
            amount,
          }),
        ),
      });
      const caseEngine = await createDuckDbEngine({ lakeDir: dir, threads: 1 });
      try {
        const { rows, windows } = await rfm(caseEngine);
        const summary = summarizeRfm(rows, windows);
        expect(summary.medians.current).toEqual({ recencyDays: 2, frequency: 1, monetary: median });
        const count = (id: string) => summary.segments.find((s) => s.segment === id)?.customers;
        expect(count("important_winback")).toBe(high);
        expect(count("general_winback")).toBe(amounts.length - high);
        expect(summary.customers).toBe(amounts.length);
      } finally {
        await caseEngine.close();
      }
    });
  }
});

describe("rfm_week: the state carried from the week before", () => {
  it("holds each customer's R, F and M facts of both windows, from the 14 order_day days in and out", async () => {
    const dir = join(lakeDir, "carried");
    mkdirSync(dir);
    await writeLake(dir, { orders: FIXTURE_ORDERS });
    const carriedEngine = await createDuckDbEngine({ lakeDir: dir, threads: 1 });
    try {
      // Last week's run first (from scratch: no state before it), then this week's.
      const lastWeek = periodContaining("week", "2026-02-25", "Asia/Shanghai");
      await rfmRows({
        engine: carriedEngine,
        catalog,
        period: lastWeek,
        settings: DEFAULT_KPI_SETTINGS,
        now: new Date(0),
      });
      const carried = await rfm(carriedEngine);
      const builds = carried.stats.filter((s) => s.query === "rollup_rfm_week");
      expect(builds.map((s) => s.partitionsRead?.order_day)).toEqual([
        // 2025-03-02 … 03-08 leave, 2026-03-02 … 03-08 enter: the days with orders among them.
        3,
      ]);
      // The same rows as this week's state made from scratch (the first test's engine).
      expect(byFlags(carried.rows)).toEqual(byFlags((await rfm(engine)).rows));
      const state = await carriedEngine.raw(
        `select user_id, cast(last_order_date as varchar) as last_order, frequency, cast(monetary as varchar) as monetary,
           cast(previous_last_order_date as varchar) as previous_last_order, previous_frequency,
           cast(previous_monetary as varchar) as previous_monetary
         from read_parquet('${join(dir, "rollups", "rfm_week", "local_date=2026-03-08", "*.parquet")}')
         order by user_id`,
      );
      const row = (
        user: string,
        current: [string, number, string] | null,
        previous: [string, number, string] | null,
      ) => ({
        user_id: user,
        last_order: current?.[0] ?? null,
        frequency: current?.[1] ?? 0,
        monetary: current?.[2] ?? "0.00",
        previous_last_order: previous?.[0] ?? null,
        previous_frequency: previous?.[1] ?? 0,
        previous_monetary: previous?.[2] ?? "0.00",
      });
      expect(state).toEqual([
        row("u1", ["2026-03-08", 1, "100.00"], null), // entered this week
        row("u2", ["2026-03-01", 2, "110.00"], ["2026-03-01", 2, "110.00"]),
        row("u3", ["2026-02-20", 1, "30.00"], ["2026-02-20", 1, "30.00"]), // c2 refunded
        row("u4", ["2026-03-05", 3, "30.00"], null),
        row("u5", null, ["2025-03-08", 1, "500.00"]), // its one order left with 2025-03-08
      ]);
    } finally {
      await carriedEngine.close();
    }
  });
});
