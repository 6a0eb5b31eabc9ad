/**
 * Campaign pacing (kpi-spec "Pacing"): a running campaign's cumulative count is judged
 * against the whole-campaign target pro-rated by its elapsed days; its rates and ROI are
 * "tracking" until the final snapshot, which judges everything against the whole target
 * and is the one snapshot that may raise their alert.
 */
import { describe, expect, it } from "vitest";
import { replayAlerts } from "../../../functions/lib/kpi/alert-replay.ts";
import {
  DEFAULT_ALERT_RULES,
  EMPTY_ALERT_STATE,
  type PeriodObservations,
} from "../../../functions/lib/kpi/alerts.ts";
import { evaluate, type ResolvedTarget } from "../../../functions/lib/kpi/evaluate.ts";
import { metric } from "../../../functions/lib/kpi/registry.ts";
import { campaignPaces } from "../../../functions/lib/report/evaluate-run.ts";

const target = (value: number): ResolvedTarget => ({
  value,
  basis: "value",
  warningBand: 0.1,
  minSample: 100,
});

const participants = (value: number, pace?: { elapsedShare: number; final: boolean }) =>
  evaluate({
    metric: metric("participants"),
    value: { value },
    target: target(10_000),
    ...(pace ? { campaign: pace } : {}),
  });

describe("participants of a 10-day campaign with a target of 10 000", () => {
  it("on day 2 with 2 100 participants (on pace for 2 000) is met, not a breach", () => {
    const day2 = participants(2_100, { elapsedShare: 0.2, final: false });
    expect(day2.status).toBe("met");
    expect(day2.threshold).toBe(2_000);
    // Without pacing the same value would breach the whole-campaign target.
    expect(participants(2_100).status).toBe("breach");
  });

  it("on day 2 with 1 000 participants (half the pace) breaches the pro-rated target", () => {
    expect(participants(1_000, { elapsedShare: 0.2, final: false }).status).toBe("breach");
  });

  it("in the final snapshot is judged against the whole target", () => {
    const final = participants(9_000, { elapsedShare: 1, final: true });
    expect(final.threshold).toBe(10_000);
    expect(final.status).toBe("warning");
    expect(participants(7_000, { elapsedShare: 1, final: true }).status).toBe("breach");
  });
});

describe("campaign ROI (target 3)", () => {
  const roi = (value: number, pace: { elapsedShare: number; final: boolean }) =>
    evaluate({
      metric: metric("campaign_roi"),
      value: { value },
      target: target(3),
      campaign: pace,
    });

  it("is tracking while the campaign runs, whatever its value", () => {
    const running = roi(0.4, { elapsedShare: 0.5, final: false });
    expect(running.status).toBe("tracking");
    expect(running.measured).toBe(0.4);
  });

  it("is judged in the final snapshot", () => {
    expect(roi(0.4, { elapsedShare: 1, final: true }).status).toBe("breach");
    expect(roi(3.2, { elapsedShare: 1, final: true }).status).toBe("met");
  });
});

describe("campaignPaces", () => {
  it("is day N of the campaign's days while it runs, the whole in the final snapshot", () => {
    const snapshot = (id: string, campaignDay: number, final: boolean) => ({
      campaignId: id,
      startDate: "2026-11-01",
      endDate: "2026-11-10",
      campaignDay,
      final,
    });
    const paces = campaignPaces({
      campaigns: [snapshot("spring", 3, false), snapshot("autumn", 10, true)],
    });
    expect(paces.get("spring")).toEqual({ elapsedShare: 0.3, final: false });
    expect(paces.get("autumn")).toEqual({ elapsedShare: 1, final: true });
  });
});

describe("alerts of a campaign that ends below its ROI target", () => {
  it("raise one alert, on the final snapshot, and nothing while it was tracking", () => {
    const day = (n: number, status: "tracking" | "breach"): PeriodObservations => ({
      report: "campaigns",
      periodKey: `2026-11-${String(n).padStart(2, "0")}`,
      observations: [{ metric: "campaign_roi", scope: "spring", status, value: 0.4, target: 3 }],
    });
    const periods = [
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => day(n, "tracking")),
      day(11, "breach"), // the final snapshot, the day after the end
      // From the next day the campaign has no snapshot: no observation, no reminder.
      { report: "campaigns", periodKey: "2026-11-12", observations: [] },
    ];
    const result = replayAlerts(
      periods,
      DEFAULT_ALERT_RULES,
      (p) => new Date(`${p.periodKey}T00:00:00Z`),
      EMPTY_ALERT_STATE,
    );
    expect(result.fired.map((n) => [n.kind, n.periodKey])).toEqual([["start", "2026-11-11"]]);
  });
});
