/**
 * The content module: interaction and conversion rates (daily and weekly), and weekly the
 * items published month to date, the 7-day reach of last week's items, content ROI and the
 * top and bottom items. One query, `content_items_days.sql`, reading the period's days of
 * the `content_day` and `order_day` rollups (weekly also the `content_views` days of the
 * reach windows); `content_items.sql` gives the same rows from the raw events and orders.
 */
import {
  type ContentDetails,
  contentItemFromRow,
  contentKpis,
  contentWindows,
  type RankedContent,
  REACH_WINDOW_HOURS,
} from "../../kpi/content.ts";
import { contentReadWindows } from "../../kpi/read-windows.ts";
import {
  addDays,
  type IsoDate,
  localDateOf,
  localDaysWindow,
  localMidnightUtc,
  type Period,
  partitionsFor,
} from "../../kpi/windows.ts";
import type { QueryParams } from "../../query/query-file.ts";
import { queryOverRollups } from "../../rollups/refresh.ts";
import type { DetailTable } from "../details.ts";
import type { KpiModule } from "../modules.ts";

const HOUR_MS = 3_600_000;

/** The parameters of `content_items.sql` for a period. */
export function contentParams(period: Period): QueryParams {
  const zone = period.timeZone;
  const windows = contentWindows(period);
  const bounds = localDaysWindow(windows.periodStart, windows.periodEnd, zone);
  const reach = windows.reachCohort
    ? localDaysWindow(windows.reachCohort.start, windows.reachCohort.end, zone)
    : { fromUtc: bounds.fromUtc, toUtc: bounds.fromUtc };
  const monthFrom = localMidnightUtc(windows.monthStart, zone);
  const previousMonth = localDaysWindow(
    windows.previousMonthStart,
    windows.previousMonthSameDay,
    zone,
  );
  const eventsFrom = new Date(Math.min(bounds.fromUtc.getTime(), reach.fromUtc.getTime()));
  // A reach window is 7 × 24 h, which can end an hour after the period in a DST week.
  const eventsTo = new Date(
    Math.max(bounds.toUtc.getTime(), reach.toUtc.getTime() + REACH_WINDOW_HOURS * HOUR_MS),
  );
  const eventPartitions = partitionsFor(eventsFrom, eventsTo);
  const publishedFrom = new Date(
    Math.min(bounds.fromUtc.getTime(), monthFrom.getTime(), reach.fromUtc.getTime()),
  );
  return {
    events_dt_from: eventPartitions[0] ?? "",
    events_dt_to: eventPartitions.at(-1) ?? "",
    events_from: eventsFrom,
    events_to: eventsTo,
    period_from: bounds.fromUtc,
    period_to: bounds.toUtc,
    reach_published_from: reach.fromUtc,
    reach_published_to: reach.toUtc,
    month_from: monthFrom,
    previous_month_from: previousMonth.fromUtc,
    previous_month_to: previousMonth.toUtc,
    published_from: publishedFrom,
    orders_dt_from: bounds.partitions[0] ?? "",
    orders_dt_to: bounds.partitions.at(-1) ?? "",
  };
}

/**
 * The local days of the reach windows (each cohort item's 7 × 24 h from its publication),
 * read from the `content_views` rollup; none without a reach cohort (a daily period).
 */
export function reachDays(period: Period): { from: IsoDate; to: IsoDate } | undefined {
  const cohort = contentWindows(period).reachCohort;
  if (!cohort) return undefined;
  const reach = localDaysWindow(cohort.start, cohort.end, period.timeZone);
  const end = new Date(reach.toUtc.getTime() + REACH_WINDOW_HOURS * HOUR_MS - 1);
  return { from: cohort.start, to: localDateOf(end, period.timeZone) };
}

/**
 * The parameters of `content_items_days.sql` for a period: those of {@link contentParams}
 * but the raw reads, the period's local days (of `content_day` and `order_day`) and the
 * reach windows' days (of `content_views`; an empty range without a reach cohort).
 */
export function contentDaysParams(period: Period): QueryParams {
  const {
    events_dt_from: _eventsFrom,
    events_dt_to: _eventsTo,
    events_from: _from,
    events_to: _to,
    orders_dt_from: _ordersFrom,
    orders_dt_to: _ordersTo,
    ...shared
  } = contentParams(period);
  const reach = reachDays(period);
  return {
    ...shared,
    first_day: period.start,
    last_day: period.end,
    reach_first_day: reach?.from ?? period.start,
    reach_last_day: reach?.to ?? addDays(period.start, -1),
  };
}

const FORMAT_LABELS: Readonly<Record<string, { en: string; "zh-CN": string }>> = {
  article: { en: "Articles", "zh-CN": "文章" },
  video: { en: "Videos", "zh-CN": "视频" },
  live: { en: "Live", "zh-CN": "直播" },
};

/** The weekly email's tables: items published by format, and the top and bottom items. */
export function contentTables(details: ContentDetails): Record<string, DetailTable> {
  const { monthToDateDays: day, monthDays: days } = details;
  const ranking = (title: { en: string; "zh-CN": string }, items: readonly RankedContent[]) => ({
    section: "content" as const,
    title,
    columns: [
      { key: "title", label: { en: "Item", "zh-CN": "内容" } },
      { key: "views", label: { en: "Views", "zh-CN": "浏览" }, unit: "count" as const },
      { key: "attributedOrders", label: { en: "Orders", "zh-CN": "订单" }, unit: "count" as const },
      {
        key: "conversion",
        label: { en: "Conversion", "zh-CN": "转化率" },
        unit: "percent" as const,
      },
    ],
    rows: items.map((item) => ({ ...item, title: item.title ?? item.contentId })),
  });
  return {
    content_published: {
      section: "content",
      title: {
        en: `Published: month to date (day ${day} of ${days}) and this week`,
        "zh-CN": `发布数量：本月至今（第 ${day}/${days} 天）与本周`,
      },
      columns: [
        { key: "label", label: { en: "Format", "zh-CN": "形式" } },
        { key: "monthToDate", label: { en: "Month to date", "zh-CN": "本月至今" }, unit: "count" },
        { key: "inPeriod", label: { en: "This week", "zh-CN": "本周" }, unit: "count" },
      ],
      rows: Object.entries(FORMAT_LABELS).map(([format, label]) => ({
        format,
        label,
        monthToDate: details.publishedMonthToDate[format] ?? 0,
        inPeriod: details.publishedInPeriod[format] ?? 0,
      })),
    },
    content_top: ranking(
      { en: "Best converting items of the week", "zh-CN": "本周转化最高的内容" },
      details.top,
    ),
    content_bottom: ranking(
      { en: "Worst converting items of the week", "zh-CN": "本周转化最低的内容" },
      details.bottom,
    ),
  };
}

/**
 * Content (daily and weekly). Details: `content` (a
 * {@link import("../../kpi/content.ts").ContentDetails}: published counts by format month
 * to date with the month's elapsed and total days, reach cohort, totals, top and bottom items);
 * weekly also the email's tables `content_published`, `content_top` and `content_bottom`.
 */
export const contentModule: KpiModule = {
  id: "content",
  periods: ["day", "week"],
  reads: ["events", "orders", "content", "identities"],
  readWindows: contentReadWindows,
  async compute({ engine, catalog, period, settings, now }) {
    const days = { from: period.start, to: period.end };
    const reach = reachDays(period);
    const prepared = await queryOverRollups(
      { engine, catalog, timeZone: period.timeZone, settings, now },
      "content_items_days",
      { content_day: days, order_day: days, ...(reach ? { content_views: reach } : {}) },
    );
    const result = await engine.run(prepared.query, contentDaysParams(period));
    const { values, details } = contentKpis(result.rows.map(contentItemFromRow), period, settings);
    return {
      values,
      details: {
        content: details,
        ...(period.kind === "week" ? contentTables(details) : {}),
      },
      stats: [...prepared.stats, result.stats],
    };
  },
};
