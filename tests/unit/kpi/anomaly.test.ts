import { describe, expect, it } from "vitest";
import {
  baselineSettingsOf,
  defaultBaselineSettings,
  judgeAgainstBand,
} from "../../../functions/lib/kpi/anomaly.ts";
import type { Band } from "../../../functions/lib/kpi/baseline-band.ts";
import { evaluate, STATUS_ORDER } from "../../../functions/lib/kpi/evaluate.ts";
import { metric } from "../../../functions/lib/kpi/registry.ts";

// Paid orders of a Tuesday: normal 340–381 (no target: a context metric).
const band: Band = {
  method: "same_weekday",
  median: 360.5,
  mad: 4.6,
  lower: 340,
  upper: 381,
  basis: ["2026-03-03", "2026-03-10", "2026-03-17"],
};
const orders = (value: number) => evaluate({ metric: metric("orders"), value: { value } });
const settings = defaultBaselineSettings("orders");

describe("judgeAgainstBand", () => {
  it("makes a value below the band an anomaly, with its distance in band widths", () => {
    const judged = judgeAgainstBand(orders(312), band, settings, false);
    expect(judged.status).toBe("anomaly");
    expect(judged.anomaly).toEqual({ side: "below", distance: 28 / 41 });
    expect(judged.band).toBe(band);
  });

  it("keeps a value inside the band as it was, with the band attached", () => {
    const judged = judgeAgainstBand(orders(350), band, settings, false);
    expect(judged.status).toBe("no_target");
    expect(judged.anomaly).toBeUndefined();
    expect(judged.band).toBe(band);
  });

  it("keeps a breach a breach (it ranks first), noting the anomaly", () => {
    const retention = evaluate({
      metric: metric("retention_d1"),
      value: { value: 0.3, sample: 1000 },
      target: { value: 0.55, basis: "value", warningBand: 0.1, minSample: 100 },
    });
    const judged = judgeAgainstBand(
      retention,
      { ...band, lower: 0.5, upper: 0.6 },
      settings,
      false,
    );
    expect(judged.status).toBe("breach");
    expect(judged.anomaly?.side).toBe("below");
    expect(STATUS_ORDER.slice(0, 3)).toEqual(["breach", "anomaly", "warning"]);
  });

  it("never judges a value that could not be judged (data incomplete)", () => {
    const incomplete = evaluate({
      metric: metric("orders"),
      value: { value: 10 },
      incompleteInputs: ["orders"],
    });
    expect(judgeAgainstBand(incomplete, band, settings, false).status).toBe("data_incomplete");
  });

  it("judges a sound value whose target lacks a reference (no value a year earlier)", () => {
    const newUsers = evaluate({
      metric: metric("new_users"),
      value: { value: 250 },
      target: { value: 0.3, basis: "yoy_growth", warningBand: 0.1, minSample: 1 },
      yearEarlier: null,
    });
    expect(newUsers.status).toBe("insufficient_data");
    const judged = judgeAgainstBand(newUsers, { ...band, lower: 150, upper: 210 }, settings, false);
    expect(judged.status).toBe("anomaly");
    expect(judged.anomaly?.side).toBe("above");
  });

  it("judges a sound value whose year-earlier reference was cut by the lake's start (no full baseline)", () => {
    // A lake younger than a year: the year-earlier window starts before its first day.
    const newUsers = evaluate({
      metric: metric("new_users"),
      value: { value: 250 },
      target: { value: 0.3, basis: "yoy_growth", warningBand: 0.1, minSample: 1 },
      yearEarlier: 180,
      noFullBaseline: ["yearEarlier"],
    });
    expect(newUsers.insufficientReason).toBe("no_full_baseline");
    const judged = judgeAgainstBand(newUsers, { ...band, lower: 150, upper: 210 }, settings, false);
    expect(judged.status).toBe("anomaly");
    // A value below its minimum sample is still never judged.
    const thin = evaluate({
      metric: metric("first_order_conversion"),
      value: { value: 0.5, sample: 3 },
      target: { value: 0.08, basis: "value", warningBand: 0.1, minSample: 100 },
    });
    expect(thin.insufficientReason).toBe("below_min_sample");
    expect(
      judgeAgainstBand(thin, { ...band, lower: 0.1, upper: 0.2 }, settings, false).status,
    ).toBe("insufficient_data");
  });

  it("does not judge a holiday or promotion day against its band", () => {
    const judged = judgeAgainstBand(orders(900), band, settings, true);
    expect(judged.status).toBe("no_target");
    expect(judged.band).toBe(band);
  });

  it("flags only the watched side", () => {
    const dropsOnly = { ...settings, direction: "drops" as const };
    expect(judgeAgainstBand(orders(400), band, dropsOnly, false).status).toBe("no_target");
    expect(judgeAgainstBand(orders(300), band, dropsOnly, false).status).toBe("anomaly");
  });
});

describe("default settings", () => {
  it("watches the day's flows with the issue's defaults and not the trending windows", () => {
    expect(defaultBaselineSettings("orders")).toMatchObject({
      enabled: true,
      method: "same_weekday",
      periods: 8,
      k: 3,
      minWidthShare: 0.02,
      direction: "both",
    });
    expect(defaultBaselineSettings("mau").enabled).toBe(false);
    expect(defaultBaselineSettings("campaign_participants")).toMatchObject({
      method: "trailing",
      direction: "drops",
    });
    expect(baselineSettingsOf(undefined, "dau")).toEqual(defaultBaselineSettings("dau"));
  });
});
