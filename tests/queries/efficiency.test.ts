/**
 * Fixture tests of queries/efficiency_events.sql, efficiency_orders.sql and
 * efficiency_costs.sql: one report day, D = 2026-03-10 (Asia/Shanghai), with a run at
 * 20:45:30 local time on D itself, so that some records lie in the run's future; every kind
 * of invalid record once or twice; then the metric values computed from the rows.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import type { EfficiencyDetails } from "../../functions/lib/kpi/efficiency.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { Row } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { computeKpis } from "../../functions/lib/report/compute.ts";
import { efficiencyModule } from "../../functions/lib/report/modules/efficiency.ts";
import { usersModule } from "../../functions/lib/report/modules/users.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { queryOverRollups } from "../../functions/lib/rollups/refresh.ts";
import { eventRow, orderRow } from "../oracle/ops-lake.ts";

const lakeDir = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
const day = periodContaining("day", "2026-03-10", "Asia/Shanghai");
const local = (dateTime: string) => new Date(`${dateTime}+08:00`);
const now = local("2026-03-10T20:45:30");
let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;

const event = (
  id: string | null,
  dateTime: string,
  fields: Parameters<typeof eventRow>[0] | object = {},
) => eventRow({ event_id: id, event_time: local(dateTime), ...fields });

beforeAll(async () => {
  const automated = event("e2", "2026-03-10T09:00:00", {
    event_type: "message_sent",
    automated: true,
  });
  const copy = orderRow({
    order_id: "o2",
    order_time: local("2026-03-10T11:00:00"),
    amount: "50.00",
  });
  await writeLake(lakeDir, {
    events: [
      event("e1", "2026-03-10T08:00:00"),
      automated,
      automated,
      automated, // two duplicates
      event("e3", "2026-03-10T09:30:00", { event_type: "message_sent", automated: false }),
      event("e4", "2026-03-10T09:40:00", { event_type: "message_sent", user_id: null }),
      event("e5", "2026-03-10T10:00:00", { event_type: "bogus" }),
      event("e6", "2026-03-10T10:10:00", { event_type: null }),
      event(null, "2026-03-10T10:20:00"), // no id
      event("e7", "2026-03-10T21:00:00"), // after the run
      event("e8", "2026-03-10T20:00:00"), // the newest before the run: 45 min 30 s earlier
      event("e9", "2026-03-09T23:59:59"), // before the period
      event("e10", "2026-03-11T00:00:00"), // after the period
    ],
    orders: [
      orderRow({ order_id: "o1", order_time: local("2026-03-10T10:00:00"), amount: "100.00" }),
      orderRow({
        order_id: "o1",
        order_time: local("2026-03-10T10:00:00"),
        updated_at: local("2026-03-10T12:00:00"),
        amount: "100.00",
        status: "refunded",
      }),
      copy,
      copy, // one duplicate
      orderRow({ order_id: "o3", order_time: local("2026-03-10T12:00:00"), amount: "-5.00" }),
      orderRow({
        order_id: "o4",
        order_time: local("2026-03-10T13:00:00"),
        amount: "8.00",
        status: "lost",
      }),
      orderRow({
        order_id: "o5",
        user_id: null,
        order_time: local("2026-03-10T14:00:00"),
        amount: "20.00",
      }),
      orderRow({ order_id: null, order_time: local("2026-03-10T15:00:00"), amount: "9.00" }),
      orderRow({
        order_id: "o6",
        order_time: local("2026-03-10T16:00:00"),
        updated_at: local("2026-03-10T21:00:00"), // written after the run
        amount: "30.00",
      }),
      orderRow({ order_id: "o7", order_time: local("2026-03-11T00:00:00"), amount: "1.00" }),
    ],
    campaigns: [
      {
        id: "k1",
        name: "K1",
        type: "viral",
        start_date: "2026-03-01",
        end_date: "2026-03-20",
        cost: "2000.00",
      },
      {
        id: "k2",
        name: "K2",
        type: "viral",
        start_date: "2026-03-11",
        end_date: "2026-03-12",
        cost: "9.00",
      },
      {
        id: "k3",
        name: "K3",
        type: "viral",
        start_date: "2026-03-10",
        end_date: "2026-03-10",
        cost: "7.00",
      },
    ],
    content: [
      {
        id: "c1",
        title: "C1",
        format: "article",
        channel: null,
        published_at: local("2026-03-10T10:00:00"),
        production_cost: "12.34",
      },
      {
        id: "c2",
        title: "C2",
        format: "video",
        channel: null,
        published_at: local("2026-03-10T00:00:00"),
        production_cost: null,
      },
      {
        id: "c3",
        title: "C3",
        format: "video",
        channel: null,
        published_at: local("2026-03-11T00:00:00"),
        production_cost: "5.00",
      },
    ],
  });
  engine = await createDuckDbEngine({ lakeDir, threads: 1 });
});
afterAll(async () => {
  await engine.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

const bounds = {
  period_from: local("2026-03-10T00:00:00"),
  period_to: local("2026-03-11T00:00:00"),
};

describe("efficiency_events.sql", () => {
  it("counts the period's event records by failure reason, messages and the newest event", async () => {
    // The look-back's local days before the run's (3 … 9 March) come from event_profile;
    // the run's day so far (from local midnight, 10 March) from the raw events.
    const profiled = { from: "2026-03-03", to: "2026-03-09" };
    const { query } = await queryOverRollups(
      { engine, catalog, timeZone: day.timeZone, settings: DEFAULT_KPI_SETTINGS, now },
      "efficiency_events",
      { event_profile: profiled },
    );
    const { rows } = await engine.run(query, {
      event_partitions: ["2026-03-09", "2026-03-10"],
      ...bounds,
      freshness_from: new Date(now.getTime() - 7 * 86_400_000),
      profile_first_day: profiled.from,
      profile_last_day: profiled.to,
      raw_freshness_from: local("2026-03-10T00:00:00"),
      freshness_to: now,
      run_time: now,
      event_types: ["page_view", "message_sent"],
    });
    expect(rows).toEqual([
      {
        records: 11,
        passing_records: 4, // e1, e2, e3, e8
        missing_id: 1,
        null_user: 1, // e4
        unknown_type: 2, // e5, e6
        future: 1, // e7
        duplicate: 2, // e2's copies
        messages: 2, // e2, e3 (e4 has no user: never in a KPI)
        automated_messages: 1, // e2
        newest_event_time: "2026-03-10T12:00:00Z", // e8
      },
    ]);
  });
});

describe("efficiency_orders.sql", () => {
  it("counts the period's order records by failure reason, and its paid orders", async () => {
    const { rows } = await engine.run(catalog.get("efficiency_orders"), {
      orders_dt_from: "2026-03-09",
      orders_dt_to: "2026-03-10",
      ...bounds,
      run_time: now,
      order_statuses: ["paid", "refunded", "cancelled"],
    });
    expect(rows).toEqual([
      {
        records: 9,
        passing_records: 3, // both records of o1, o2
        missing_id: 1,
        null_user: 1, // o5
        negative_amount: 1, // o3
        unknown_status: 1, // o4
        future: 1, // o6's update
        duplicate: 1, // o2's copy
        // o2, o6: o1 was refunded; o3 (negative amount) and o5 (no user) never count.
        paid_orders: 2,
        revenue: "80.00",
      },
    ]);
  });
});

describe("efficiency_costs.sql", () => {
  it("lists the campaigns overlapping the period and the content published in it", async () => {
    const { rows } = await engine.run(catalog.get("efficiency_costs"), {
      period_start: "2026-03-10",
      period_end: "2026-03-10",
      ...bounds,
    });
    const sorted = [...rows].sort((a: Row, b: Row) =>
      String(a.item_id).localeCompare(String(b.item_id)),
    );
    expect(sorted).toEqual([
      { cost_kind: "content", item_id: "c1", start_date: null, end_date: null, cost: "12.34" },
      { cost_kind: "content", item_id: "c2", start_date: null, end_date: null, cost: "0.00" },
      {
        cost_kind: "campaign",
        item_id: "k1",
        start_date: "2026-03-01",
        end_date: "2026-03-20",
        cost: "2000.00",
      },
      {
        cost_kind: "campaign",
        item_id: "k3",
        start_date: "2026-03-10",
        end_date: "2026-03-10",
        cost: "7.00",
      },
    ]);
  });
});

describe("efficiency module", () => {
  it("turns the rows into the five metrics, reusing the MAU computed earlier in the run", async () => {
    const { values, details } = await efficiencyModule.compute({
      engine,
      catalog,
      period: day,
      settings: { ...DEFAULT_KPI_SETTINGS, minSample: 1, teamMonthlyCost: 3100, opsHeadcount: 10 },
      now,
      computed: { mau: { value: 1234 } },
    });
    expect(values.data_freshness_minutes?.value).toBe(45);
    expect(values.data_quality?.value).toBe(7 / 20);
    expect(values.automation_rate?.value).toBe(1 / 2);
    // k1: 2000 over 20 days → 100; k3: 7; content 12.34; team 3100 / 31 days → 100.
    expect(values.ops_cost_ratio?.value).toBeCloseTo(219.34 / 80, 12);
    expect(values.users_per_ops_head?.value).toBe(123.4);
    const efficiency = (details as { efficiency: EfficiencyDetails }).efficiency;
    expect(efficiency.costs.campaigns).toBeCloseTo(107, 12);
    expect(efficiency.costs.team).toBeCloseTo(100, 12);
  });

  it("divides the MAU of the users module that ran before it in the same run", async () => {
    const { values } = await computeKpis(
      {
        engine,
        catalog,
        period: day,
        settings: { ...DEFAULT_KPI_SETTINGS, opsHeadcount: 4 },
        now,
      },
      [usersModule, efficiencyModule],
    );
    // u1 (e1, e2, e3, e5, e6, e7, e8, e9 are all u1's; e5 and e6 have unknown types).
    expect(values.mau?.value).toBe(1);
    expect(values.users_per_ops_head).toMatchObject({ value: 0.25, numerator: 1, denominator: 4 });
  });

  it("has no users-per-head value when no MAU was computed in the run", async () => {
    const { values } = await efficiencyModule.compute({
      engine,
      catalog,
      period: day,
      settings: DEFAULT_KPI_SETTINGS,
      now,
    });
    expect(values.users_per_ops_head).toEqual({ value: null, reason: "no_data" });
    expect(values.data_quality).toMatchObject({
      value: null,
      reason: "insufficient_sample",
      sample: 20,
    });
  });
});
