/**
 * The content and data-quality day rollups (content_day, event_quality_day,
 * order_quality_day): on a generated lake (duplicates, invalid records, late files, order
 * updates a year ahead), the rollup queries give exactly the rows of the raw queries they
 * replace (content_items.sql, efficiency_events.sql, efficiency_orders.sql), for a day and a
 * week, in Shanghai and in a DST zone; so do the modules with rollups on and off (inlined);
 * a late file in a past partition rebuilds its days and the figures follow it; and a steady
 * daily run reads no raw partition for content or data quality (only the run's local day
 * so far, for freshness).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import {
  freshnessFrom,
  KNOWN_EVENT_TYPES,
  KNOWN_ORDER_STATUSES,
} from "../../functions/lib/kpi/efficiency.ts";
import {
  addDays,
  localDateOf,
  localMidnightUtc,
  type Period,
  partitionsFor,
  periodContaining,
  periodWindow,
} from "../../functions/lib/kpi/windows.ts";
import { generateLake } from "../../functions/lib/lake/generator.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine, QueryStats } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import {
  contentDaysParams,
  contentModule,
  contentParams,
  reachDays,
} from "../../functions/lib/report/modules/content.ts";
import { efficiencyModule } from "../../functions/lib/report/modules/efficiency.ts";
import {
  identityCoverageFromRollups,
  identityCoverageOf,
} from "../../functions/lib/report/modules/identity-coverage.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { queryOverRollups } from "../../functions/lib/rollups/refresh.ts";
import * as rows from "../support/rows.ts";

const catalog = new QueryCatalog();
const settings = { ...DEFAULT_KPI_SETTINGS, minSample: 1 };
const END = "2026-03-15";
const root = mkdtempSync(join(tmpdir(), "opspulse-dayroll-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Engine = Awaited<ReturnType<typeof createDuckDbEngine>>;

/** Rows in a stable order, for comparing two queries' results. */
const sorted = (found: readonly Record<string, unknown>[]) =>
  [...found].map((row) => JSON.stringify(row)).sort();

/** What both efficiency_events queries take for freshness, as the module passes it. */
function freshnessParams(period: Period, now: Date) {
  const from = freshnessFrom(now);
  const runDay = localDateOf(now, period.timeZone);
  const rawFrom = new Date(
    Math.max(from.getTime(), localMidnightUtc(runDay, period.timeZone).getTime()),
  );
  const profiled = { from: localDateOf(from, period.timeZone), to: addDays(runDay, -1) };
  return {
    profiled,
    lookback: partitionsFor(rawFrom, new Date(now.getTime() + 1)),
    params: {
      freshness_from: from,
      profile_first_day: profiled.from,
      profile_last_day: profiled.to,
      raw_freshness_from: rawFrom,
      freshness_to: now,
      event_types: KNOWN_EVENT_TYPES,
    },
  };
}

/** The raw (pre-rollup) queries' rows for a period. */
async function rawRows(engine: QueryEngine, period: Period, now: Date) {
  const content = await engine.run(catalog.get("content_items"), contentParams(period));
  const bounds = periodWindow(period);
  const fresh = freshnessParams(period, now);
  const context = { engine, catalog, timeZone: period.timeZone, settings, now };
  const { query } = await queryOverRollups(context, "efficiency_events", {
    event_profile: fresh.profiled,
  });
  const events = await engine.run(query, {
    ...fresh.params,
    event_partitions: [...new Set([...bounds.partitions, ...fresh.lookback])].sort(),
    period_from: bounds.fromUtc,
    period_to: bounds.toUtc,
    run_time: now,
  });
  const orders = await engine.run(catalog.get("efficiency_orders"), {
    orders_dt_from: bounds.partitions[0] ?? "",
    orders_dt_to: bounds.partitions.at(-1) ?? "",
    period_from: bounds.fromUtc,
    period_to: bounds.toUtc,
    run_time: now,
    order_statuses: KNOWN_ORDER_STATUSES,
  });
  const identity = await identityCoverageOf(engine, catalog, bounds, settings);
  return {
    content: content.rows,
    events: events.rows,
    orders: orders.rows,
    identity: identity.counts,
  };
}

/** The day rollups' queries' rows for a period (content and data quality). */
async function rollupRows(engine: QueryEngine, period: Period, now: Date) {
  const context = { engine, catalog, timeZone: period.timeZone, settings, now };
  const days = { from: period.start, to: period.end };
  const bounds = periodWindow(period);
  const fresh = freshnessParams(period, now);
  const reach = reachDays(period);
  const content = await queryOverRollups(context, "content_items_days", {
    content_day: days,
    order_day: days,
    ...(reach ? { content_views: reach } : {}),
  });
  const events = await queryOverRollups(context, "efficiency_events_days", {
    event_profile: fresh.profiled,
    event_quality_day: days,
  });
  const orders = await queryOverRollups(context, "efficiency_orders_days", {
    order_quality_day: days,
    order_day: days,
  });
  const identity = await identityCoverageFromRollups(context, period, settings);
  return {
    identity: identity.counts,
    content: (await engine.run(content.query, contentDaysParams(period))).rows,
    events: (
      await engine.run(events.query, {
        ...fresh.params,
        quality_first_day: period.start,
        quality_last_day: period.end,
        freshness_partitions: fresh.lookback,
      })
    ).rows,
    orders: (
      await engine.run(orders.query, {
        first_day: period.start,
        last_day: period.end,
        period_from: bounds.fromUtc,
        period_to: bounds.toUtc,
        run_time: now,
      })
    ).rows,
  };
}

async function moduleFigures(engine: QueryEngine, period: Period, now: Date) {
  const content = await contentModule.compute({ engine, catalog, period, settings, now });
  const efficiency = await efficiencyModule.compute({ engine, catalog, period, settings, now });
  return {
    values: { ...content.values, ...efficiency.values },
    details: { content: content.details?.content, efficiency: efficiency.details?.efficiency },
    stats: [...content.stats, ...efficiency.stats],
  };
}

/** Raw partitions read by the modules' own queries (not the rollup builds). */
function rawReads(stats: readonly QueryStats[], table: "events" | "orders"): number {
  return stats
    .filter((s) => !s.query.startsWith("rollup_"))
    .reduce((sum, s) => sum + (s.partitionsRead?.[table] ?? 0), 0);
}

describe.each([
  { zone: "Asia/Shanghai", seed: 11 },
  { zone: "America/New_York", seed: 12 },
])("content and data-quality day rollups in $zone", ({ zone, seed }) => {
  const lakeDir = join(root, zone.replace("/", "-"));
  let on: Engine;
  let off: Engine;
  beforeAll(async () => {
    // 14 UTC days ending Sunday 15 March (New York changes to summer time on 8 March).
    await generateLake({ seed, days: 14, endDate: END, users: 400, lakeDir });
    // Order flaws on 13 March (local in both zones), rare in a small generated lake: a refund
    // two days later (after the day's end, before the run), an update a year ahead (in the
    // future of the run), a duplicated record, a negative paid amount, a record without user.
    const t = new Date("2026-03-13T05:00:00Z");
    const later = (days: number) => new Date(t.getTime() + days * 86_400_000);
    const duplicated = rows.order("flaw-3", t, "7.00", { user_id: "flaw-user" });
    await writeLake(
      lakeDir,
      {
        orders: [
          rows.order("flaw-1", t, "9.00", { user_id: "flaw-user" }),
          rows.order("flaw-1", t, "9.00", {
            user_id: "flaw-user",
            status: "refunded",
            updated_at: later(2),
          }),
          rows.order("flaw-2", t, "8.00", { user_id: "flaw-user", updated_at: later(365) }),
          duplicated,
          duplicated,
          rows.order("flaw-4", t, "-5.00", { user_id: "flaw-user" }),
          rows.order("flaw-5", t, "6.00", { user_id: null as unknown as string }),
        ],
      },
      { fileStem: "day-rollups-flaws-{i}" },
    );
    // An identity map: half of some buyers' ids map to persons from the week's Wednesday on,
    // the other half for the whole lake (and flaw-user), so coverage has mapped and unmapped ids.
    const probe = await createDuckDbEngine({ lakeDir, threads: 1 });
    const buyers = (
      await probe.raw(
        "select distinct user_id from orders where user_id is not null order by user_id limit 40",
      )
    ).map((row) => String(row.user_id));
    await probe.close();
    await writeLake(lakeDir, {
      identities: [...buyers, "flaw-user"].map((id, i) => ({
        source: "web",
        source_user_id: id,
        user_id: `person-${i % 7}`,
        valid_from: new Date(i % 2 ? "2026-03-11T00:00:00Z" : "2026-01-01T00:00:00Z"),
        valid_to: null,
      })),
    });
    on = await createDuckDbEngine({ lakeDir, threads: 1 });
    off = await createDuckDbEngine({ lakeDir, threads: 1, rollups: false });
  }, 120_000);
  afterAll(async () => {
    await on.close();
    await off.close();
  });

  const day = () => periodContaining("day", "2026-03-13", zone);
  const week = () => periodContaining("week", "2026-03-11", zone);
  // After the week's end in either zone: both periods are over.
  const now = new Date("2026-03-16T06:00:00Z");

  it("gives the raw queries' rows from the rollups, for a day and a week", async () => {
    for (const period of [day(), week()]) {
      const raw = await rawRows(on, period, now);
      const rolled = await rollupRows(on, period, now);
      expect(raw.content.length).toBeGreaterThan(3);
      expect(sorted(rolled.content)).toEqual(sorted(raw.content));
      expect(rolled.events).toEqual(raw.events);
      expect(rolled.orders).toEqual(raw.orders);
      expect(rolled.identity).toEqual(raw.identity);
      expect(raw.identity.mappedActiveIds * raw.identity.mappedPaidOrders).toBeGreaterThan(0);
      // The week has a reach cohort with views (summed from content_views).
      const reach = raw.content.reduce((sum, row) => sum + Number(row.reach_views), 0);
      expect(reach > 0).toBe(period.kind === "week");
      // Invalid records of several kinds are in the lake: the counts are not all zero.
      const [events] = raw.events;
      const [orders] = raw.orders;
      expect(Number(events?.duplicate) * Number(events?.unknown_type)).toBeGreaterThan(0);
      for (const reason of ["future", "duplicate", "negative_amount", "null_user"]) {
        expect(Number(orders?.[reason]), reason).toBeGreaterThan(0);
      }
    }
  }, 120_000);

  it("gives the same module figures with rollups on, off (inlined), and from the raw queries", async () => {
    for (const period of [day(), week()]) {
      const stored = await moduleFigures(on, period, now);
      const inlined = await moduleFigures(off, period, now);
      expect(stored.values).toEqual(inlined.values);
      expect(stored.details).toEqual(inlined.details);
    }
  }, 120_000);

  it("follows a late file in a past partition: its days are rebuilt and the figures change", async () => {
    const period = week();
    const before = await moduleFigures(on, period, now);
    // Late: a duplicated content view of a known item, an unknown type, a paid order with a
    // content id and an update a year ahead (in the future of the run).
    const at = new Date(periodWindow(period).fromUtc.getTime() + 30 * 3_600_000);
    const contentId = String(
      (before.details.content as { top?: readonly { contentId: string }[] }).top?.[0]?.contentId,
    );
    const view = rows.event("late-v1", at, "late-user", {
      event_type: "content_view",
      content_id: contentId,
    });
    await writeLake(
      lakeDir,
      {
        events: [
          view,
          view,
          rows.event("late-x", at, "late-user", { event_type: "legacy_tap" as "page_view" }),
        ],
        orders: [
          rows.order("late-o1", at, "12.50", { user_id: "late-user", content_id: contentId }),
          rows.order("late-o1", at, "12.50", {
            user_id: "late-user",
            content_id: contentId,
            updated_at: new Date(at.getTime() + 365 * 86_400_000),
          }),
        ],
      },
      { fileStem: "day-rollups-late-{i}" },
    );
    const after = await moduleFigures(on, period, now);
    const rebuilt = after.stats.filter((s) => s.query.startsWith("rollup_source_"));
    expect(rebuilt.map((s) => s.query).sort()).toEqual([
      "rollup_source_events",
      "rollup_source_orders",
    ]);
    const quality = (figures: typeof before) =>
      (
        figures.details.efficiency as {
          dataQuality: Record<"events" | "orders", { records: number; failures: object }>;
        }
      ).dataQuality;
    expect(quality(after).events.records).toBe(quality(before).events.records + 3);
    expect(quality(after).orders.records).toBe(quality(before).orders.records + 2);
    expect(quality(after).orders.failures).toMatchObject({
      future: ((quality(before).orders.failures as { future: number }).future ?? 0) + 1,
    });
    // And every figure is still the raw queries' and the inlined path's.
    const raw = await rawRows(on, period, now);
    const rolled = await rollupRows(on, period, now);
    expect(sorted(rolled.content)).toEqual(sorted(raw.content));
    expect(rolled.events).toEqual(raw.events);
    expect(rolled.orders).toEqual(raw.orders);
    expect(rolled.identity).toEqual(raw.identity);
    const inlined = await moduleFigures(off, period, now);
    expect(after.values).toEqual(inlined.values);
    expect(after.details).toEqual(inlined.details);
  }, 120_000);

  it("reads no raw partition for content and data quality in a steady daily run", async () => {
    const period = day();
    const runAt = new Date(
      localMidnightUtc(addDays(period.end, 1), zone).getTime() + 7.5 * 3_600_000,
    );
    await moduleFigures(on, period, runAt);
    const steady = await moduleFigures(on, period, runAt);
    expect(steady.stats.filter((s) => s.query.startsWith("rollup_"))).toEqual([]);
    // Content and data quality: nothing raw; freshness: the run's local day so far.
    expect(rawReads(steady.stats, "orders")).toBe(0);
    expect(rawReads(steady.stats, "events")).toBe(
      partitionsFor(localMidnightUtc(addDays(period.end, 1), zone), runAt).length,
    );
  }, 120_000);
});
