/**
 * Fixture test of queries/content_items.sql: hand-placed items, views and orders around the
 * edges of the ISO week 2026-03-02 … 03-08 (Asia/Shanghai), of the reach windows of the items
 * published the week before, and of the month; then the metric values computed from them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import type { ContentRow } from "../../functions/lib/contract/schema.ts";
import { contentItemFromRow, contentKpis } from "../../functions/lib/kpi/content.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { contentParams } from "../../functions/lib/report/modules/content.ts";
import { eventRow, type LakeContent, orderRow } from "../oracle/ops-lake.ts";
import { content } from "../support/rows.ts";

const lakeDir = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
const week = periodContaining("week", "2026-03-05", "Asia/Shanghai");
let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;

const local = (dateTime: string) => new Date(`${dateTime}+08:00`);
let eventCount = 0;
const event = (type: string, contentId: string | null, dateTime: string) =>
  eventRow({
    event_id: `ev${eventCount++}`,
    event_type: type,
    content_id: contentId,
    event_time: local(dateTime),
  });
const item = (
  id: string,
  format: ContentRow["format"],
  dateTime: string,
  cost: string | null,
): LakeContent => content(id, local(dateTime), { format, production_cost: cost });

beforeAll(async () => {
  const duplicatedView = event("content_view", "c1", "2026-03-04T08:00:00");
  await writeLake(lakeDir, {
    content: [
      item("c1", "article", "2026-03-03T10:00:00", "10.00"), // this week and month
      item("c2", "video", "2026-02-24T10:00:00", null), // last week: reach cohort
      item("c3", "article", "2026-03-01T00:00:00", "5.00"), // last week's Sunday, 1st of March
      item("c4", "live", "2026-03-09T00:00:00", "7.00"), // next week: not listed
      item("c5", "video", "2026-01-15T10:00:00", "3.00"), // old, but viewed this week
      item("c6", "article", "2026-02-28T12:00:00", "1.00"), // last week, never viewed
      // The month-to-date comparison, 1 … 8 February: c7 in it (its last hour), c8 not.
      item("c7", "video", "2026-02-08T23:00:00", "2.00"),
      item("c8", "article", "2026-02-09T00:00:00", "2.00"),
    ],
    events: [
      event("content_view", "c1", "2026-03-04T07:00:00"),
      duplicatedView,
      duplicatedView, // delivered twice: one view
      event("content_like", "c1", "2026-03-04T09:00:00"),
      event("content_comment", "c1", "2026-03-04T09:30:00"),
      event("page_view", "c1", "2026-03-04T09:40:00"), // not a content event
      event("content_view", "c2", "2026-02-24T11:00:00"), // reach, before the week
      event("content_view", "c2", "2026-03-03T09:59:59"), // reach (last second) and this week
      event("content_view", "c2", "2026-03-03T10:00:00"), // 7 × 24 h later: this week only
      event("content_view", "c3", "2026-03-01T00:00:00"), // reach, before the week
      event("content_view", "c5", "2026-03-05T10:00:00"),
      event("content_share", "c5", "2026-03-05T10:05:00"),
      event("content_view", null, "2026-03-06T10:00:00"), // no content id
      event("content_like", "zz", "2026-03-06T10:00:00"), // content the dimension lacks
      event("content_view", "c1", "2026-03-09T00:00:00"), // after the week
    ],
    orders: [
      orderRow({
        order_id: "o1",
        content_id: "c1",
        order_time: local("2026-03-04T12:00:00"),
        amount: "100.00",
      }),
      orderRow({
        order_id: "o2",
        content_id: "c1",
        order_time: local("2026-03-04T13:00:00"),
        amount: "80.00",
      }),
      orderRow({
        order_id: "o2",
        content_id: "c1",
        order_time: local("2026-03-04T13:00:00"),
        updated_at: local("2026-03-05T13:00:00"),
        amount: "80.00",
        status: "refunded",
      }),
      orderRow({
        order_id: "o3",
        content_id: "zz",
        order_time: local("2026-03-06T12:00:00"),
        amount: "20.00",
      }),
      orderRow({
        order_id: "o4",
        content_id: null,
        order_time: local("2026-03-06T12:00:00"),
        amount: "50.00",
      }),
      orderRow({
        order_id: "o5",
        content_id: "c5",
        order_time: local("2026-03-09T00:00:00"),
        amount: "9.00",
      }),
    ],
  });
  engine = await createDuckDbEngine({ lakeDir, threads: 1 });
});
afterAll(async () => {
  await engine.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

function expectedRow(fields: Record<string, unknown>) {
  return {
    title: null,
    format: null,
    published_at: null,
    production_cost: null,
    published_in_period: 0,
    published_month_to_date: 0,
    published_previous_month_to_date: 0,
    in_reach_cohort: 0,
    views: 0,
    likes: 0,
    comments: 0,
    shares: 0,
    reach_views: 0,
    attributed_orders: 0,
    attributed_revenue: "0.00",
    ...fields,
  };
}

const byId = (rows: readonly Record<string, unknown>[]) =>
  [...rows].sort((a, b) => String(a.content_id).localeCompare(String(b.content_id)));

describe("content_items.sql", () => {
  it("lists each item's period activity, reach and publication flags", async () => {
    const { rows } = await engine.run(catalog.get("content_items"), contentParams(week));
    const dims = (id: string, format: string, publishedAt: string, cost: string | null) => ({
      content_id: id,
      title: `Item ${id}`,
      format,
      published_at: publishedAt,
      production_cost: cost,
    });
    expect(byId(rows)).toEqual(
      byId([
        expectedRow({
          ...dims("c1", "article", "2026-03-03T02:00:00Z", "10.00"),
          published_in_period: 1,
          published_month_to_date: 1,
          views: 2,
          likes: 1,
          comments: 1,
          attributed_orders: 1,
          attributed_revenue: "100.00",
        }),
        expectedRow({
          ...dims("c2", "video", "2026-02-24T02:00:00Z", null),
          in_reach_cohort: 1,
          views: 2,
          reach_views: 2,
        }),
        expectedRow({
          ...dims("c3", "article", "2026-02-28T16:00:00Z", "5.00"),
          published_month_to_date: 1,
          in_reach_cohort: 1,
          reach_views: 1,
        }),
        expectedRow({
          ...dims("c5", "video", "2026-01-15T02:00:00Z", "3.00"),
          views: 1,
          shares: 1,
        }),
        expectedRow({
          ...dims("c6", "article", "2026-02-28T04:00:00Z", "1.00"),
          in_reach_cohort: 1,
        }),
        expectedRow({
          ...dims("c7", "video", "2026-02-08T15:00:00Z", "2.00"),
          published_previous_month_to_date: 1,
        }),
        expectedRow({ content_id: null, views: 1 }),
        expectedRow({
          content_id: "zz",
          likes: 1,
          attributed_orders: 1,
          attributed_revenue: "20.00",
        }),
      ]),
    );
  });

  it("gives the weekly content metrics from those rows", async () => {
    const { rows } = await engine.run(catalog.get("content_items"), contentParams(week));
    const { values, details } = contentKpis(rows.map(contentItemFromRow), week, { minSample: 1 });
    expect(values.interaction_rate?.value).toBe(4 / 6);
    expect(values.content_conversion_rate?.value).toBe(2 / 6);
    expect(values.content_published_article?.value).toBe(2); // c1, c3
    expect(values.content_published_video?.value).toBe(0);
    // Compared with the same day of the previous month: 1 … 8 February.
    expect(values.content_published_video?.sameDayPreviousMonth).toBe(1); // c7
    expect(values.content_published_article?.sameDayPreviousMonth).toBe(0);
    expect(values.avg_reach?.value).toBe(1); // (2 + 1 + 0) / 3 items
    expect(values.content_roi?.value).toBe(12); // 120.00 / 10.00
    expect([details.monthToDateDays, details.monthDays]).toEqual([8, 31]);
    expect(details.top.map((i) => i.contentId)).toEqual(["c1", "c2", "c5"]);
  });
});
