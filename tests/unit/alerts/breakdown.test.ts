import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import {
  type ChannelActivity,
  measureFor,
  queryChannelActivity,
  rankChannels,
} from "../../../functions/lib/alerts/breakdown.ts";
import { periodContaining } from "../../../functions/lib/kpi/windows.ts";
import { type LakeRow, writeLake } from "../../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import { event, order } from "../../support/rows.ts";

const tmp = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const activity = (channel: string, gmv: [number, number]): ChannelActivity => ({
  channel,
  active_users_current: 0,
  active_users_previous: 0,
  new_users_current: 0,
  new_users_previous: 0,
  events_current: 0,
  events_previous: 0,
  paid_orders_current: 0,
  paid_orders_previous: 0,
  gmv_current: gmv[0],
  gmv_previous: gmv[1],
});

describe("rankChannels", () => {
  it("puts the channel that moved most first, whichever the direction", () => {
    const ranked = rankChannels(
      [
        activity("app", [110, 100]),
        activity("wecom", [20, 80]),
        activity("web", [0, 0]),
        activity("community", [30, 0]),
      ],
      "gmv",
    );
    expect(ranked.channels).toEqual([
      { channel: "wecom", current: 20, previous: 80, change: -60, relative: -0.75 },
      { channel: "community", current: 30, previous: 0, change: 30, relative: null },
      { channel: "app", current: 110, previous: 100, change: 10, relative: 0.1 },
    ]);
  });

  it("breaks ties by channel name", () => {
    const ranked = rankChannels([activity("b", [5, 0]), activity("a", [0, 5])], "gmv");
    expect(ranked.channels.map((c) => c.channel)).toEqual(["a", "b"]);
  });
});

describe("measureFor", () => {
  it("picks the activity measure closest to the metric", () => {
    expect(measureFor("dau")).toBe("active_users");
    expect(measureFor("retention_d7")).toBe("active_users");
    expect(measureFor("new_users")).toBe("new_users");
    expect(measureFor("aov")).toBe("gmv");
    expect(measureFor("orders")).toBe("paid_orders");
    expect(measureFor("interaction_rate")).toBe("events");
    expect(() => measureFor("nope")).toThrow(/Unknown metric/);
  });
});

describe("alert_breakdown.sql on DuckDB", () => {
  it("counts users, signups, events, paid orders and GMV per channel in both periods", async () => {
    // Shanghai 2026-03-03 = [03-02 16:00Z, 03-03 16:00Z); the day before starts 03-01 16:00Z.
    const events: LakeRow[] = [
      event("e1", "2026-03-02T17:00:00Z", "u1", { event_type: "signup" }),
      event("e2", "2026-03-02T18:00:00Z", "u1"),
      event("e3", "2026-03-03T01:00:00Z", "u2"),
      event("e4", "2026-03-03T02:00:00Z", "u3", { channel: null }),
      event("e5", "2026-03-02T01:00:00Z", "u1", { channel: "wecom" }),
      event("e6", "2026-03-02T02:00:00Z", "u4", { event_type: "signup", channel: "wecom" }),
      event("e7", "2026-03-01T15:59:59Z", "u5", { channel: "wecom" }), // before both periods
      event("e8", "2026-03-03T16:00:00Z", "u6"), // after the period
      // An unknown event type is no activity (the contract's active user).
      { ...event("e9", "2026-03-03T03:00:00Z", "u7"), event_type: "teleport" },
    ];
    const orders: LakeRow[] = [
      order("o1", "2026-03-03T01:00:00Z", "100.00", { channel: "app" }),
      order("o2", "2026-03-03T02:00:00Z", "50.00", { channel: "app" }),
      order("o2", "2026-03-03T02:00:00Z", "-50.00", {
        updated_at: "2026-03-03T05:00:00Z",
        status: "refunded", // recorded with a negative amount: still a refund
        channel: "app",
      }),
      order("o3", "2026-03-02T03:00:00Z", "80.50", { channel: "wecom" }),
      order("o3", "2026-03-02T03:00:00Z", "80.50", { channel: "wecom" }),
    ];
    const lakeDir = join(tmp, "lake");
    await writeLake(lakeDir, { events, orders });
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      const { rows } = await queryChannelActivity(
        engine,
        new QueryCatalog(),
        periodContaining("day", "2026-03-03", "Asia/Shanghai"),
      );
      const byChannel = Object.fromEntries(rows.map((r) => [r.channel, r]));
      expect(Object.keys(byChannel).sort()).toEqual(["app", "unknown", "wecom"]);
      expect(byChannel.app).toEqual({
        channel: "app",
        active_users_current: 2,
        active_users_previous: 0,
        new_users_current: 1,
        new_users_previous: 0,
        events_current: 3,
        events_previous: 0,
        paid_orders_current: 1,
        paid_orders_previous: 0,
        gmv_current: 100,
        gmv_previous: 0,
      });
      expect(byChannel.wecom).toMatchObject({
        active_users_current: 0,
        active_users_previous: 2,
        new_users_previous: 1,
        events_previous: 2,
        paid_orders_previous: 1,
        gmv_previous: 80.5,
      });
      expect(byChannel.unknown).toMatchObject({ active_users_current: 1, events_current: 1 });
      expect(rankChannels(rows, "gmv").channels[0]?.channel).toBe("app");
    } finally {
      await engine.close();
    }
  });
});
