/**
 * Content KPIs (`shared/kpi-spec.md`, content operations): the windows each one reads and
 * the step from the per-item rows of `queries/content_items.sql` to metric values and the
 * tables of the weekly report.
 *
 * Choices the spec leaves open, stated once here:
 * - "month to date" is the month of the period's last day, from its 1st to that day; the
 *   pro-rated target is the evaluator's (it knows the elapsed share of the month);
 * - avg_reach is a mean over items, not a share, so the min-sample rule does not apply; with
 *   no item published in the week before it has no value;
 * - content_roi divides by the production cost of the items published in the period
 *   (a missing cost counts as 0); with no cost at all it is insufficient data;
 * - top and bottom items rank the items with at least `minSample` views in the period by
 *   conversion (attributed paid orders / views), then by views, then by id.
 *
 * Pure: no clock, no I/O.
 */

import { centsCell, countCell } from "./cells.ts";
import type { Row } from "./values.ts";
import { type KpiSettings, type MetricValue, minSampleFor, ratio } from "./values.ts";
import {
  addDays,
  daysBetween,
  type IsoDate,
  type Period,
  sameDayOfPreviousMonth,
} from "./windows.ts";

/** Items listed in each of the top and bottom tables. */
export const CONTENT_RANKING_SIZE = 5;
/** Reach counts the views of an item's first 7 × 24 hours. */
export const REACH_WINDOW_HOURS = 7 * 24;

/** Local days each content KPI of a period reads. */
export interface ContentWindows {
  readonly periodStart: IsoDate;
  readonly periodEnd: IsoDate;
  /** First day of the month of `periodEnd` (content_published is month to date). */
  readonly monthStart: IsoDate;
  /**
   * The month-to-date comparison: the previous month from its 1st to the same day as
   * `periodEnd` (or its last day, when shorter).
   */
  readonly previousMonthStart: IsoDate;
  readonly previousMonthSameDay: IsoDate;
  /** Days of that month elapsed at `periodEnd` (1 … monthDays). */
  readonly monthToDateDays: number;
  readonly monthDays: number;
  /** Weekly: the ISO week before, whose items' reach windows have closed; daily: none. */
  readonly reachCohort: { readonly start: IsoDate; readonly end: IsoDate } | null;
}

export function contentWindows(period: Period): ContentWindows {
  const monthStart = `${period.end.slice(0, 7)}-01`;
  // 31 days after the 1st is always in the next month.
  const nextMonth = `${addDays(monthStart, 31).slice(0, 7)}-01`;
  const previousMonthSameDay = sameDayOfPreviousMonth(period.end);
  return {
    periodStart: period.start,
    periodEnd: period.end,
    monthStart,
    previousMonthStart: `${previousMonthSameDay.slice(0, 7)}-01`,
    previousMonthSameDay,
    monthToDateDays: daysBetween(monthStart, period.end) + 1,
    monthDays: daysBetween(monthStart, nextMonth),
    reachCohort:
      period.kind === "week"
        ? { start: addDays(period.start, -7), end: addDays(period.start, -1) }
        : null,
  };
}

/** One row of `content_items.sql`. */
export interface ContentItem {
  readonly contentId: string | null;
  readonly title: string | null;
  readonly format: string | null;
  readonly publishedAt: string | null;
  readonly productionCostCents: number;
  readonly publishedInPeriod: boolean;
  readonly publishedMonthToDate: boolean;
  readonly publishedPreviousMonthToDate: boolean;
  readonly inReachCohort: boolean;
  readonly views: number;
  readonly likes: number;
  readonly comments: number;
  readonly shares: number;
  readonly reachViews: number;
  readonly attributedOrders: number;
  readonly attributedRevenueCents: number;
}

export function contentItemFromRow(row: Row): ContentItem {
  const text = (column: string): string | null => {
    const cell = row[column];
    return cell === null || cell === undefined ? null : String(cell);
  };
  return {
    contentId: text("content_id"),
    title: text("title"),
    format: text("format"),
    publishedAt: text("published_at"),
    productionCostCents: cents(row, "production_cost"),
    publishedInPeriod: count(row, "published_in_period") === 1,
    publishedMonthToDate: count(row, "published_month_to_date") === 1,
    publishedPreviousMonthToDate: count(row, "published_previous_month_to_date") === 1,
    inReachCohort: count(row, "in_reach_cohort") === 1,
    views: count(row, "views"),
    likes: count(row, "likes"),
    comments: count(row, "comments"),
    shares: count(row, "shares"),
    reachViews: count(row, "reach_views"),
    attributedOrders: count(row, "attributed_orders"),
    attributedRevenueCents: cents(row, "attributed_revenue"),
  };
}

/** An item of the top/bottom tables. */
export interface RankedContent {
  readonly contentId: string;
  readonly title: string | null;
  readonly format: string | null;
  readonly views: number;
  readonly attributedOrders: number;
  readonly conversion: number;
}

/** What the reports show beside the content metrics (`details.content`). */
export interface ContentDetails {
  /** Items published month to date, by format (article, video, live). */
  readonly publishedMonthToDate: Readonly<Record<string, number>>;
  /** Items published in the period, by format. */
  readonly publishedInPeriod: Readonly<Record<string, number>>;
  readonly monthToDateDays: number;
  readonly monthDays: number;
  /** Items of the reach cohort (published in the ISO week before) and their views. */
  readonly reachItems: number;
  readonly reachViews: number;
  readonly views: number;
  readonly interactions: number;
  readonly attributedOrders: number;
  readonly attributedRevenue: number;
  readonly productionCost: number;
  readonly top: readonly RankedContent[];
  readonly bottom: readonly RankedContent[];
}

/** Metric ids reported for each period kind (ids from the registry). */
export const CONTENT_KPI_IDS: Readonly<Record<Period["kind"], readonly string[]>> = {
  day: ["interaction_rate", "content_conversion_rate"],
  week: [
    "content_published_article",
    "content_published_video",
    "avg_reach",
    "interaction_rate",
    "content_conversion_rate",
    "content_roi",
  ],
};

/** Content metric values and details from the items of `content_items.sql`. */
export function contentKpis(
  items: readonly ContentItem[],
  period: Period,
  settings: Pick<KpiSettings, "minSample" | "metricMinSamples">,
): { values: Record<string, MetricValue>; details: ContentDetails } {
  const windows = contentWindows(period);
  const sum = (pick: (item: ContentItem) => number, of: readonly ContentItem[] = items) =>
    of.reduce((total, item) => total + pick(item), 0);
  const byFormat = (keep: (item: ContentItem) => boolean) => {
    const counts: Record<string, number> = { article: 0, video: 0, live: 0 };
    for (const item of items) {
      if (keep(item) && item.format !== null) counts[item.format] = (counts[item.format] ?? 0) + 1;
    }
    return counts;
  };
  const views = sum((i) => i.views);
  const interactions = sum((i) => i.likes + i.comments + i.shares);
  const attributedOrders = sum((i) => i.attributedOrders);
  const revenueCents = sum((i) => i.attributedRevenueCents);
  const costCents = sum((i) => (i.publishedInPeriod ? i.productionCostCents : 0));
  const reachCohort = items.filter((i) => i.inReachCohort);
  const reachViews = sum((i) => i.reachViews, reachCohort);
  const publishedMonthToDate = byFormat((i) => i.publishedMonthToDate);
  const publishedPreviousMonthToDate = byFormat((i) => i.publishedPreviousMonthToDate);
  const ranked = rankContent(items, settings.minSample);

  const all: Record<string, MetricValue> = {
    interaction_rate: ratio(interactions, views, minSampleFor(settings, "interaction_rate")),
    content_conversion_rate: ratio(
      attributedOrders,
      views,
      minSampleFor(settings, "content_conversion_rate"),
    ),
    // Compared with the same day of the previous month, not with the previous week.
    content_published_article: {
      value: publishedMonthToDate.article ?? 0,
      sameDayPreviousMonth: publishedPreviousMonthToDate.article ?? 0,
    },
    content_published_video: {
      value: publishedMonthToDate.video ?? 0,
      sameDayPreviousMonth: publishedPreviousMonthToDate.video ?? 0,
    },
    // A mean over the cohort's items, not a share: no `sample`, so no min-sample rule.
    avg_reach:
      reachCohort.length === 0
        ? { value: null, reason: "no_data" }
        : {
            value: reachViews / reachCohort.length,
            numerator: reachViews,
            denominator: reachCohort.length,
          },
    content_roi:
      costCents > 0
        ? {
            value: revenueCents / costCents,
            numerator: revenueCents / 100,
            denominator: costCents / 100,
          }
        : {
            value: null,
            reason: "insufficient_sample",
            sample: 0,
            numerator: revenueCents / 100,
            denominator: 0,
          },
  };
  const values: Record<string, MetricValue> = {};
  for (const id of CONTENT_KPI_IDS[period.kind]) {
    const value = all[id];
    if (value) values[id] = value;
  }
  return {
    values,
    details: {
      publishedMonthToDate,
      publishedInPeriod: byFormat((i) => i.publishedInPeriod),
      monthToDateDays: windows.monthToDateDays,
      monthDays: windows.monthDays,
      reachItems: reachCohort.length,
      reachViews,
      views,
      interactions,
      attributedOrders,
      attributedRevenue: revenueCents / 100,
      productionCost: costCents / 100,
      ...ranked,
    },
  };
}

/**
 * The best and worst converting items with at least `minViews` views; an item appears in
 * at most one of the two lists.
 */
export function rankContent(
  items: readonly ContentItem[],
  minViews: number,
): { top: RankedContent[]; bottom: RankedContent[] } {
  const eligible: RankedContent[] = items
    .filter((i) => i.contentId !== null && i.views > 0 && i.views >= minViews)
    .map((i) => ({
      contentId: i.contentId as string,
      title: i.title,
      format: i.format,
      views: i.views,
      attributedOrders: i.attributedOrders,
      conversion: i.attributedOrders / i.views,
    }));
  const byId = (a: RankedContent, b: RankedContent) =>
    a.contentId < b.contentId ? -1 : a.contentId > b.contentId ? 1 : 0;
  const top = [...eligible]
    .sort((a, b) => b.conversion - a.conversion || b.views - a.views || byId(a, b))
    .slice(0, CONTENT_RANKING_SIZE);
  const inTop = new Set(top.map((i) => i.contentId));
  const bottom = eligible
    .filter((i) => !inTop.has(i.contentId))
    .sort((a, b) => a.conversion - b.conversion || b.views - a.views || byId(a, b))
    .slice(0, CONTENT_RANKING_SIZE);
  return { top, bottom };
}

function count(row: Row, column: string): number {
  return countCell(row, column, "content_items row");
}

function cents(row: Row, column: string): number {
  return centsCell(row, column, "content_items row");
}
