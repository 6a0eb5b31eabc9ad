import { describe, expect, it } from "vitest";
import {
  lifecycleWindows,
  RFM_SEGMENTS,
  rfmCutoffParams,
  rfmWindows,
  segmentOf,
  summarizeLifecycle,
  summarizeRfm,
} from "../../../functions/lib/kpi/rfm.ts";
import { periodContaining } from "../../../functions/lib/kpi/windows.ts";

const week = periodContaining("week", "2026-03-04", "Asia/Shanghai");

describe("segmentOf", () => {
  it("maps the 8 flag combinations to the spec's 8 segments, one each", () => {
    const seen = new Set<string>();
    for (const recencyHigh of [true, false]) {
      for (const frequencyHigh of [true, false]) {
        for (const monetaryHigh of [true, false]) {
          seen.add(segmentOf({ recencyHigh, frequencyHigh, monetaryHigh }));
        }
      }
    }
    expect(seen.size).toBe(8);
    expect(segmentOf({ recencyHigh: true, frequencyHigh: true, monetaryHigh: true })).toBe(
      "important_value",
    );
    expect(segmentOf({ recencyHigh: false, frequencyHigh: false, monetaryHigh: true })).toBe(
      "important_winback",
    );
    expect(segmentOf({ recencyHigh: true, frequencyHigh: false, monetaryHigh: false })).toBe(
      "general_development",
    );
    expect(RFM_SEGMENTS.map((s) => s.id)).toEqual([
      "important_value",
      "important_development",
      "important_retention",
      "important_winback",
      "general_value",
      "general_development",
      "general_retention",
      "general_winback",
    ]);
  });
});

describe("windows", () => {
  it("RFM reads the 365 days ending the week's Sunday, and the week before", () => {
    expect(rfmWindows(week)).toEqual({
      currentStart: "2025-03-09",
      currentEnd: "2026-03-08",
      previousStart: "2025-03-02",
      previousEnd: "2026-03-01",
    });
  });

  it("lifecycle reads 7/30/90 days ending each Sunday, back to the previous quarter", () => {
    const { current, previous, eventsStart } = lifecycleWindows(week);
    expect(current).toEqual({
      weekStart: "2026-03-02",
      monthStart: "2026-02-07",
      quarterStart: "2025-12-09",
      end: "2026-03-08",
    });
    expect(previous.end).toBe("2026-03-01");
    expect(eventsStart).toBe("2025-12-02");
  });

  it("passes configured cut-offs with a flag, and 0 flags without them", () => {
    expect(rfmCutoffParams(undefined)).toEqual({
      use_recency_cutoff: 0,
      recency_cutoff_days: 0,
      use_frequency_cutoff: 0,
      frequency_cutoff: 0,
      use_monetary_cutoff: 0,
      monetary_cutoff: 0,
    });
    expect(rfmCutoffParams({ monetary: 99.5 })).toMatchObject({
      use_recency_cutoff: 0,
      use_monetary_cutoff: 1,
      monetary_cutoff: 99.5,
    });
  });
});

const medianColumns = {
  current_customers: 3,
  previous_customers: 2,
  current_recency_median_x2: 9,
  current_frequency_median_x2: 2,
  current_monetary_median_x2: "100.01",
  previous_recency_median_x2: 4,
  previous_frequency_median_x2: 3,
  previous_monetary_median_x2: "20.00",
};
const flags = (window: string, f: [number, number, number] | null) => ({
  [`${window}_recency_high`]: f?.[0] ?? null,
  [`${window}_frequency_high`]: f?.[1] ?? null,
  [`${window}_monetary_high`]: f?.[2] ?? null,
});

describe("summarizeRfm", () => {
  const rows = [
    {
      ...flags("previous", [1, 1, 1]),
      ...flags("current", [1, 1, 1]),
      customers: 1,
      previous_revenue: "10.10",
      current_revenue: "20.20",
      ...medianColumns,
    },
    {
      ...flags("previous", null),
      ...flags("current", [1, 1, 1]),
      customers: 1,
      previous_revenue: "0.00",
      current_revenue: "0.10",
      ...medianColumns,
    },
    {
      ...flags("previous", [0, 0, 0]),
      ...flags("current", null),
      customers: 1,
      previous_revenue: "0.20",
      current_revenue: "0.00",
      ...medianColumns,
    },
    {
      ...flags("previous", null),
      ...flags("current", [0, 0, 0]),
      customers: 1,
      previous_revenue: "0.00",
      current_revenue: "5.00",
      ...medianColumns,
    },
  ];

  it("adds counts and revenue per segment exactly, for both weeks", () => {
    const summary = summarizeRfm(rows, rfmWindows(week));
    const value = summary.segments.find((s) => s.segment === "important_value");
    // 20.20 + 0.10 in cents, not 20.299999…
    expect(value).toEqual({
      segment: "important_value",
      customers: 2,
      revenue: 20.3,
      previousCustomers: 1,
      previousRevenue: 10.1,
      change: 1,
    });
    expect(summary.segments.find((s) => s.segment === "general_winback")).toMatchObject({
      customers: 1,
      previousCustomers: 1,
      revenue: 5,
      previousRevenue: 0.2,
    });
    expect(summary.customers).toBe(3);
    expect(summary.previousCustomers).toBe(2);
  });

  it("builds the migration matrix with `none` for absent customers, in segment order", () => {
    expect(summarizeRfm(rows, rfmWindows(week)).migration).toEqual([
      { from: "important_value", to: "important_value", customers: 1 },
      { from: "general_winback", to: "none", customers: 1 },
      { from: "none", to: "important_value", customers: 1 },
      { from: "none", to: "general_winback", customers: 1 },
    ]);
  });

  it("halves the doubled medians (a mean of two middle values may end in .5)", () => {
    expect(summarizeRfm(rows, rfmWindows(week)).medians).toEqual({
      current: { recencyDays: 4.5, frequency: 1, monetary: 50.005 },
      previous: { recencyDays: 2, frequency: 1.5, monetary: 10 },
    });
  });

  it("is all zeros with no customers", () => {
    const summary = summarizeRfm([], rfmWindows(week));
    expect(summary.customers).toBe(0);
    expect(summary.segments.every((s) => s.customers === 0 && s.revenue === 0)).toBe(true);
    expect(summary.medians).toEqual({ current: null, previous: null });
  });

  it("rejects a malformed count", () => {
    expect(() => summarizeRfm([{ ...rows[0], customers: -1 }], rfmWindows(week))).toThrow(
      /customers must be a count/,
    );
  });
});

describe("summarizeLifecycle", () => {
  it("takes four layers from the query and high value from the important-value segment", () => {
    const rfm = summarizeRfm(
      [
        {
          ...flags("previous", null),
          ...flags("current", [1, 1, 1]),
          customers: 4,
          previous_revenue: "0.00",
          current_revenue: "1.00",
          ...medianColumns,
        },
      ],
      rfmWindows(week),
    );
    const layers = summarizeLifecycle(
      {
        current_new: 5,
        current_active: 6,
        current_dormant: 7,
        current_churned: 8,
        previous_new: 1,
        previous_active: 9,
        previous_dormant: 7,
        previous_churned: 0,
      },
      rfm,
    );
    expect(layers).toEqual([
      { layer: "new", users: 5, previousUsers: 1, change: 4 },
      { layer: "active", users: 6, previousUsers: 9, change: -3 },
      { layer: "dormant", users: 7, previousUsers: 7, change: 0 },
      { layer: "churned", users: 8, previousUsers: 0, change: 8 },
      { layer: "high_value", users: 4, previousUsers: 0, change: 4 },
    ]);
  });
});
