/**
 * Fixture tests of queries/anomaly_drivers.sql and the rollup it adds,
 * queries/rollup_channel_user_day.sql: hand-written events and orders in Asia/Shanghai on
 * three Tuesdays — the report day D = 2026-03-17 and its baseline days 03-03 and 03-10 — and
 * the exact rows the query returns (per metric, dimension and element: D's value and the
 * two middle values of the baseline days). The engine has no rollup storage, so the
 * rollups are built inline from the raw rows, as a run in another zone reads them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { loadSources, QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { elementChange } from "../../functions/lib/report/anomalies.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { buildParams, queryOverRollups, rollupDays } from "../../functions/lib/rollups/refresh.ts";
import { ROLLUPS } from "../../functions/lib/rollups/schema.ts";
import { event, order } from "../support/rows.ts";

const ZONE = "Asia/Shanghai";
const D = "2026-03-17";
const BASELINE = ["2026-03-03", "2026-03-10"];
/** 10:00 local on a day (02:00Z). */
const at = (day: string, minute = 0) => `${day}T02:${String(minute).padStart(2, "0")}:00Z`;

const EVENTS = [
  // 03-03: u1 on app, u2 on web, u3 signs up on app.
  event("e1", at("2026-03-03"), "u1"),
  event("e2", at("2026-03-03"), "u2", { channel: "web" }),
  event("e3", at("2026-03-03"), "u3", { event_type: "signup" }),
  // 03-10: u1 on app, u2 on web, u4 on app and web (counted in both channels).
  event("e4", at("2026-03-10"), "u1"),
  event("e5", at("2026-03-10"), "u2", { channel: "web" }),
  event("e6", at("2026-03-10"), "u4"),
  event("e7", at("2026-03-10", 5), "u4", { channel: "web" }),
  // D: u2 on web, u5 signs up from ads; u6's event at 03-17 23:59:59 local on WeCom, u7's at
  // 03-18 00:00:00 local (outside D).
  event("e8", at(D), "u2", { channel: "web" }),
  event("e9", at(D), "u5", { event_type: "signup", channel: "ads" }),
  event("e10", "2026-03-17T15:59:59Z", "u6", { channel: "wecom" }),
  event("e11", "2026-03-17T16:00:00Z", "u7"),
  // Campaign joins: u1 joins k1 on 03-10 and u2 joins k2 on D.
  event("e12", at("2026-03-10", 9), "u1", { event_type: "campaign_join", campaign_id: "k1" }),
  event("e13", at(D, 9), "u2", { event_type: "campaign_join", channel: "web", campaign_id: "k2" }),
];

const ORDERS = [
  order("o1", at("2026-03-03"), "10.00", { channel: "app", content_id: "c1" }),
  order("o2", at("2026-03-03"), "20.00", { channel: "web", campaign_id: "k1" }),
  order("o3", at("2026-03-10"), "30.00", { channel: "app" }),
  order("o4", at("2026-03-10"), "10.00", { channel: "app" }),
  // o5 ends refunded: not a paid order.
  order("o5", at("2026-03-10"), "50.00", { channel: "web" }),
  order("o5", at("2026-03-10"), "50.00", {
    channel: "web",
    status: "refunded",
    updated_at: "2026-03-12T00:00:00Z",
  }),
  order("o6", at(D), "25.00", { channel: "web" }),
  // o7's only record is paid with a negative amount: invalid, not a paid order.
  order("o7", at(D), "-5.00", { channel: "web" }),
];

const CONTENT = [
  {
    id: "c1",
    title: "Guide",
    format: "article",
    channel: "app",
    published_at: new Date("2026-03-01T00:00:00Z"),
    production_cost: "10.00",
  },
];

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
let engine: QueryEngine;

beforeAll(async () => {
  await writeLake(root, { events: EVENTS, orders: ORDERS, content: CONTENT });
  engine = await createDuckDbEngine({ lakeDir: root, sources: loadSources(), rollups: false });
});
afterAll(async () => {
  await engine.close();
  rmSync(root, { recursive: true, force: true });
});

/** The query's rows for `metrics`, each with the same baseline days. */
async function drivers(metrics: readonly string[]): Promise<Record<string, unknown>[]> {
  const days = rollupDays([D, ...BASELINE]);
  const window = { from: days.from, to: days.to, days: days.days ?? [] };
  const prepared = await queryOverRollups(
    { engine, catalog, timeZone: ZONE, settings: DEFAULT_KPI_SETTINGS, now: new Date() },
    "anomaly_drivers",
    { user_day: window, channel_user_day: window, order_day: window, campaign_user_day: window },
  );
  const result = await engine.run(prepared.query, {
    metrics,
    report_day: D,
    days: window.days,
    baseline_keys: metrics.flatMap((m) => BASELINE.map((day) => `${m}|${day}`)),
  });
  return [...result.rows]
    .map((r) => ({
      metric: r.metric,
      dimension: r.dimension,
      element: r.element,
      actual: r.actual,
      low: r.median_low,
      high: r.median_high,
      days: r.baseline_days,
      ...(r.actual_denominator !== null
        ? {
            actualDenominator: r.actual_denominator,
            lowDenominator: r.median_low_denominator,
            highDenominator: r.median_high_denominator,
          }
        : {}),
    }))
    .sort((a, b) =>
      `${a.metric}/${a.dimension}/${a.element}` < `${b.metric}/${b.dimension}/${b.element}`
        ? -1
        : 1,
    );
}

const row = (
  metric: string,
  dimension: string,
  element: string,
  actual: number,
  low: number,
  high: number,
  days = 2,
) => ({ metric, dimension, element, actual, low, high, days });

describe("queries/rollup_channel_user_day.sql", () => {
  it("returns one row per user, channel and local day, with the day's first signup on it", async () => {
    const spec = ROLLUPS.channel_user_day;
    const build = catalog.get(spec.buildQuery);
    const result = await engine.run(
      build,
      buildParams(spec, ["2026-03-10", D], { timeZone: ZONE, settings: DEFAULT_KPI_SETTINGS }),
    );
    const rows = result.rows
      .map((r) => [r.local_date, r.user_id, r.channel, r.events, r.first_signup_time])
      .sort((a, b) => (String(a) < String(b) ? -1 : 1));
    expect(rows).toEqual([
      ["2026-03-10", "u1", "app", 2, null],
      ["2026-03-10", "u2", "web", 1, null],
      ["2026-03-10", "u4", "app", 1, null],
      ["2026-03-10", "u4", "web", 1, null],
      ["2026-03-17", "u2", "web", 2, null],
      ["2026-03-17", "u5", "ads", 1, "2026-03-17T02:00:00Z"],
      ["2026-03-17", "u6", "wecom", 1, null],
    ]);
  });

  it("ends with the partition column", () => {
    expect(ROLLUPS.channel_user_day.columns.map((c) => c.name)).toEqual([
      "user_id",
      "channel",
      "events",
      "first_signup_time",
    ]);
  });
});

describe("queries/anomaly_drivers.sql", () => {
  it("splits DAU by channel (overlapping), user type and domain, with the baseline's middle values", async () => {
    expect(await drivers(["dau"])).toEqual(
      [
        // app: 0 on D; 2 and 2 on the baseline days (u1 u3, then u1 u4).
        row("dau", "channel", "app", 0, 2, 2),
        // ads: u5 on D, never before: the baseline is 0 on both days.
        row("dau", "channel", "ads", 1, 0, 0),
        row("dau", "channel", "web", 1, 1, 2),
        row("dau", "channel", "wecom", 1, 0, 0),
        // private: u6's WeCom event; public: u2, u5.
        row("dau", "domain", "private", 1, 0, 0),
        row("dau", "domain", "public", 2, 3, 3),
        row("dau", "user_type", "new", 1, 0, 1),
        row("dau", "user_type", "returning", 2, 2, 3),
      ].sort((a, b) => (`${a.dimension}/${a.element}` < `${b.dimension}/${b.element}` ? -1 : 1)),
    );
  });

  it("splits paid orders and GMV by order channel, campaign and content format; AOV as a ratio", async () => {
    const rows = await drivers(["orders", "gmv", "aov"]);
    const of = (metric: string, dimension: string) =>
      rows.filter((r) => r.metric === metric && r.dimension === dimension);
    expect(of("orders", "order_channel")).toEqual([
      row("orders", "order_channel", "app", 0, 1, 2),
      row("orders", "order_channel", "web", 1, 0, 1),
    ]);
    expect(of("orders", "campaign")).toEqual([
      row("orders", "campaign", "k1", 0, 0, 1),
      row("orders", "campaign", "none", 1, 1, 2),
    ]);
    expect(of("orders", "content_format")).toEqual([
      row("orders", "content_format", "article", 0, 0, 1),
      row("orders", "content_format", "none", 1, 1, 2),
    ]);
    expect(of("gmv", "order_channel")).toEqual([
      row("gmv", "order_channel", "app", 0, 10, 40),
      row("gmv", "order_channel", "web", 25, 0, 20),
    ]);
    expect(of("aov", "order_channel")).toEqual([
      {
        ...row("aov", "order_channel", "app", 0, 10, 40),
        actualDenominator: 0,
        lowDenominator: 1,
        highDenominator: 2,
      },
      {
        ...row("aov", "order_channel", "web", 25, 0, 20),
        actualDenominator: 1,
        lowDenominator: 0,
        highDenominator: 1,
      },
    ]);
  });

  it("splits new users by the channel of their first signup, and campaign joins by campaign", async () => {
    expect(await drivers(["new_users", "campaign_participants"])).toEqual([
      // Joins: k1 on 03-10 only (the one baseline day with joins), k2 on D.
      row("campaign_participants", "campaign", "k1", 0, 1, 1, 1),
      row("campaign_participants", "campaign", "k2", 1, 0, 0, 1),
      // Signups: on 03-03 only among the baseline days.
      row("new_users", "channel", "ads", 1, 0, 0, 1),
      row("new_users", "channel", "app", 0, 1, 1, 1),
    ]);
  });

  it("returns only the flagged metrics", async () => {
    const rows = await drivers(["paying_users"]);
    expect(new Set(rows.map((r) => r.metric))).toEqual(new Set(["paying_users"]));
    expect(rows).toEqual([
      row("paying_users", "order_channel", "app", 0, 1, 1),
      row("paying_users", "order_channel", "web", 1, 0, 1),
    ]);
  });

  it("gives each additive dimension's elements on D the metric's value (paid orders 1, GMV 25)", async () => {
    const rows = await drivers(["orders", "gmv"]);
    for (const metric of ["orders", "gmv"]) {
      for (const dimension of ["order_channel", "campaign", "content_format"]) {
        const sum = rows
          .filter((r) => r.metric === metric && r.dimension === dimension)
          .reduce((s, r) => s + Number(r.actual), 0);
        expect(sum).toBe(metric === "orders" ? 1 : 25);
      }
    }
  });

  it("is read into element changes whose forecast is the mean of the middle values", () => {
    expect(
      elementChange({
        metric: "aov",
        dimension: "order_channel",
        element: "app",
        actual: 0,
        actual_denominator: 0,
        median_low: 10,
        median_high: 40,
        median_low_denominator: 1,
        median_high_denominator: 2,
        baseline_days: 2,
      }),
    ).toEqual({
      dimension: "order_channel",
      element: "app",
      actual: 0,
      forecast: 25,
      actualDenominator: 0,
      forecastDenominator: 1.5,
    });
  });
});
