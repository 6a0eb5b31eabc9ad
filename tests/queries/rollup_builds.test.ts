/**
 * Fixture tests of the rollup build queries, queries/rollup_user_day.sql,
 * queries/rollup_order_day.sql and queries/rollup_campaign_user_day.sql: hand-written events
 * and orders in Asia/Shanghai (local midnight is 16:00Z the day before) and the exact rows
 * each query returns for the local days 2026-03-09 and 2026-03-10 (the campaign events: 12
 * and 13 March).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine, Row } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { buildParams } from "../../functions/lib/rollups/refresh.ts";
import { ROLLUPS, type RollupName } from "../../functions/lib/rollups/schema.ts";

const ZONE = "Asia/Shanghai";
const DAYS = ["2026-03-09", "2026-03-10"];
let eventCount = 0;
const event = (
  user: string | null,
  utc: string,
  type: string,
  channel: string | null = "app",
  automated: boolean | null = null,
) => ({
  event_id: `e${eventCount++}`,
  event_time: new Date(utc),
  user_id: user,
  event_type: type,
  channel,
  automated,
});
const order = (
  id: string,
  user: string | null,
  orderUtc: string,
  amount: string,
  status: string,
  updatedUtc = orderUtc,
) => ({
  order_id: id,
  user_id: user,
  order_time: new Date(orderUtc),
  updated_at: new Date(updatedUtc),
  amount,
  currency: "CNY",
  status,
});

const EVENTS = [
  // a: 8 Mar 23:59:59 local (outside), 9 Mar 00:00:00 local signup on WeCom, a page view.
  event("a", "2026-03-08T15:59:59Z", "page_view"),
  event("a", "2026-03-08T16:00:00Z", "signup", "wecom"),
  event("a", "2026-03-09T01:00:00Z", "signup"),
  event("a", "2026-03-09T02:00:00Z", "page_view", null),
  // a on 10 Mar: two automated messages and one not, on the community channel.
  event("a", "2026-03-10T03:00:00Z", "message_sent", "community", true),
  event("a", "2026-03-10T03:00:01Z", "message_sent", "community", true),
  event("a", "2026-03-10T03:00:02Z", "message_sent", "app", false),
  // b: 9 Mar 23:59:59 local, and 11 Mar 00:00:00 local (outside).
  event("b", "2026-03-09T15:59:59Z", "content_view", "web"),
  event("b", "2026-03-10T16:00:00Z", "content_view", "web"),
  // Invalid records: no user, an unknown type.
  event(null, "2026-03-09T05:00:00Z", "page_view"),
  event("c", "2026-03-09T05:00:00Z", "teleport"),
];

const ORDERS = [
  // o1: paid on 9 Mar, refunded two days later (a record with the original order_time).
  order("o1", "a", "2026-03-09T02:00:00Z", "10.00", "paid"),
  order("o1", "a", "2026-03-09T02:00:00Z", "10.00", "refunded", "2026-03-11T02:00:00Z"),
  // o2: delivered twice, paid, at 10 Mar 23:59:59 local.
  order("o2", "b", "2026-03-10T15:59:59Z", "20.00", "paid"),
  order("o2", "b", "2026-03-10T15:59:59Z", "20.00", "paid"),
  // o3: paid and cancelled with the same updated_at: the cancellation wins.
  order("o3", "b", "2026-03-09T06:00:00Z", "5.00", "paid"),
  order("o3", "b", "2026-03-09T06:00:00Z", "5.00", "cancelled"),
  // o4: two paid records tied on updated_at: the smaller amount wins.
  order("o4", "a", "2026-03-10T06:00:00Z", "7.00", "paid"),
  order("o4", "a", "2026-03-10T06:00:00Z", "6.00", "paid"),
  // o5: refunded by a later record with a negative amount (the contract: the sign of a
  // refund does not matter), so its final status is refunded.
  order("o5", "a", "2026-03-10T07:00:00Z", "3.00", "paid"),
  order("o5", "a", "2026-03-10T07:00:00Z", "-3.00", "refunded", "2026-03-10T08:00:00Z"),
  // o6: 8 Mar 23:59:59 local, outside the days; o7: no user (invalid).
  order("o6", "a", "2026-03-08T15:59:59Z", "1.00", "paid"),
  order("o7", null, "2026-03-09T06:00:00Z", "1.00", "paid"),
];

const campaignEvent = (
  id: string,
  campaign: string | null,
  user: string | null,
  utc: string,
  type: string,
) => ({
  event_id: id,
  event_time: new Date(utc),
  user_id: user,
  event_type: type,
  campaign_id: campaign,
});

const CAMPAIGN_EVENTS = [
  // u1 on 12 March local: two joins of k1 (the first at local midnight), two invites of k1
  // (one delivered twice), a join of k2.
  campaignEvent("j1", "k1", "u1", "2026-03-11T16:00:00Z", "campaign_join"),
  campaignEvent("j2", "k1", "u1", "2026-03-12T01:00:00Z", "campaign_join"),
  campaignEvent("i1", "k1", "u1", "2026-03-12T02:00:00Z", "invite_accepted"),
  campaignEvent("i1", "k1", "u1", "2026-03-12T02:00:00Z", "invite_accepted"),
  campaignEvent("i2", "k1", "u1", "2026-03-12T03:00:00Z", "invite_accepted"),
  campaignEvent("j3", "k2", "u1", "2026-03-12T04:00:00Z", "campaign_join"),
  // u2: an invite at 12 March 23:59:59 local, a join at 13 March 00:00:00.
  campaignEvent("i3", "k1", "u2", "2026-03-12T15:59:59Z", "invite_accepted"),
  campaignEvent("j4", "k1", "u2", "2026-03-12T16:00:00Z", "campaign_join"),
  // Left out: no user, no campaign, other types, and 14 March local (not asked for).
  campaignEvent("j5", "k1", null, "2026-03-12T05:00:00Z", "campaign_join"),
  campaignEvent("j6", null, "u3", "2026-03-12T05:00:00Z", "campaign_join"),
  campaignEvent("p1", "k1", "u3", "2026-03-12T05:00:00Z", "page_view"),
  campaignEvent("s1", "k1", "u3", "2026-03-12T05:00:00Z", "invite_sent"),
  campaignEvent("j7", "k1", "u4", "2026-03-13T16:00:00Z", "campaign_join"),
];

let lakeDir: string;
let engine: QueryEngine;
const catalog = new QueryCatalog();
const context = { timeZone: ZONE, settings: DEFAULT_KPI_SETTINGS };

beforeAll(async () => {
  lakeDir = mkdtempSync(join(tmpdir(), "opspulse-"));
  await writeLake(lakeDir, { events: [...EVENTS, ...CAMPAIGN_EVENTS], orders: ORDERS });
  engine = await createDuckDbEngine({ lakeDir, threads: 1, rollups: false });
});
afterAll(async () => {
  await engine?.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

async function build(rollup: RollupName, days = DAYS): Promise<Row[]> {
  const spec = ROLLUPS[rollup];
  const { rows } = await engine.run(catalog.get(spec.buildQuery), buildParams(spec, days, context));
  const key = (row: Row) =>
    `${row.local_date} ${row.order_id ?? row.user_id} ${row.campaign_id ?? ""}`;
  return [...rows].sort((x, y) => key(x).localeCompare(key(y)));
}

const noEvents = Object.fromEntries(
  [
    "signup_events",
    "session_start_events",
    "page_view_events",
    "content_view_events",
    "content_like_events",
    "content_comment_events",
    "content_share_events",
    "content_click_events",
    "campaign_join_events",
    "invite_sent_events",
    "invite_accepted_events",
    "message_sent_events",
    "automated_messages",
  ].map((column) => [column, 0]),
);

describe("queries/rollup_user_day.sql", () => {
  it("returns one row per user and local day, with counts, flags and the first signup", async () => {
    expect(await build("user_day")).toEqual([
      {
        user_id: "a",
        ...noEvents,
        events: 3,
        signup_events: 2,
        page_view_events: 1,
        private_channel_events: 1, // wecom
        first_signup_time: "2026-03-08T16:00:00Z",
        local_date: "2026-03-09",
      },
      {
        user_id: "b",
        ...noEvents,
        events: 1,
        content_view_events: 1,
        private_channel_events: 0,
        first_signup_time: null,
        local_date: "2026-03-09",
      },
      {
        user_id: "a",
        ...noEvents,
        events: 3,
        message_sent_events: 3,
        automated_messages: 2,
        private_channel_events: 2, // community
        first_signup_time: null,
        local_date: "2026-03-10",
      },
    ]);
  });

  it("builds only the days asked for, even when they are not adjacent", async () => {
    const rows = await build("user_day", ["2026-03-08", "2026-03-10"]);
    expect(rows.map((row) => [row.local_date, row.user_id, row.events])).toEqual([
      ["2026-03-08", "a", 1],
      ["2026-03-10", "a", 3],
    ]);
  });

  it("ends with the partition column, as UNLOAD's partitioned_by requires", async () => {
    const [first] = await build("user_day");
    const columns = Object.keys(first ?? {});
    expect(columns).toEqual([...ROLLUPS.user_day.columns.map((c) => c.name), "local_date"]);
  });
});

describe("queries/rollup_order_day.sql", () => {
  it("keeps each order's final valid record, by the local day it was placed", async () => {
    const rows = await build("order_day");
    expect(
      rows.map((row) => [row.local_date, row.order_id, row.status, row.amount, row.records]),
    ).toEqual([
      ["2026-03-09", "o1", "refunded", "10.00", 2], // the late refund is the final status
      ["2026-03-09", "o3", "cancelled", "5.00", 2],
      ["2026-03-10", "o2", "paid", "20.00", 2],
      ["2026-03-10", "o4", "paid", "6.00", 2],
      ["2026-03-10", "o5", "refunded", "-3.00", 2], // a negative refund ends the paid state
    ]);
    expect(rows[0]).toMatchObject({
      user_id: "a",
      order_time: "2026-03-09T02:00:00Z",
      updated_at: "2026-03-11T02:00:00Z",
      currency: "CNY",
    });
  });

  it("ends with the partition column", async () => {
    const [first] = await build("order_day");
    expect(Object.keys(first ?? {})).toEqual([
      ...ROLLUPS.order_day.columns.map((c) => c.name),
      "local_date",
    ]);
  });
});

describe("queries/rollup_campaign_user_day.sql", () => {
  it("returns one row per campaign, user and local day: joins and distinct accepted invites", async () => {
    const rows = await build("campaign_user_day", ["2026-03-12", "2026-03-13"]);
    expect(rows).toEqual([
      {
        campaign_id: "k1",
        user_id: "u1",
        join_events: 2,
        invites_accepted: 2, // i1 (twice), i2
        local_date: "2026-03-12",
      },
      {
        campaign_id: "k2",
        user_id: "u1",
        join_events: 1,
        invites_accepted: 0,
        local_date: "2026-03-12",
      },
      {
        campaign_id: "k1",
        user_id: "u2",
        join_events: 0,
        invites_accepted: 1,
        local_date: "2026-03-12",
      },
      {
        campaign_id: "k1",
        user_id: "u2",
        join_events: 1,
        invites_accepted: 0,
        local_date: "2026-03-13",
      },
    ]);
  });

  it("ends with the partition column", async () => {
    const [first] = await build("campaign_user_day", ["2026-03-12"]);
    expect(Object.keys(first ?? {})).toEqual([
      ...ROLLUPS.campaign_user_day.columns.map((c) => c.name),
      "local_date",
    ]);
  });
});
