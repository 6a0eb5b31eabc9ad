/**
 * Fixture tests of queries/campaigns_in_scope.sql and queries/campaign_snapshots.sql: a
 * snapshot day D = 2026-03-10 (Asia/Shanghai) with a running campaign, one that ended on D-1
 * (final snapshot), one that ended on D-2 and one that starts on D+1 (neither is due), and one
 * that runs on D only; joins, invites and orders on the edges of each attribution window and
 * of the 28-day AOV baselines.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { computeCampaignSnapshots } from "../../functions/lib/report/modules/campaigns.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { eventRow, type LakeCampaign, orderRow } from "../oracle/ops-lake.ts";

const lakeDir = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
const day = periodContaining("day", "2026-03-10", "Asia/Shanghai");
let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;
const context = () => ({
  engine,
  catalog,
  period: day,
  settings: { ...DEFAULT_KPI_SETTINGS, minSample: 1 },
  now: new Date("2026-03-11T00:00:00Z"),
});

const local = (dateTime: string) => new Date(`${dateTime}+08:00`);
let count = 0;
const event = (type: string, campaign: string, user: string | null, dateTime: string) =>
  eventRow({
    event_id: `ev${count++}`,
    event_type: type,
    campaign_id: campaign,
    user_id: user,
    event_time: local(dateTime),
  });
const paid = (
  id: string,
  user: string,
  campaign: string | null,
  dateTime: string,
  amount: string,
) =>
  orderRow({
    order_id: id,
    user_id: user,
    campaign_id: campaign,
    order_time: local(dateTime),
    amount,
  });
const campaign = (id: string, start: string, end: string, cost: string): LakeCampaign => ({
  id,
  name: `Campaign ${id}`,
  type: "conversion",
  start_date: start,
  end_date: end,
  cost,
});

beforeAll(async () => {
  const invite = event("invite_accepted", "k1", "u7", "2026-03-07T12:00:00");
  await writeLake(lakeDir, {
    campaigns: [
      campaign("k1", "2026-03-01", "2026-03-20", "1000.00"), // running
      campaign("k2", "2026-02-20", "2026-03-09", "0.00"), // ended D-1: final snapshot
      campaign("k3", "2026-02-01", "2026-03-08", "5.00"), // ended D-2: none
      campaign("k4", "2026-03-11", "2026-03-20", "5.00"), // starts D+1: none
      campaign("k5", "2026-03-10", "2026-03-10", "5.00"), // D only
    ],
    events: [
      event("campaign_join", "k1", "u1", "2026-03-01T00:00:00"), // first second
      event("campaign_join", "k1", "u2", "2026-03-05T10:00:00"),
      event("campaign_join", "k1", "u2", "2026-03-06T10:00:00"), // same user
      event("campaign_join", "k1", "u3", "2026-02-28T23:59:59"), // before the start
      event("campaign_join", "k1", null, "2026-03-05T10:00:00"), // no user
      invite,
      invite, // delivered twice
      event("invite_accepted", "k1", "u8", "2026-03-10T23:59:59"), // last second of D
      event("invite_accepted", "k3", "u8", "2026-03-05T10:00:00"), // another campaign
      event("campaign_join", "k2", "u5", "2026-03-09T23:59:59"), // last second of k2
      event("campaign_join", "k2", "u6", "2026-03-10T00:00:00"), // after k2 ended
    ],
    orders: [
      paid("a1", "u1", "k1", "2026-03-02T10:00:00", "100.00"), // u1 converts
      paid("a2", "u3", "k1", "2026-03-03T10:00:00", "50.00"), // not a participant
      paid("a3", "u1", "k1", "2026-02-28T23:59:59", "30.00"), // before the start
      paid("a4", "u2", "k1", "2026-03-04T10:00:00", "70.00"),
      orderRow({
        order_id: "a4",
        user_id: "u2",
        campaign_id: "k1",
        order_time: local("2026-03-04T10:00:00"),
        updated_at: local("2026-03-04T11:00:00"),
        amount: "70.00",
        status: "refunded",
      }),
      paid("a5", "u5", "k2", "2026-03-09T12:00:00", "10.00"),
      // Unattributed orders for the baselines.
      paid("b1", "u9", null, "2026-02-01T00:00:00", "40.00"),
      paid("b2", "u9", null, "2026-02-28T23:59:59", "60.00"),
      paid("b3", "u9", null, "2026-01-31T23:59:59", "999.00"),
      paid("b4", "u9", null, "2026-03-01T00:00:00", "77.00"),
      paid("b5", "u9", "k3", "2026-02-15T10:00:00", "11.00"), // attributed: never a baseline
    ],
  });
  engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  // Rollups are on: a first run builds the rollup days of the campaigns' windows (as the
  // runs of earlier days would have), so the tests below read them fresh.
  await computeCampaignSnapshots(context());
});
afterAll(async () => {
  await engine.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

const byId = <T extends Record<string, unknown>>(rows: readonly T[], key: string) =>
  [...rows].sort((a, b) => String(a[key]).localeCompare(String(b[key])));

describe("campaigns_in_scope.sql", () => {
  it("lists the campaigns running on D and those that ended on D-1", async () => {
    const { rows } = await engine.run(catalog.get("campaigns_in_scope"), {
      snapshot_date: "2026-03-10",
      final_date: "2026-03-09",
    });
    expect(byId(rows, "id").map((r) => [r.id, r.start_date, r.end_date, r.cost])).toEqual([
      ["k1", "2026-03-01", "2026-03-20", "1000.00"],
      ["k2", "2026-02-20", "2026-03-09", "0.00"],
      ["k5", "2026-03-10", "2026-03-10", "5.00"],
    ]);
  });
});

describe("campaign_snapshots.sql", () => {
  it("counts participants, conversions, invites, attributed and baseline orders to date", async () => {
    const { snapshots, stats } = await computeCampaignSnapshots(context());
    expect(stats.map((s) => s.query)).toEqual(["campaigns_in_scope", "campaign_snapshots"]);
    expect(
      snapshots.map((s) => ({
        id: s.campaignId,
        through: s.throughDate,
        final: s.final,
        ...s.counts,
      })),
    ).toEqual([
      {
        id: "k1",
        through: "2026-03-10",
        final: false,
        participants: 2, // u1, u2
        convertedParticipants: 1, // u1
        invitesAccepted: 2,
        attributedOrders: 2, // a1, a2
        attributedRevenue: 150,
        baselineOrders: 2, // b1 (first baseline day), b2 (last)
        baselineRevenue: 100,
        cost: 1000,
      },
      {
        id: "k2",
        through: "2026-03-09",
        final: true,
        participants: 1,
        convertedParticipants: 1,
        invitesAccepted: 0,
        attributedOrders: 1,
        attributedRevenue: 10,
        baselineOrders: 2, // b3, b1 (01-23 … 02-19)
        baselineRevenue: 1039,
        cost: 0,
      },
      {
        id: "k5",
        through: "2026-03-10",
        final: false,
        participants: 0,
        convertedParticipants: 0,
        invitesAccepted: 0,
        attributedOrders: 0,
        attributedRevenue: 0,
        baselineOrders: 2, // b2, b4 (02-10 … 03-09)
        baselineRevenue: 137,
        cost: 5,
      },
    ]);
    const [k1, k2] = snapshots;
    expect(k1?.values.campaign_conversion?.value).toBe(0.5);
    expect(k1?.values.campaign_aov_lift?.value).toBe(0.5); // 75 / 50 − 1
    expect(k1?.values.viral_k?.value).toBe(1);
    expect(k1?.values.campaign_roi?.value).toBe(0.15);
    expect(k1?.campaignDay).toBe(10);
    expect(k2?.values.campaign_roi).toMatchObject({ value: null, reason: "insufficient_sample" });
  });

  it("returns one row per campaign id it is given, with the dimension's columns", async () => {
    const { rows } = await engine.run(catalog.get("campaign_snapshots"), {
      campaign_ids: ["k1", "unknown"],
      snapshot_date: "2026-03-10",
      attribution_start: "2025-03-11",
      baseline_days: 28,
      events_first_day: "2026-03-10",
      orders_first_day: "2026-03-10",
      last_day: "2026-03-10",
    });
    // Only D's rollup days: of k1's facts, only the invite on D's last second is read.
    expect(rows).toEqual([
      {
        campaign_id: "k1",
        name: "Campaign k1",
        type: "conversion",
        start_date: "2026-03-01",
        end_date: "2026-03-20",
        cost: "1000.00",
        through_date: "2026-03-10",
        participants: 0,
        converted_participants: 0,
        invites_accepted: 1,
        attributed_orders: 0,
        attributed_revenue: "0.00",
        baseline_orders: 0,
        baseline_revenue: "0.00",
      },
    ]);
  });
});
