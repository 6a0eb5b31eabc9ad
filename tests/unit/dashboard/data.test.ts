import { describe, expect, it } from "vitest";
import {
  campaignCurvesFromCampaignsReport,
  campaignCurvesFromDaily,
  type StoredSnapshot,
} from "../../../functions/lib/dashboard/data.ts";

const roi = (value: number | null) => ({
  value,
  status: "breach",
  target: null,
  measured: value,
  threshold: 3,
  previous: null,
  yearEarlier: null,
});

describe("campaign ROI curves", () => {
  it("come from the daily report's per-campaign metrics, one point per campaign day", () => {
    const daily = ["2026-03-01", "2026-03-02", "2026-03-03"].map(
      (date, i) =>
        ({
          report: "daily",
          periodKey: date,
          revision: 1,
          scoped:
            i < 2
              ? { spring: { campaign_roi: roi(i + 0.5) } }
              : { spring: { campaign_roi: roi(2) } },
          details: {
            campaigns: [
              // The final snapshot repeats the last day: one point for it, the final one.
              {
                campaignId: "spring",
                name: "Spring",
                campaignDay: Math.min(i + 1, 2),
                final: i === 2,
              },
            ],
          },
        }) as unknown as StoredSnapshot,
    );
    expect(campaignCurvesFromDaily(daily)).toEqual([
      {
        campaignId: "spring",
        name: "Spring",
        points: [
          { day: 1, date: "2026-03-01", roi: 0.5, final: false },
          { day: 2, date: "2026-03-03", roi: 2, final: true },
        ],
        target: 3,
        latest: { campaign_roi: roi(2) },
      },
    ]);
  });

  it("come from the campaigns report when it exists: keys <campaign>/<date>", () => {
    const docs = [
      {
        periodKey: "b/2026-03-02",
        metrics: { campaign_roi: roi(1) },
        details: { campaign: { name: "B", startDate: "2026-03-01" } },
      },
      {
        periodKey: "b/2026-03-01",
        metrics: { campaign_roi: roi(0.5) },
        details: { campaign: { name: "B", startDate: "2026-03-01" } },
      },
      { periodKey: "a/2026-03-02", scoped: { a: { campaign_roi: roi(null) } }, details: {} },
    ].map((doc) => ({ report: "campaigns", revision: 1, ...doc }) as unknown as StoredSnapshot);
    const curves = campaignCurvesFromCampaignsReport(docs);
    expect(curves.map((c) => [c.campaignId, c.name, c.points.map((p) => [p.day, p.roi])])).toEqual([
      ["a", "a", [[1, null]]],
      [
        "b",
        "B",
        [
          [1, 0.5],
          [2, 1],
        ],
      ],
    ]);
  });
});
