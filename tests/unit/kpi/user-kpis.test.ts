import { describe, expect, it } from "vitest";
import {
  userKpiCountsFromRow,
  userKpis,
  userKpiWindows,
} from "../../../functions/lib/kpi/user-kpis.ts";
import { periodContaining } from "../../../functions/lib/kpi/windows.ts";
import { USER_KPI_COUNTS } from "../../support/user-kpi-counts.ts";

const ZONE = "Asia/Shanghai";

describe("userKpiWindows", () => {
  it("places the daily cohorts and windows relative to D", () => {
    const w = userKpiWindows(periodContaining("day", "2026-03-31", ZONE));
    expect(w).toEqual({
      periodStart: "2026-03-31",
      periodEnd: "2026-03-31",
      wauStart: "2026-03-25",
      mauStart: "2026-03-02",
      retentionCohorts: { d1: "2026-03-30", d7: "2026-03-24", d30: "2026-03-01" },
      conversionCohort: "2026-03-24",
      ltvCohort: { start: "2026-03-01", end: "2026-03-01" },
      repurchaseStart: "2026-01-01",
      privateCustomerStart: "2026-03-02", // no multiple on a day: the MAU window
      eventsStart: "2026-01-30", // the state is kept fresh 30 days before the D-30 cohort
    });
  });

  it("uses the ISO week, 30 days ending Sunday and the week five weeks back", () => {
    const w = userKpiWindows(periodContaining("week", "2026-01-01", ZONE));
    expect(w.periodStart).toBe("2025-12-29");
    expect(w.periodEnd).toBe("2026-01-04");
    expect(w.wauStart).toBe("2025-12-29");
    expect(w.mauStart).toBe("2025-12-06");
    expect(w.ltvCohort).toEqual({ start: "2025-11-24", end: "2025-11-30" });
    expect(w.repurchaseStart).toBe("2025-10-07");
    // The multiple's private-domain customers: the same 90 days as its repurchase rates.
    expect(w.privateCustomerStart).toBe("2025-10-07");
    expect(w.eventsStart).toBe("2025-10-25");
  });
});

describe("userKpis", () => {
  const day = periodContaining("day", "2026-03-31", ZONE);
  const week = periodContaining("week", "2026-03-31", ZONE);

  it("turns the daily counts into values, ratios with their sample", () => {
    const values = userKpis(USER_KPI_COUNTS, day, { minSample: 100 });
    expect(values.dau).toEqual({ value: 700 });
    expect(values.gmv).toEqual({ value: 10_000 });
    expect(values.stickiness?.value).toBeCloseTo(0.7, 12);
    expect(values.retention_d1).toMatchObject({ value: 0.55, sample: 200 });
    expect(values.retention_d7?.value).toBeCloseTo(0.4, 12);
    expect(values.retention_d30).toEqual({
      value: null,
      reason: "insufficient_sample",
      sample: 99,
      numerator: 30,
      denominator: 99,
    });
    expect(values.first_order_conversion?.value).toBeCloseTo(0.1, 12);
    expect(values.aov?.value).toBe(50);
    expect(values.arpu?.value).toBeCloseTo(10_000 / 700, 12);
    expect(values.ltv_30?.value).toBeCloseTo(25.005, 12);
    expect(values.repurchase_rate?.value).toBeCloseTo(0.3, 12);
    expect(values.private_domain_share?.value).toBeCloseTo(0.35, 12);
    expect(values.private_domain_repurchase_multiple).toBeUndefined();
  });

  it("reports weekly DAU as the mean day and ARPU over WAU", () => {
    const values = userKpis(USER_KPI_COUNTS, week, { minSample: 100 });
    expect(values.dau).toEqual({ value: 100 });
    expect(values.arpu?.value).toBe(25);
    expect(values.stickiness).toBeUndefined();
    expect(values.retention_d1).toBeUndefined();
    // private: 120 / 200 = 0.6; others: 30 / 300 = 0.1
    expect(values.private_domain_repurchase_multiple?.value).toBeCloseTo(6, 12);
  });

  it("gives no repurchase multiple when a group is small or the others never repurchase", () => {
    const small = userKpis({ ...USER_KPI_COUNTS, privateRepurchaseCustomers: 50 }, week, {
      minSample: 100,
    });
    expect(small.private_domain_repurchase_multiple).toMatchObject({
      value: null,
      reason: "insufficient_sample",
      sample: 50,
    });
    const none = userKpis(
      { ...USER_KPI_COUNTS, repurchaseRepeatCustomers: 120, privateRepurchaseRepeatCustomers: 120 },
      week,
      { minSample: 100 },
    );
    expect(none.private_domain_repurchase_multiple).toEqual({ value: null, reason: "no_data" });
  });

  it("never divides by zero, even with a minimum sample of 0", () => {
    const empty = userKpis({ ...USER_KPI_COUNTS, mauUsers: 0, paidOrders: 0 }, day, {
      minSample: 0,
    });
    expect(empty.stickiness?.value).toBeNull();
    expect(empty.aov?.value).toBeNull();
  });
});

describe("userKpiCountsFromRow", () => {
  const row = {
    new_users: 1,
    active_user_days: 2,
    wau_users: 3,
    mau_users: 4,
    private_mau_users: 1,
    retention_d1_cohort_users: 1,
    retention_d1_retained_users: 0,
    retention_d7_cohort_users: 0,
    retention_d7_retained_users: 0,
    retention_d30_cohort_users: 0,
    retention_d30_retained_users: 0,
    conversion_cohort_users: 0,
    converted_users: 0,
    ltv_cohort_users: 0,
    ltv_revenue: "0.00",
    paid_orders: 1,
    gmv: "12.30",
    paying_users: 1,
    repurchase_customers: 1,
    repurchase_repeat_customers: 0,
    private_repurchase_customers: 0,
    private_repurchase_repeat_customers: 0,
  };

  it("reads counts and keeps money exact", () => {
    const counts = userKpiCountsFromRow(row);
    expect(counts.gmv).toBe("12.30");
    expect(counts.retention.d1).toEqual({ cohort: 1, retained: 0 });
  });

  it("names a missing or malformed column", () => {
    const { mau_users: _, ...missing } = row;
    expect(() => userKpiCountsFromRow(missing)).toThrow(/mau_users/);
    expect(() => userKpiCountsFromRow({ ...row, gmv: "12,30" })).toThrow(/gmv/);
  });
});
