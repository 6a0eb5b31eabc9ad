import { describe, expect, it } from "vitest";
import {
  countStatuses,
  elapsedShareOfMonth,
  evaluate,
  growthRate,
  type ResolvedTarget,
  STATUS_ORDER,
} from "../../../functions/lib/kpi/evaluate.ts";
import { metric } from "../../../functions/lib/kpi/registry.ts";

const target = (value: number, extra: Partial<ResolvedTarget> = {}): ResolvedTarget => ({
  value,
  basis: "value",
  warningBand: 0.1,
  minSample: 100,
  ...extra,
});

describe("evaluate: higher is better (D1 retention, target 55 %, band 10 % → warning from 49.5 %)", () => {
  const retention = metric("retention_d1");
  const judge = (value: number, sample = 500) =>
    evaluate({ metric: retention, value: { value, sample }, target: target(0.55) });

  it("is met at and above the target", () => {
    expect(judge(0.6).status).toBe("met");
    expect(judge(0.55).status).toBe("met");
  });

  it("is a warning inside the band, including its lower edge", () => {
    expect(judge(0.5499).status).toBe("warning");
    expect(judge(0.495).status).toBe("warning"); // 0.55 × 0.9, despite float noise
    const edge = judge(0.495);
    expect(edge.threshold).toBe(0.55);
    expect(edge.warningThreshold).toBeCloseTo(0.495, 12);
  });

  it("is a breach below the band", () => {
    expect(judge(0.4949).status).toBe("breach");
    expect(judge(0).status).toBe("breach");
  });

  it("is insufficient data below the minimum sample, whatever the value", () => {
    const result = judge(0.1, 99);
    expect(result.status).toBe("insufficient_data");
    expect(result.insufficientReason).toBe("below_min_sample");
    expect(judge(0.1, 100).status).toBe("breach");
  });

  it("is insufficient data when the module had no value", () => {
    const result = evaluate({
      metric: retention,
      value: { value: null, reason: "insufficient_sample", sample: 12 },
      target: target(0.55),
    });
    expect(result.status).toBe("insufficient_data");
    expect(result.insufficientReason).toBe("no_value");
    expect(result.measured).toBeNull();
  });
});

describe("evaluate: lower is better (data freshness, target 60 min)", () => {
  const freshness = metric("data_freshness_minutes");
  const judge = (value: number, band = 0.1) =>
    evaluate({ metric: freshness, value: { value }, target: target(60, { warningBand: band }) });

  it("is met at and below the target", () => {
    expect(judge(10).status).toBe("met");
    expect(judge(60).status).toBe("met");
  });

  it("warns up to target × (1 + band) and breaches beyond", () => {
    expect(judge(61).status).toBe("warning");
    expect(judge(66).status).toBe("warning");
    expect(judge(66.01).status).toBe("breach");
    expect(judge(66).warningThreshold).toBe(66);
  });

  it("honours a wider configured band", () => {
    expect(judge(89, 0.5).status).toBe("warning");
    expect(judge(91, 0.5).status).toBe("breach");
  });

  it("calls a drop good news", () => {
    const result = evaluate({
      metric: freshness,
      value: { value: 30 },
      target: target(60),
      previous: 40,
    });
    expect(result.vsPrevious).toEqual({
      reference: 40,
      change: -10,
      relative: -0.25,
      improved: true,
    });
  });

  it("never treats a zero band as a warning", () => {
    expect(judge(60.5, 0).status).toBe("breach");
  });
});

describe("evaluate: year-on-year growth target (new users ≥ +30 %)", () => {
  const newUsers = metric("new_users");
  const growthTarget = target(0.3, { basis: "yoy_growth" });

  it("compares the growth over the year-earlier value, not the value", () => {
    // 130 vs 100 a year earlier = +30 %: met; 128 = +28 %: warning (band edge +27 %); 126: breach.
    const judge = (value: number) =>
      evaluate({ metric: newUsers, value: { value }, target: growthTarget, yearEarlier: 100 });
    expect(judge(130).status).toBe("met");
    expect(judge(130).measured).toBeCloseTo(0.3, 12);
    expect(judge(128).status).toBe("warning");
    expect(judge(127).status).toBe("warning");
    expect(judge(126).status).toBe("breach");
  });

  it("is insufficient data without a year-earlier value", () => {
    const result = evaluate({ metric: newUsers, value: { value: 500 }, target: growthTarget });
    expect(result.status).toBe("insufficient_data");
    expect(result.insufficientReason).toBe("no_year_earlier_value");
    const zero = evaluate({
      metric: newUsers,
      value: { value: 500 },
      target: growthTarget,
      yearEarlier: 0,
    });
    expect(zero.status).toBe("insufficient_data");
  });

  it("computes growth rates", () => {
    expect(growthRate(150, 100)).toBeCloseTo(0.5, 12);
    expect(growthRate(50, 100)).toBeCloseTo(-0.5, 12);
    expect(growthRate(50, null)).toBeNull();
    expect(growthRate(50, 0)).toBeNull();
  });
});

describe("evaluate: monthly target pro-rated to the day (articles ≥ 100 a month)", () => {
  const articles = metric("content_published_article");
  const monthly = target(100, { basis: "monthly_prorated" });

  it("compares month to date with the target × elapsed share of the month", () => {
    // 15 of 30 days of April: threshold 50; warning from 45.
    const share = elapsedShareOfMonth("2026-04-15");
    expect(share).toBe(0.5);
    const judge = (value: number) =>
      evaluate({ metric: articles, value: { value }, target: monthly, monthShare: share });
    expect(judge(50).status).toBe("met");
    expect(judge(50).threshold).toBe(50);
    expect(judge(45).status).toBe("warning");
    expect(judge(44).status).toBe("breach");
  });

  it("knows the length of each month", () => {
    expect(elapsedShareOfMonth("2026-02-14")).toBe(0.5);
    expect(elapsedShareOfMonth("2028-02-29")).toBe(1);
    expect(elapsedShareOfMonth("2026-03-31")).toBe(1);
    expect(elapsedShareOfMonth("2026-03-01")).toBeCloseTo(1 / 31, 12);
  });

  it("cannot judge without the month share", () => {
    expect(evaluate({ metric: articles, value: { value: 80 }, target: monthly }).status).toBe(
      "insufficient_data",
    );
  });
});

describe("evaluate: context metrics and deltas", () => {
  it("gives a metric without target the status no_target, with its deltas", () => {
    const result = evaluate({
      metric: metric("dau"),
      value: { value: 1200 },
      previous: 1000,
      yearEarlier: 1500,
    });
    expect(result.status).toBe("no_target");
    expect(result.vsPrevious).toEqual({
      reference: 1000,
      change: 200,
      relative: 0.2,
      improved: true,
    });
    expect(result.vsYearEarlier).toEqual({
      reference: 1500,
      change: -300,
      relative: -0.2,
      improved: false,
    });
  });

  it("has no delta without a reference, and no relative change from zero", () => {
    const result = evaluate({ metric: metric("orders"), value: { value: 5 }, previous: 0 });
    expect(result.vsYearEarlier).toBeNull();
    expect(result.vsPrevious).toEqual({ reference: 0, change: 5, relative: null, improved: true });
    const same = evaluate({ metric: metric("orders"), value: { value: 5 }, previous: 5 });
    expect(same.vsPrevious?.improved).toBeNull();
  });

  it("counts statuses", () => {
    const counts = countStatuses([
      { status: "met" },
      { status: "breach" },
      { status: "breach" },
      { status: "no_target" },
      { status: "data_incomplete" },
      { status: "anomaly" },
    ]);
    expect(counts).toEqual({
      met: 1,
      warning: 0,
      breach: 2,
      anomaly: 1,
      data_incomplete: 1,
      insufficient_data: 0,
      no_target: 1,
      tracking: 0,
    });
  });
});

describe("evaluate: incomplete input data (the completeness gate failed a table it reads)", () => {
  const gmv = metric("gmv");
  const judge = (value: number | null, incompleteInputs?: readonly string[]) =>
    evaluate({
      metric: gmv,
      value: { value },
      target: target(1000),
      previous: 1200,
      ...(incompleteInputs ? { incompleteInputs } : {}),
    });

  it("is data incomplete, never a breach, however far the value misses the target", () => {
    expect(judge(10).status).toBe("breach");
    const result = judge(10, ["events"]);
    expect(result.status).toBe("data_incomplete");
    expect(result.incompleteInputs).toEqual(["events"]);
    expect(result.measured).toBeNull();
    expect(result.warningThreshold).toBeNull();
  });

  it("is data incomplete rather than met: a met value from partial data proves nothing", () => {
    expect(judge(5000, ["orders"]).status).toBe("data_incomplete");
  });

  it("wins over insufficient data and over no target, and keeps the target and deltas", () => {
    expect(judge(null, ["events"]).status).toBe("data_incomplete");
    const noTarget = evaluate({
      metric: metric("dau"),
      value: { value: 3 },
      incompleteInputs: ["events", "orders"],
    });
    expect(noTarget.status).toBe("data_incomplete");
    expect(noTarget.incompleteInputs).toEqual(["events", "orders"]);
    const result = judge(600, ["events"]);
    expect(result.target?.value).toBe(1000);
    expect(result.threshold).toBe(1000);
    expect(result.vsPrevious).toMatchObject({ reference: 1200, change: -600 });
  });

  it("is judged as usual when the list of incomplete inputs is empty", () => {
    expect(judge(10, []).status).toBe("breach");
    expect(judge(10, []).incompleteInputs).toBeUndefined();
  });

  it("sorts between warnings and insufficient data in the email's order", () => {
    expect(STATUS_ORDER.indexOf("data_incomplete")).toBe(STATUS_ORDER.indexOf("warning") + 1);
    expect(STATUS_ORDER.indexOf("data_incomplete")).toBeLessThan(
      STATUS_ORDER.indexOf("insufficient_data"),
    );
  });
});
