import { describe, expect, it } from "vitest";
import { efficiencyKpis, opsCosts, teamCost } from "../../../functions/lib/kpi/efficiency.ts";
import { periodContaining } from "../../../functions/lib/kpi/windows.ts";

const eventsRow = {
  records: 200,
  passing_records: 190,
  missing_id: 1,
  null_user: 2,
  unknown_type: 3,
  future: 0,
  duplicate: 4,
  messages: 100,
  automated_messages: 71,
  newest_event_time: "2026-03-10T23:00:00Z",
};
const ordersRow = {
  records: 100,
  passing_records: 95,
  missing_id: 0,
  null_user: 0,
  negative_amount: 5,
  unknown_status: 0,
  future: 0,
  duplicate: 0,
  paid_orders: 100,
  revenue: "10000.00",
};
const settings = { minSample: 100, teamMonthlyCost: 31_000, opsHeadcount: 4 };
const day = periodContaining("day", "2026-03-10", "Asia/Shanghai");

describe("teamCost", () => {
  it("spreads the monthly cost over each month's days", () => {
    expect(teamCost(day, 31_000)).toBe(1_000);
    // A week from Monday 2026-02-23 to Sunday 03-01: 6 February days, 1 March day.
    const week = periodContaining("week", "2026-02-25", "Asia/Shanghai");
    expect(teamCost(week, 28_000 * 31)).toBeCloseTo(6 * 31_000 + 28_000, 6);
  });
});

describe("opsCosts", () => {
  it("spreads a campaign's cost over its days and counts the period's content", () => {
    const costs = opsCosts(
      [
        {
          cost_kind: "campaign",
          item_id: "k1",
          start_date: "2026-03-01",
          end_date: "2026-03-10",
          cost: "1000.00",
        },
        {
          cost_kind: "campaign",
          item_id: "k2",
          start_date: "2026-03-10",
          end_date: "2026-03-10",
          cost: "0.50",
        },
        { cost_kind: "content", item_id: "c1", start_date: null, end_date: null, cost: "12.34" },
      ],
      day,
      0,
    );
    expect(costs).toEqual({ campaigns: 100.5, content: 12.34, team: 0, total: 112.84 });
  });

  it("rejects an unknown cost kind", () => {
    expect(() => opsCosts([{ cost_kind: "other", cost: "1.00" }], day, 0)).toThrow(/cost_kind/);
  });
});

describe("efficiencyKpis", () => {
  const now = new Date("2026-03-11T00:30:59Z");

  it("computes the five metrics", () => {
    const { values, details } = efficiencyKpis(
      { events: eventsRow, orders: ordersRow, costs: [], now, mau: 120_000 },
      day,
      settings,
    );
    expect(values.data_freshness_minutes?.value).toBe(90); // 1 h 30 min 59 s
    expect(values.data_quality).toMatchObject({
      value: 285 / 300,
      numerator: 285,
      denominator: 300,
    });
    expect(values.automation_rate?.value).toBe(0.71);
    expect(values.ops_cost_ratio).toMatchObject({ value: 0.1, sample: 100 });
    expect(values.users_per_ops_head?.value).toBe(30_000);
    expect(details.dataQuality.orders.failures).toMatchObject({ negative_amount: 5 });
  });

  it("has no freshness without a recent event, no ratio below the min sample of orders", () => {
    const { values } = efficiencyKpis(
      {
        events: { ...eventsRow, newest_event_time: null },
        orders: { ...ordersRow, paid_orders: 99 },
        costs: [],
        now,
      },
      day,
      settings,
    );
    expect(values.data_freshness_minutes).toEqual({ value: null, reason: "no_data" });
    expect(values.ops_cost_ratio).toMatchObject({
      value: null,
      reason: "insufficient_sample",
      sample: 99,
    });
    expect(values.users_per_ops_head).toEqual({ value: null, reason: "no_data" });
  });
});
