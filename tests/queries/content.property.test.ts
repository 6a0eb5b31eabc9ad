/**
 * Property test: on random small lakes, the content module (content_items.sql on DuckDB over
 * Parquet) gives exactly the oracle's content KPIs, top and bottom items, for a day and for
 * the ISO week around it, in Shanghai and in a DST zone.
 *
 * The lakes hit the edges: views seconds around local midnight and around the end of an
 * item's 7 × 24 h reach window, items published on the first and last days of the week
 * before and of the month, events and orders for content the dimension does not know (or
 * without a content id), duplicate events, records without ids, refunded orders.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { CONTENT_KPI_IDS, type ContentDetails } from "../../functions/lib/kpi/content.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { contentModule } from "../../functions/lib/report/modules/content.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { oracleContent } from "../oracle/content.ts";
import { buildLake, dateIn, type LakeSpec, lakeSpec } from "../oracle/ops-lake.ts";
import { checkUntilCovered, runsPerBatch } from "../support/property-coverage.ts";

/** Lakes per zone and batch; OPSPULSE_PROPERTY_RUNS raises it for a longer run. */
const RUNS_PER_ZONE = runsPerBatch(30);
const tempRoot = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

/** Counts, compared with ===; the others are ratios or means (relative 1e-12). */
const EXACT = new Set(["content_published_article", "content_published_video"]);

const ZONES = [
  // Report days near month ends, so month-to-date and the weeks straddle months.
  { zone: "Asia/Shanghai", dates: fc.oneof(dateIn("2025-12-26", 12), dateIn("2026-04-25", 12)) },
  { zone: "America/New_York", dates: fc.oneof(dateIn("2026-03-05", 12), dateIn("2026-10-30", 10)) },
];

let lakeCounter = 0;

async function compareOnLake(spec: LakeSpec, zone: string, minSample: number, seen: Set<string>) {
  const lake = buildLake(spec, zone);
  const lakeDir = join(tempRoot, `lake-${lakeCounter++}`);
  mkdirSync(lakeDir);
  await writeLake(lakeDir, { events: lake.events, orders: lake.orders, content: lake.content });
  const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  try {
    for (const kind of ["day", "week"] as const) {
      const settings = { ...DEFAULT_KPI_SETTINGS, minSample };
      const period = periodContaining(kind, spec.reportDate, zone);
      const result = await contentModule.compute({
        engine,
        catalog,
        period,
        settings,
        now: new Date(0),
      });
      const expected = oracleContent(lake, {
        kind,
        date: spec.reportDate,
        timeZone: zone,
        minSample,
      });
      const context = (id: string) =>
        `${id} (${kind} ${spec.reportDate} ${zone}, min sample ${minSample})`;
      expect(Object.keys(result.values).sort()).toEqual([...CONTENT_KPI_IDS[kind]].sort());
      for (const id of CONTENT_KPI_IDS[kind]) {
        const actual = result.values[id]?.value ?? null;
        const wanted = expected.values[id] ?? null;
        if (wanted !== null && wanted !== 0) seen.add(`${kind}:${id}`);
        if (wanted === null || actual === null || EXACT.has(id)) {
          expect(actual, `${context(id)}: module ${actual}, oracle ${wanted}`).toBe(wanted);
        } else {
          expect(
            Math.abs(actual - wanted),
            `${context(id)}: module ${actual}, oracle ${wanted}`,
          ).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(wanted)));
        }
      }
      const details = result.details?.content as ContentDetails;
      expect(
        details.top.map((i) => i.contentId),
        context("top"),
      ).toEqual(expected.top);
      expect(
        details.bottom.map((i) => i.contentId),
        context("bottom"),
      ).toEqual(expected.bottom);
      expect([details.monthToDateDays, details.monthDays]).toEqual([
        expected.monthToDateDays,
        expected.monthDays,
      ]);
      if (expected.bottom.length > 0) seen.add("bottom");
    }
  } finally {
    await engine.close();
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

describe("content: SQL on DuckDB vs the independent oracle", () => {
  for (const { zone, dates } of ZONES) {
    it(`agrees on every content metric and the rankings, day and week, in ${zone} (${RUNS_PER_ZONE} random lakes)`, async () => {
      const seen = new Set<string>();
      const shape = lakeSpec({
        reportDates: dates,
        activityDays: fc.oneof(
          { arbitrary: fc.constant(0), weight: 2 },
          fc.constantFrom(1, -1, -6, -7, -8, -13, -14),
          fc.integer({ min: -15, max: 1 }),
        ),
        eventTypes: [
          "content_view",
          "content_view",
          "content_view",
          "content_like",
          "content_comment",
          "content_share",
          "page_view",
        ],
        users: { min: 3, max: 25 },
        content: { max: 8, dayOffsets: fc.integer({ min: -40, max: 1 }) },
        flawRate: 0.05,
      });
      const everyMetric = (["day", "week"] as const).flatMap((kind) =>
        CONTENT_KPI_IDS[kind].map((id) => `${kind}:${id}`),
      );
      const unseen = await checkUntilCovered(
        fc.asyncProperty(shape, fc.constantFrom(1, 1, 2), (spec, minSample) =>
          compareOnLake(spec, zone, minSample, seen),
        ),
        () => everyMetric.filter((key) => !seen.has(key)),
        { numRuns: RUNS_PER_ZONE },
      );
      expect(unseen).toEqual([]);
    }, 240_000);
  }
});
