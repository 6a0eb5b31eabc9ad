/**
 * Property test: on random small lakes, the campaign snapshots (campaigns_in_scope.sql and
 * campaign_snapshots.sql on DuckDB over Parquet) give exactly the oracle's per-campaign
 * values, and the same set of campaigns (running ones and the final snapshots of those that
 * ended the day before), in Shanghai and in a DST zone.
 *
 * The lakes hit the edges: campaigns starting on D or ending on D-1, D or D+1, joins,
 * invites and orders seconds around the local midnights of the first and last attributed
 * days, unattributed orders on the edges of the 28-day AOV baseline, ids the dimension does
 * not know, duplicate and superseded records.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { CAMPAIGN_KPI_IDS, type CampaignSnapshot } from "../../functions/lib/kpi/campaigns.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { campaignsModule } from "../../functions/lib/report/modules/campaigns.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { oracleCampaigns } from "../oracle/campaigns.ts";
import { buildLake, dateIn, type LakeSpec, lakeSpec } from "../oracle/ops-lake.ts";
import { checkUntilCovered, runsPerBatch } from "../support/property-coverage.ts";

/** Lakes per zone; OPSPULSE_PROPERTY_RUNS raises it for a longer run. */
const RUNS_PER_ZONE = runsPerBatch(25);
const tempRoot = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

/** Counts and sums, compared with ===; the others are ratios (relative 1e-12). */
const EXACT = new Set(["participants", "campaign_revenue", "campaign_cost"]);

const ZONES = [
  { zone: "Asia/Shanghai", dates: fc.oneof(dateIn("2025-12-20", 30), dateIn("2026-05-01", 60)) },
  { zone: "America/New_York", dates: fc.oneof(dateIn("2026-03-01", 50), dateIn("2026-10-25", 40)) },
];

let lakeCounter = 0;

async function compareOnLake(spec: LakeSpec, zone: string, minSample: number, seen: Set<string>) {
  const lake = buildLake(spec, zone);
  const lakeDir = join(tempRoot, `lake-${lakeCounter++}`);
  mkdirSync(lakeDir);
  await writeLake(lakeDir, { events: lake.events, orders: lake.orders, campaigns: lake.campaigns });
  const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  try {
    const settings = { ...DEFAULT_KPI_SETTINGS, minSample };
    const result = await campaignsModule.compute({
      engine,
      catalog,
      period: periodContaining("day", spec.reportDate, zone),
      settings,
      now: new Date(0),
    });
    const expected = oracleCampaigns(lake, { date: spec.reportDate, timeZone: zone, minSample });
    const snapshots = result.details?.campaigns as CampaignSnapshot[];
    expect(Object.keys(result.scoped ?? {}).sort()).toEqual(Object.keys(expected).sort());
    expect(
      Object.fromEntries(snapshots.map((s) => [s.campaignId, s.final])),
      "final flags",
    ).toEqual(Object.fromEntries(Object.entries(expected).map(([id, s]) => [id, s.final])));
    for (const [campaignId, snapshot] of Object.entries(expected)) {
      if (snapshot.final) seen.add("final");
      for (const id of CAMPAIGN_KPI_IDS) {
        const actual = result.scoped?.[campaignId]?.[id]?.value ?? null;
        const wanted = snapshot.values[id] ?? null;
        const context = `${id} of ${campaignId} (${spec.reportDate} ${zone}, min sample ${minSample}): module ${actual}, oracle ${wanted}`;
        if (wanted !== null && wanted !== 0) seen.add(id);
        if (wanted === null || actual === null || EXACT.has(id)) {
          expect(actual, context).toBe(wanted);
        } else {
          expect(Math.abs(actual - wanted), context).toBeLessThanOrEqual(
            1e-12 * Math.max(1, Math.abs(wanted)),
          );
        }
      }
    }
  } finally {
    await engine.close();
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

describe("campaign snapshots: SQL on DuckDB vs the independent oracle", () => {
  for (const { zone, dates } of ZONES) {
    it(`agrees on every per-campaign metric in ${zone} (${RUNS_PER_ZONE} random lakes)`, async () => {
      const seen = new Set<string>();
      const shape = lakeSpec({
        reportDates: dates,
        activityDays: fc.oneof(
          { arbitrary: fc.integer({ min: -6, max: 1 }), weight: 4 },
          { arbitrary: fc.constantFrom(-10, -11, -28, -29, -30, -31, -34, -35), weight: 1 },
          { arbitrary: fc.integer({ min: -40, max: 1 }), weight: 1 },
        ),
        eventTypes: ["campaign_join", "campaign_join", "invite_accepted", "page_view"],
        users: { min: 4, max: 25 },
        eventsPerUser: { min: 1, max: 6 },
        ordersPerUser: { min: 0, max: 4 },
        campaigns: {
          min: 2,
          max: 3,
          startOffsets: fc.oneof(fc.constantFrom(0, -1, -2, -3), fc.integer({ min: -6, max: 1 })),
          days: fc.oneof(fc.constantFrom(1, 2, 3), fc.integer({ min: 1, max: 10 })),
        },
        flawRate: 0.03,
      });
      const unseen = await checkUntilCovered(
        fc.asyncProperty(shape, fc.constantFrom(1, 1, 2), (spec, minSample) =>
          compareOnLake(spec, zone, minSample, seen),
        ),
        () => [...CAMPAIGN_KPI_IDS, "final"].filter((key) => !seen.has(key)),
        { numRuns: RUNS_PER_ZONE },
      );
      expect(unseen).toEqual([]);
    }, 240_000);
  }
});
