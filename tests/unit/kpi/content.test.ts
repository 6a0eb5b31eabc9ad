import { describe, expect, it } from "vitest";
import {
  type ContentItem,
  contentItemFromRow,
  contentKpis,
  contentWindows,
  rankContent,
} from "../../../functions/lib/kpi/content.ts";
import { periodContaining } from "../../../functions/lib/kpi/windows.ts";

const item = (fields: Partial<ContentItem>): ContentItem => ({
  contentId: "c",
  title: null,
  format: "article",
  publishedAt: null,
  productionCostCents: 0,
  publishedInPeriod: false,
  publishedMonthToDate: false,
  publishedPreviousMonthToDate: false,
  inReachCohort: false,
  views: 0,
  likes: 0,
  comments: 0,
  shares: 0,
  reachViews: 0,
  attributedOrders: 0,
  attributedRevenueCents: 0,
  ...fields,
});

describe("contentWindows", () => {
  it("takes the month of the period's last day, and the ISO week before for reach", () => {
    // ISO week 2026-03-30 … 04-05 ends in April: month to date is April 1 … 5.
    expect(contentWindows(periodContaining("week", "2026-04-01", "Asia/Shanghai"))).toEqual({
      periodStart: "2026-03-30",
      periodEnd: "2026-04-05",
      monthStart: "2026-04-01",
      // Compared with the same day of the previous month: March 1 … 5.
      previousMonthStart: "2026-03-01",
      previousMonthSameDay: "2026-03-05",
      monthToDateDays: 5,
      monthDays: 30,
      reachCohort: { start: "2026-03-23", end: "2026-03-29" },
    });
    expect(contentWindows(periodContaining("day", "2028-02-29", "Asia/Shanghai"))).toMatchObject({
      monthStart: "2028-02-01",
      monthToDateDays: 29,
      monthDays: 29,
      reachCohort: null,
    });
  });
});

describe("contentKpis", () => {
  const week = periodContaining("week", "2026-03-04", "Asia/Shanghai");

  it("reports ratios with the min sample, counts and the reach mean over cohort items", () => {
    const items = [
      item({
        contentId: "a",
        views: 150,
        likes: 5,
        comments: 3,
        shares: 2,
        attributedOrders: 3,
        attributedRevenueCents: 12_345,
        publishedInPeriod: true,
        publishedMonthToDate: true,
        productionCostCents: 1_000,
      }),
      item({ contentId: "b", format: "video", inReachCohort: true, reachViews: 7 }),
      item({ contentId: "c", format: "video", inReachCohort: true, publishedMonthToDate: true }),
    ];
    const { values, details } = contentKpis(items, week, { minSample: 100 });
    expect(values.interaction_rate).toMatchObject({
      value: 10 / 150,
      numerator: 10,
      denominator: 150,
    });
    expect(values.content_conversion_rate?.value).toBe(3 / 150);
    expect(values.content_published_article?.value).toBe(1);
    expect(values.content_published_video?.value).toBe(1);
    expect(values.avg_reach).toMatchObject({ value: 3.5, numerator: 7, denominator: 2 });
    expect(values.avg_reach?.sample).toBeUndefined(); // a mean: no min-sample rule
    expect(values.content_roi).toMatchObject({ value: 12.345, numerator: 123.45, denominator: 10 });
    expect(details.publishedMonthToDate).toEqual({ article: 1, video: 1, live: 0 });
    expect(details.attributedRevenue).toBe(123.45);
  });

  it("says insufficient data below the min sample, and without cost or reach items", () => {
    const { values } = contentKpis([item({ views: 99, likes: 1 })], week, { minSample: 100 });
    expect(values.interaction_rate).toMatchObject({
      value: null,
      reason: "insufficient_sample",
      sample: 99,
    });
    expect(values.content_roi).toMatchObject({ value: null, reason: "insufficient_sample" });
    expect(values.avg_reach).toMatchObject({ value: null, reason: "no_data" });
  });

  it("reports only the daily metrics for a day", () => {
    const day = periodContaining("day", "2026-03-04", "Asia/Shanghai");
    expect(Object.keys(contentKpis([], day, { minSample: 1 }).values).sort()).toEqual([
      "content_conversion_rate",
      "interaction_rate",
    ]);
  });
});

describe("rankContent", () => {
  it("ranks eligible items by conversion, then views, then id; bottom excludes the top", () => {
    const items = [
      item({ contentId: "a", views: 10, attributedOrders: 1 }),
      item({ contentId: "b", views: 20, attributedOrders: 2 }),
      item({ contentId: "c", views: 10, attributedOrders: 5 }),
      item({ contentId: "d", views: 4, attributedOrders: 4 }), // below the min views
      item({ contentId: null, views: 50 }), // no id
      ...["e", "f", "g", "h", "i"].map((id) => item({ contentId: id, views: 30 })),
    ];
    const { top, bottom } = rankContent(items, 5);
    expect(top.map((i) => i.contentId)).toEqual(["c", "b", "a", "e", "f"]);
    expect(bottom.map((i) => i.contentId)).toEqual(["g", "h", "i"]);
    expect(top[0]?.conversion).toBe(0.5);
  });
});

describe("contentItemFromRow", () => {
  it("reads counts, flags and exact cents", () => {
    expect(
      contentItemFromRow({
        content_id: "x",
        title: "T",
        format: "video",
        published_at: "2026-03-01T00:00:00Z",
        production_cost: "0.29",
        published_in_period: 1,
        published_month_to_date: 0,
        published_previous_month_to_date: 1,
        in_reach_cohort: 1,
        views: 3,
        likes: 0,
        comments: 0,
        shares: 0,
        reach_views: 2,
        attributed_orders: 1,
        attributed_revenue: "1.10",
      }),
    ).toMatchObject({
      productionCostCents: 29,
      attributedRevenueCents: 110,
      inReachCohort: true,
      publishedPreviousMonthToDate: true,
    });
  });
});
