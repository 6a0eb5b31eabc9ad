import { describe, expect, it } from "vitest";
import {
  type Campaign,
  type CampaignCounts,
  campaignScanWindow,
  campaignSnapshot,
  snapshotDue,
} from "../../../functions/lib/kpi/campaigns.ts";

const campaign = (fields: Partial<Campaign>): Campaign => ({
  id: "k",
  name: "K",
  type: "conversion",
  startDate: "2026-03-01",
  endDate: "2026-03-20",
  costCents: 100_000,
  ...fields,
});
const counts = (fields: Partial<CampaignCounts>): CampaignCounts => ({
  campaignId: "k",
  participants: 0,
  convertedParticipants: 0,
  invitesAccepted: 0,
  attributedOrders: 0,
  attributedRevenueCents: 0,
  baselineOrders: 0,
  baselineRevenueCents: 0,
  ...fields,
});

describe("snapshotDue", () => {
  it("is due while running and on the day after the end", () => {
    const c = campaign({ startDate: "2026-03-05", endDate: "2026-03-07" });
    expect(
      ["2026-03-04", "2026-03-05", "2026-03-07", "2026-03-08", "2026-03-09"].map((d) =>
        snapshotDue(c, d),
      ),
    ).toEqual([false, true, true, true, false]);
  });
});

describe("campaignScanWindow", () => {
  it("reads from the earliest start (events) and 28 days before it (orders)", () => {
    expect(
      campaignScanWindow([{ startDate: "2026-03-01" }, { startDate: "2026-02-20" }], "2026-03-10"),
    ).toEqual({
      snapshotDate: "2026-03-10",
      attributionStart: "2025-03-11",
      eventsStart: "2026-02-20",
      ordersStart: "2026-01-23",
    });
  });

  it("never reads more than the 365 days ending the snapshot day", () => {
    const window = campaignScanWindow([{ startDate: "2024-01-01" }], "2026-03-10");
    expect(window.eventsStart).toBe("2025-03-11");
    expect(window.ordersStart).toBe("2025-03-11");
  });
});

describe("campaignSnapshot", () => {
  const window = campaignScanWindow([{ startDate: "2026-03-01" }], "2026-03-10");

  it("computes the seven metrics from the cumulative counts", () => {
    const snapshot = campaignSnapshot(
      campaign({}),
      counts({
        participants: 200,
        convertedParticipants: 30,
        invitesAccepted: 300,
        attributedOrders: 120,
        attributedRevenueCents: 1_440_000,
        baselineOrders: 100,
        baselineRevenueCents: 1_000_000,
      }),
      window,
      { minSample: 100 },
    );
    expect(snapshot).toMatchObject({
      throughDate: "2026-03-10",
      campaignDay: 10,
      final: false,
      truncated: false,
      counts: { attributedRevenue: 14_400, cost: 1_000 },
    });
    expect(snapshot.values.participants?.value).toBe(200);
    expect(snapshot.values.campaign_conversion?.value).toBe(0.15);
    expect(snapshot.values.campaign_aov_lift?.value).toBeCloseTo(0.2, 12); // 120 vs 100
    expect(snapshot.values.viral_k?.value).toBe(1.5);
    expect(snapshot.values.campaign_revenue?.value).toBe(14_400);
    expect(snapshot.values.campaign_cost?.value).toBe(1_000);
    expect(snapshot.values.campaign_roi?.value).toBe(14.4);
  });

  it("is final on the day after the end, covering the campaign up to its end", () => {
    const ended = campaign({ endDate: "2026-03-09" });
    const snapshot = campaignSnapshot(ended, undefined, window, { minSample: 1 });
    expect(snapshot).toMatchObject({ final: true, throughDate: "2026-03-09", campaignDay: 9 });
    expect(snapshot.values.participants?.value).toBe(0);
    expect(snapshot.values.campaign_conversion).toMatchObject({
      value: null,
      reason: "insufficient_sample",
    });
  });

  it("needs the min sample on both sides of the AOV lift, and a cost for ROI", () => {
    const snapshot = campaignSnapshot(
      campaign({ costCents: 0 }),
      counts({
        attributedOrders: 500,
        attributedRevenueCents: 1,
        baselineOrders: 99,
        baselineRevenueCents: 1,
      }),
      window,
      { minSample: 100 },
    );
    expect(snapshot.values.campaign_aov_lift).toEqual({
      value: null,
      reason: "insufficient_sample",
      sample: 99,
    });
    expect(snapshot.values.campaign_roi).toMatchObject({
      value: null,
      reason: "insufficient_sample",
    });
  });

  it("has no AOV lift when the baseline lies beyond the 365 days a query reads", () => {
    const old = campaign({ startDate: "2025-03-20" });
    const snapshot = campaignSnapshot(
      old,
      counts({
        attributedOrders: 500,
        attributedRevenueCents: 1,
        baselineOrders: 500,
        baselineRevenueCents: 1,
      }),
      campaignScanWindow([old], "2026-03-10"),
      { minSample: 1 },
    );
    expect(snapshot.values.campaign_aov_lift).toEqual({ value: null, reason: "no_data" });
    expect(snapshot.truncated).toBe(false);
    const older = campaign({ startDate: "2025-01-01" });
    expect(
      campaignSnapshot(older, undefined, campaignScanWindow([older], "2026-03-10"), {
        minSample: 1,
      }).truncated,
    ).toBe(true);
  });
});
