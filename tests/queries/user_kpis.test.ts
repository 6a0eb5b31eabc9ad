/**
 * Fixture test of queries/user_kpis.sql: a handful of hand-written events and orders in
 * Asia/Shanghai (UTC+8, so local midnight is 16:00Z the day before), and the exact output
 * row computed by hand, for the day D = 2026-03-10 (a Tuesday) and for its ISO week
 * (Monday 2026-03-09 to Sunday 2026-03-15).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import type { EventRow, OrderRow } from "../../functions/lib/contract/schema.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import {
  userKpiParams,
  userKpiRollups,
  userKpiRow,
} from "../../functions/lib/report/modules/users.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import * as rows from "../support/rows.ts";
import { seedUserState } from "../support/user-state.ts";

const ZONE = "Asia/Shanghai";
let eventCount = 0;
const event = (user: string, utc: string, type: EventRow["event_type"], channel = "app") =>
  rows.event(`e${eventCount++}`, utc, user, { event_type: type, channel });
const order = (
  id: string,
  user: string,
  orderUtc: string,
  amount: string,
  status: OrderRow["status"] = "paid",
  updatedUtc = orderUtc,
) => rows.order(id, orderUtc, amount, { user_id: user, status, updated_at: updatedUtc });

const EVENTS = [
  // a: signs up on D-1 at 00:00:00 local, back on D at 00:00:00 local on WeCom.
  event("a", "2026-03-08T16:00:00Z", "signup"),
  event("a", "2026-03-09T16:00:00Z", "page_view", "wecom"),
  // b: signs up on D-1 at 23:59:59 local, not seen on D.
  event("b", "2026-03-09T15:59:59Z", "signup"),
  // c: signs up on D-7 at 10:00 local, back on D on the mini program.
  event("c", "2026-03-03T02:00:00Z", "signup"),
  event("c", "2026-03-10T05:00:00Z", "session_start", "miniprogram"),
  // d: signs up on D-7 at 12:00 local, nothing since.
  event("d", "2026-03-03T04:00:00Z", "signup"),
  // e: signs up on 2026-01-09 and again on D-30 (2026-02-08): its first signup counts, so
  // e is in no D-30 cohort.
  event("e", "2026-01-09T02:00:00Z", "signup"),
  event("e", "2026-02-08T01:00:00Z", "signup", "wecom"),
  // f: signs up on D-30 at 20:00 local, so D-30 is its signup day; active on D.
  event("f", "2026-02-08T12:00:00Z", "signup"),
  // k: signs up on 2025-10-01 (months before any window of D) and again on D-30: its signup
  // day is its first signup's, so it is in no cohort and no new user (the per-user state
  // holds it: the lake's rollups are kept from its first day, see beforeAll).
  event("k", "2025-10-01T02:00:00Z", "signup"),
  event("k", "2026-02-08T03:00:00Z", "signup"),
  event("f", "2026-03-10T00:00:00Z", "page_view"),
  // g: signs up on D at 00:00:00 local (a duplicated event) and again at 10:00.
  event("g", "2026-03-09T16:00:00Z", "signup"),
  event("g", "2026-03-09T16:00:00Z", "signup"),
  event("g", "2026-03-10T02:00:00Z", "signup"),
  // h: one event on D-1 at 23:59:59 local, in a community group.
  event("h", "2026-03-09T15:59:59Z", "page_view", "community"),
];

const ORDERS = [
  // c: 7×24 h minus one second after signup: converts; on D.
  order("oc", "c", "2026-03-10T01:59:59Z", "12.34"),
  // d: exactly 7×24 h after signup: does not convert; on D; a duplicate later record.
  order("od", "d", "2026-03-10T04:00:00Z", "5.66"),
  order("od", "d", "2026-03-10T04:00:00Z", "5.66", "paid", "2026-03-10T04:05:00Z"),
  // f: 1 h after signup (LTV), exactly 30×24 h after (not LTV; on D), and a refunded one.
  order("of1", "f", "2026-02-08T13:00:00Z", "100.00"),
  order("of2", "f", "2026-03-10T12:00:00Z", "50.50"),
  order("of3", "f", "2026-02-09T00:00:00Z", "30.00"),
  order("of3", "f", "2026-02-09T00:00:00Z", "30.00", "refunded", "2026-02-09T01:00:00Z"),
  // x (no events): refunded on D; paid twice-delivered at D's last second; paid on D-40;
  // paid one second before the 90-day window; paid at D+1 00:00:00 local.
  order("ox1", "x", "2026-03-10T03:00:00Z", "40.00"),
  order("ox1", "x", "2026-03-10T03:00:00Z", "40.00", "refunded", "2026-03-10T05:00:00Z"),
  order("ox2", "x", "2026-03-10T15:59:59Z", "20.00"),
  order("ox2", "x", "2026-03-10T15:59:59Z", "20.00"),
  order("ox3", "x", "2026-01-29T06:00:00Z", "15.00"),
  order("ox4", "x", "2025-12-10T15:59:59Z", "99.00"),
  order("ox5", "x", "2026-03-10T16:00:00Z", "7.00"),
  // y: a paid and a cancelled record with the same updated_at: the cancellation wins.
  order("oy", "y", "2026-03-10T06:00:00Z", "9.00"),
  order("oy", "y", "2026-03-10T06:00:00Z", "9.00", "cancelled"),
];

let lakeDir: string;
let engine: QueryEngine;
const catalog = new QueryCatalog();

beforeAll(async () => {
  lakeDir = mkdtempSync(join(tmpdir(), "opspulse-"));
  await writeLake(lakeDir, { events: EVENTS, orders: ORDERS });
  engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  // As in a deployment whose runs kept the rollups since the lake's first day: user_day
  // built for every day, and folded into the per-user state.
  await seedUserState(engine, catalog, "2025-10-01", "2026-03-15", ZONE);
});
afterAll(async () => {
  await engine?.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

/** The query's one row, over the rollups of its windows (built by the first call). */
async function run(kind: "day" | "week", date = "2026-03-10") {
  const period = periodContaining(kind, date, ZONE);
  const { row } = await userKpiRow({
    engine,
    catalog,
    period,
    settings: DEFAULT_KPI_SETTINGS,
    now: new Date(0),
  });
  return [row];
}

describe("queries/user_kpis.sql", () => {
  it("computes the day D = 2026-03-10", async () => {
    expect(await run("day")).toEqual([
      {
        new_users: 1, // g (three signup events)
        active_user_days: 4, // a, c, f, g
        wau_users: 6, // a, b, c, f, g, h
        mau_users: 7, // + d
        private_mau_users: 3, // a (wecom), c (miniprogram), h (community)
        retention_d1_cohort_users: 2, // a, b
        retention_d1_retained_users: 1, // a
        retention_d7_cohort_users: 2, // c, d
        retention_d7_retained_users: 1, // c
        retention_d30_cohort_users: 1, // f (not e, not k: they signed up before)
        retention_d30_retained_users: 1,
        conversion_cohort_users: 2, // c, d
        converted_users: 1, // c
        ltv_cohort_users: 1, // f
        ltv_revenue: "100.00", // of1 only
        paid_orders: 4, // oc, od, of2, ox2
        gmv: "88.50", // 12.34 + 5.66 + 50.50 + 20.00
        paying_users: 4, // c, d, f, x
        repurchase_customers: 4, // c, d, f, x
        repurchase_repeat_customers: 2, // f (of1, of2), x (ox2, ox3)
        private_repurchase_customers: 1, // c
        private_repurchase_repeat_customers: 0,
      },
    ]);
  });

  it("computes the ISO week 2026-03-09 … 2026-03-15", async () => {
    expect(await run("week")).toEqual([
      {
        new_users: 3, // a, b, g
        active_user_days: 7, // 9 Mar: a, b, h; 10 Mar: a, c, f, g
        wau_users: 6, // a, b, c, f, g, h
        mau_users: 7, // + d
        private_mau_users: 3,
        // Cohorts relative to Sunday 15 Mar: nobody signed up on 14, 8 or 13 Feb / 8 Mar.
        retention_d1_cohort_users: 0,
        retention_d1_retained_users: 0,
        retention_d7_cohort_users: 0,
        retention_d7_retained_users: 0,
        retention_d30_cohort_users: 0,
        retention_d30_retained_users: 0,
        conversion_cohort_users: 0,
        converted_users: 0,
        ltv_cohort_users: 1, // f, in the week 2–8 Feb (e's and k's 8 Feb signups are not first)
        ltv_revenue: "100.00",
        paid_orders: 5, // + ox5 (11 Mar 00:00:00 local)
        gmv: "95.50",
        paying_users: 4,
        repurchase_customers: 4,
        repurchase_repeat_customers: 2, // f, x (ox2, ox3, ox5)
        private_repurchase_customers: 1,
        private_repurchase_repeat_customers: 0,
      },
    ]);
  });

  it("gives a Sunday's MAU, WAU and private-domain actives alike from the day's activity state and the week's", async () => {
    // The daily run reads Sunday 15 March's activity_day state (30 days, carried day to
    // day); the weekly run of that ISO week reads its activity_week state (90 days).
    const [day] = await run("day", "2026-03-15");
    const [week] = await run("week", "2026-03-15");
    const counts = (row: typeof day) => ({
      mau_users: row?.mau_users,
      wau_users: row?.wau_users,
      private_mau_users: row?.private_mau_users,
    });
    expect(counts(week)).toEqual(counts(day));
    expect(Number(day?.mau_users)).toBe(7);
  });

  it("reads only the rollup days of its windows", () => {
    const period = periodContaining("day", "2026-03-10", ZONE);
    const day = userKpiParams(period);
    // Activity rows: D's own (the daily actives, retention); WAU, MAU and the private-domain
    // actives come from D's activity state, carried from the user_day days of its 31 days.
    expect([day.events_first_day, day.events_last_day]).toEqual(["2026-03-10", "2026-03-10"]);
    expect(day.activity_days).toEqual(["2026-03-10"]);
    expect(day.activity_weeks).toEqual([""]);
    expect(userKpiRollups(period).activity_day?.days).toEqual(["2026-03-10"]);
    expect(userKpiRollups(period).user_day).toEqual({ from: "2026-02-08", to: "2026-03-10" });
    // The per-user state is kept fresh with user_day back to D-60 (the cohorts' lookback).
    expect(userKpiRollups(period).user_state).toEqual({ from: "2026-01-09", to: "2026-03-10" });
    // Orders: the 90 days ending D.
    expect([day.orders_first_day, day.orders_last_day]).toEqual(["2025-12-11", "2026-03-10"]);
    expect((day.orders_from as Date).toISOString()).toBe("2025-12-10T16:00:00.000Z");
    expect((day.orders_to as Date).toISOString()).toBe("2026-03-10T16:00:00.000Z");
    expect(userKpiRollups(period).activity_week).toBeUndefined();
  });

  it("reads a week's MAU and private-domain customers from its activity state, not 30 or 90 days of user_day", () => {
    // The ISO week of Monday 2 … Sunday 8 March 2026.
    const period = periodContaining("week", "2026-03-08", ZONE);
    const week = userKpiParams(period);
    // Activity rows: the week's own days (the daily actives, Sunday's for retention)…
    expect([week.events_first_day, week.events_last_day]).toEqual(["2026-03-02", "2026-03-08"]);
    // …and WAU, MAU (30 days ending Sunday) and the 90 days' private-domain customers come
    // from the week's activity state…
    expect(week.mau_start).toBe("2026-02-07");
    expect(week.private_customer_start).toBe("2025-12-09");
    expect(week.activity_weeks).toEqual(["2026-03-08"]);
    expect(week.activity_days).toEqual([""]);
    const rollups = userKpiRollups(period);
    expect(rollups.activity_week?.days).toEqual(["2026-03-08"]);
    // …carried from the user_day days of both its windows (97 days), kept fresh first.
    expect(rollups.user_day).toEqual({ from: "2025-12-02", to: "2026-03-08" });
  });

  it("extends the orders window when a cohort's 7×24 h end after D (DST)", () => {
    // New York springs forward on 8 Mar 2026: 7×24 h after 7 Mar 23:59 local is 15 Mar 00:59.
    const day = userKpiParams(periodContaining("day", "2026-03-14", "America/New_York"));
    expect((day.period_to as Date).toISOString()).toBe("2026-03-15T04:00:00.000Z");
    expect((day.orders_to as Date).toISOString()).toBe("2026-03-15T05:00:00.000Z");
    // …so the orders rollup of 15 March is read too (its first hour).
    expect(day.orders_last_day).toBe("2026-03-15");
  });
});
