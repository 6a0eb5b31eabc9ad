/**
 * Fixture tests of the hourly rollups (queries/rollup_event_hour.sql, rollup_order_hour.sql)
 * and the pulse's queries (pulse_events.sql, pulse_orders.sql): hand-written events and
 * orders in Asia/Shanghai (local midnight is 16:00Z the day before) and the exact rows each
 * returns. The pulse queries read today as of an instant (later records ignored, an order's
 * record updated after it too), the newest valid record before today, and the rollup's
 * baseline days.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { KNOWN_EVENT_TYPES } from "../../functions/lib/kpi/efficiency.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine, Row } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { buildParams, queryOverRollups, rollupDays } from "../../functions/lib/rollups/refresh.ts";
import { ROLLUPS } from "../../functions/lib/rollups/schema.ts";
import * as rows from "../support/rows.ts";

const ZONE = "Asia/Shanghai";
let n = 0;
const ev = (
  user: string | null,
  utc: string,
  type = "page_view",
  channel: string | null = "app",
) => ({
  ...rows.event(`e${n++}`, utc, user ?? ""),
  user_id: user,
  event_type: type,
  channel,
});
const EVENTS = [
  // Local 3 March (baseline day): hour 0 (16:00Z the day before) and hour 10 (02:00Z).
  ev("a", "2026-03-02T16:05:00Z", "signup"),
  ev("a", "2026-03-02T16:40:00Z"),
  ev(null, "2026-03-02T16:50:00Z"), // no user: a record, not valid
  ev("b", "2026-03-03T02:10:00Z", "page_view", "web"),
  // Local 10 March (today): before it (9 March 23:30 local), hours 0 and 10, and after :at.
  ev("c", "2026-03-09T15:30:00Z"),
  ev("c", "2026-03-09T16:20:00Z"),
  ev("d", "2026-03-09T16:25:00Z", "bogus"), // unknown type: a record, not valid
  ev("d", "2026-03-10T02:15:00Z", "signup", "web"),
  ev("e", "2026-03-10T02:50:00Z"), // after the pulse at 10:45 local
];
const ORDERS = [
  rows.order("o1", "2026-03-03T02:20:00Z", "10.00", { user_id: "a", channel: "app" }),
  rows.order("o2", "2026-03-10T02:05:00Z", "20.00", { user_id: "b", channel: "app" }),
  // Refunded after the pulse: paid as of 10:45 local.
  rows.order("o2", "2026-03-10T02:05:00Z", "20.00", {
    user_id: "b",
    channel: "app",
    status: "refunded",
    updated_at: "2026-03-10T03:00:00Z",
  }),
  rows.order("o3", "2026-03-10T02:40:00Z", "5.00", { user_id: "c", channel: "wecom" }),
];

let lakeDir: string;
let engine: QueryEngine;
const catalog = new QueryCatalog();
const context = { timeZone: ZONE, settings: DEFAULT_KPI_SETTINGS };

beforeAll(async () => {
  lakeDir = mkdtempSync(join(tmpdir(), "opspulse-"));
  await writeLake(lakeDir, { events: EVENTS, orders: ORDERS });
  engine = await createDuckDbEngine({ lakeDir, threads: 1, rollups: false });
});
afterAll(async () => {
  await engine?.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

const sorted = (result: readonly Row[]) =>
  [...result].sort((x, y) => {
    const key = (r: Row) =>
      `${r.source ?? ""} ${r.local_date} ${String(r.local_hour).padStart(2, "0")} ${r.channel}`;
    return key(x) < key(y) ? -1 : 1;
  });

describe("the hourly rollups", () => {
  it("event_hour: records, valid events, users, signups and the valid time span per local hour and channel", async () => {
    const spec = ROLLUPS.event_hour;
    const { rows: out } = await engine.run(
      catalog.get(spec.buildQuery),
      buildParams(spec, ["2026-03-03"], context),
    );
    expect(sorted(out)).toEqual([
      {
        local_hour: 0,
        channel: "app",
        records: 3,
        valid_events: 2,
        users: 1,
        signups: 1,
        oldest_valid_time: "2026-03-02T16:05:00Z",
        newest_valid_time: "2026-03-02T16:40:00Z",
        local_date: "2026-03-03",
      },
      {
        local_hour: 10,
        channel: "web",
        records: 1,
        valid_events: 1,
        users: 1,
        signups: 0,
        oldest_valid_time: "2026-03-03T02:10:00Z",
        newest_valid_time: "2026-03-03T02:10:00Z",
        local_date: "2026-03-03",
      },
    ]);
  });

  it("order_hour: paid orders, buyers and GMV per local hour and channel of each order's latest record", async () => {
    const spec = ROLLUPS.order_hour;
    const { rows: out } = await engine.run(
      catalog.get(spec.buildQuery),
      buildParams(spec, ["2026-03-10"], context),
    );
    expect(sorted(out)).toEqual([
      {
        local_hour: 10,
        channel: "app",
        records: 2,
        orders: 1,
        paid_orders: 0,
        buyers: 0,
        gmv: "0.00",
        oldest_valid_time: "2026-03-10T02:05:00Z",
        newest_valid_time: "2026-03-10T02:05:00Z",
        local_date: "2026-03-10",
      },
      {
        local_hour: 10,
        channel: "wecom",
        records: 1,
        orders: 1,
        paid_orders: 1,
        buyers: 1,
        gmv: "5.00",
        oldest_valid_time: "2026-03-10T02:40:00Z",
        newest_valid_time: "2026-03-10T02:40:00Z",
        local_date: "2026-03-10",
      },
    ]);
  });
});

describe("the pulse queries at 10:45 local on 10 March", () => {
  const params = {
    today: "2026-03-10",
    day_start: new Date("2026-03-09T16:00:00Z"),
    at: new Date("2026-03-10T02:45:00Z"),
    lookback_start: new Date("2026-03-09T00:00:00Z"),
    baseline_days: ["2026-03-03"],
  };
  const over = async (name: string, rollup: "event_hour" | "order_hour") =>
    (
      await queryOverRollups({ engine, catalog, ...context, now: new Date() }, name, {
        [rollup]: rollupDays(["2026-03-03"]),
      })
    ).query;

  it("pulse_events: today by hour as of :at, the newest valid event before today, the baseline days", async () => {
    const query = await over("pulse_events", "event_hour");
    const { rows: out } = await engine.run(query, {
      ...params,
      events_dts: ["2026-03-09", "2026-03-10"],
      event_types: KNOWN_EVENT_TYPES,
    });
    expect(sorted(out)).toEqual([
      {
        source: "baseline",
        local_date: "2026-03-03",
        local_hour: 0,
        channel: "app",
        records: 3,
        valid_events: 2,
        users: 1,
        signups: 1,
        oldest_valid_time: "2026-03-02T16:05:00Z",
        newest_valid_time: "2026-03-02T16:40:00Z",
      },
      {
        source: "baseline",
        local_date: "2026-03-03",
        local_hour: 10,
        channel: "web",
        records: 1,
        valid_events: 1,
        users: 1,
        signups: 0,
        oldest_valid_time: "2026-03-03T02:10:00Z",
        newest_valid_time: "2026-03-03T02:10:00Z",
      },
      {
        source: "before",
        local_date: "2026-03-10",
        local_hour: null,
        channel: "app",
        records: 1,
        valid_events: 1,
        users: 0,
        signups: 0,
        oldest_valid_time: "2026-03-09T15:30:00Z",
        newest_valid_time: "2026-03-09T15:30:00Z",
      },
      {
        source: "today",
        local_date: "2026-03-10",
        local_hour: 0,
        channel: "app",
        records: 2,
        valid_events: 1,
        users: 1,
        signups: 0,
        oldest_valid_time: "2026-03-09T16:20:00Z",
        newest_valid_time: "2026-03-09T16:20:00Z",
      },
      {
        source: "today",
        local_date: "2026-03-10",
        local_hour: 10,
        channel: "web",
        records: 1,
        valid_events: 1,
        users: 1,
        signups: 1,
        oldest_valid_time: "2026-03-10T02:15:00Z",
        newest_valid_time: "2026-03-10T02:15:00Z",
      },
    ]);
  });

  it("pulse_orders: an order refunded after :at is still paid as of :at", async () => {
    const query = await over("pulse_orders", "order_hour");
    const { rows: out } = await engine.run(query, {
      ...params,
      orders_dts: ["2026-03-09", "2026-03-10"],
    });
    expect(sorted(out)).toEqual([
      {
        source: "baseline",
        local_date: "2026-03-03",
        local_hour: 10,
        channel: "app",
        records: 1,
        orders: 1,
        paid_orders: 1,
        buyers: 1,
        gmv: "10.00",
        oldest_valid_time: "2026-03-03T02:20:00Z",
        newest_valid_time: "2026-03-03T02:20:00Z",
      },
      {
        source: "today",
        local_date: "2026-03-10",
        local_hour: 10,
        channel: "app",
        records: 1,
        orders: 1,
        paid_orders: 1,
        buyers: 1,
        gmv: "20.00",
        oldest_valid_time: "2026-03-10T02:05:00Z",
        newest_valid_time: "2026-03-10T02:05:00Z",
      },
      {
        source: "today",
        local_date: "2026-03-10",
        local_hour: 10,
        channel: "wecom",
        records: 1,
        orders: 1,
        paid_orders: 1,
        buyers: 1,
        gmv: "5.00",
        oldest_valid_time: "2026-03-10T02:40:00Z",
        newest_valid_time: "2026-03-10T02:40:00Z",
      },
    ]);
  });
});
