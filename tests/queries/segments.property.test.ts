/**
 * Property test: on random small lakes, the segments module (rfm_segments.sql and
 * lifecycle_layers.sql on DuckDB over Parquet) gives exactly the oracle's RFM segments
 * (counts, revenue, medians, migration) and lifecycle layers, with and without configured
 * cut-offs, in Shanghai and in a DST zone.
 *
 * The lakes are built to hit the edges: orders on the first and last days of both 365-day
 * windows (and just outside), seconds around local midnight, few distinct amounts, days and
 * order counts so that customers tie at the medians, odd and even customer counts, duplicate
 * and superseded order records, signups just inside and outside the 30-day lookback.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { type RfmSummary, summarizeRfm } from "../../functions/lib/kpi/rfm.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { rfmRows, segmentsModule } from "../../functions/lib/report/modules/segments.ts";
import {
  DEFAULT_KPI_SETTINGS,
  type KpiSettings,
  type MetricValue,
} from "../../functions/lib/report/modules.ts";
import {
  buildLake,
  dateIn,
  isoWeekOf,
  type LakeSpec,
  lakeSpec,
  localDay,
  shiftDay,
} from "../oracle/ops-lake.ts";
import { oracleSegments } from "../oracle/segments.ts";
import { checkUntilCovered, runsPerBatch } from "../support/property-coverage.ts";
import { seedUserState } from "../support/user-state.ts";

/** Lakes per zone; OPSPULSE_PROPERTY_RUNS raises it for a longer run. */
const RUNS_PER_ZONE = runsPerBatch(25);
const tempRoot = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

/** Day offsets from the report week's Sunday where some window starts or ends. */
const EDGES = [
  0, 1, -1, -6, -7, -8, -13, -14, -29, -30, -36, -37, -43, -44, -89, -90, -96, -97, -358, -364,
  -365, -371, -372, -380,
];

const ZONES = [
  { zone: "Asia/Shanghai", dates: fc.oneof(dateIn("2025-12-20", 30), dateIn("2026-05-01", 60)) },
  { zone: "America/New_York", dates: fc.oneof(dateIn("2026-03-01", 50), dateIn("2026-10-25", 40)) },
];

const cutoffs = fc.option(
  fc.record(
    {
      recencyDays: fc.integer({ min: 0, max: 400 }),
      frequency: fc.integer({ min: 0, max: 3 }),
      monetary: fc.constantFrom(0, 1, 100, 2500),
    },
    { requiredKeys: [] },
  ),
  { freq: 2 },
);

let lakeCounter = 0;

async function compareOnLake(
  spec: LakeSpec,
  zone: string,
  configured: KpiSettings["rfmCutoffs"] | null,
  seen: Set<string>,
) {
  const lake = buildLake(spec, zone);
  const lakeDir = join(tempRoot, `lake-${lakeCounter++}`);
  mkdirSync(lakeDir);
  await writeLake(lakeDir, { events: lake.events, orders: lake.orders });
  const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  try {
    // The rollups as a deployment's runs keep them, from the lake's first day: the per-user
    // state knows each user's first signup ever (lifecycle "new").
    const firstEvent = new Date(
      Math.min(
        Date.parse(`${spec.reportDate}T00:00:00Z`),
        ...lake.events.map((e) => e.event_time.getTime()),
      ),
    );
    await seedUserState(
      engine,
      catalog,
      shiftDay(localDay(firstEvent, zone), -1),
      shiftDay(spec.reportDate, 1),
      zone,
    );
    for (const rfmCutoffs of configured ? [undefined, configured] : [undefined]) {
      const settings: KpiSettings = { ...DEFAULT_KPI_SETTINGS, minSample: 1, rfmCutoffs };
      const period = periodContaining("week", spec.reportDate, zone);
      const moduleContext = { engine, catalog, period, settings, now: new Date(0) };
      // With cut-offs only RFM changes: run its query alone (the whole module ran without).
      const result = rfmCutoffs
        ? await rfmRows(moduleContext).then(({ rows, windows }) => {
            const rfm = summarizeRfm(rows, windows, rfmCutoffs);
            return {
              values: { rfm_customers: { value: rfm.customers } } as Record<string, MetricValue>,
              details: { rfm } as Record<string, unknown>,
            };
          })
        : await segmentsModule.compute(moduleContext);
      const expected = oracleSegments(lake, {
        date: spec.reportDate,
        timeZone: zone,
        ...(rfmCutoffs ? { cutoffs: rfmCutoffs } : {}),
      });
      const rfm = result.details?.rfm as RfmSummary;
      const context = `week of ${spec.reportDate} in ${zone}, cut-offs ${JSON.stringify(rfmCutoffs)}`;

      expect(result.values.rfm_customers?.value, context).toBe(expected.current.customers);
      expect(rfm.previousCustomers, context).toBe(expected.previous.customers);
      for (const segment of rfm.segments) {
        const now = expected.current.segments[segment.segment];
        const before = expected.previous.segments[segment.segment];
        expect(
          {
            customers: segment.customers,
            cents: Math.round(segment.revenue * 100),
            previousCustomers: segment.previousCustomers,
            previousCents: Math.round(segment.previousRevenue * 100),
          },
          `${segment.segment}, ${context}`,
        ).toEqual({
          customers: now?.customers,
          cents: now?.revenueCents,
          previousCustomers: before?.customers,
          previousCents: before?.revenueCents,
        });
        if (segment.customers > 0) seen.add(`segment:${segment.segment}`);
      }
      const migration = Object.fromEntries(
        rfm.migration.map((cell) => [`${cell.from}>${cell.to}`, cell.customers]),
      );
      expect(migration, context).toEqual(expected.migration);
      const medians = (m: RfmSummary["medians"]["current"]) =>
        m && {
          recencyDays: m.recencyDays,
          frequency: m.frequency,
          monetaryCents: Math.round(m.monetary * 200) / 2,
        };
      expect(medians(rfm.medians.current), context).toEqual(expected.current.medians);
      expect(medians(rfm.medians.previous), context).toEqual(expected.previous.medians);
      if (expected.current.customers > 0 && expected.current.customers % 2 === 0) seen.add("even");
      if (expected.current.customers % 2 === 1) seen.add("odd");
      if (!rfmCutoffs && expected.current.tiesAtMedian > 0) seen.add("tie");

      if (rfmCutoffs) continue;
      for (const [layer, counts] of Object.entries(expected.lifecycle)) {
        expect(result.values[`lifecycle_${layer}`]?.value, `${layer}, ${context}`).toBe(
          counts.current,
        );
        if (counts.current > 0) seen.add(`lifecycle:${layer}`);
      }
      const lifecycle =
        (
          result.details?.lifecycle as
            | { layers: { layer: string; previousUsers: number }[] }
            | undefined
        )?.layers ?? [];
      expect(
        Object.fromEntries(lifecycle.map((row) => [row.layer, row.previousUsers])),
        context,
      ).toEqual(
        Object.fromEntries(
          Object.entries(expected.lifecycle).map(([layer, counts]) => [layer, counts.previous]),
        ),
      );
    }
  } finally {
    await engine.close();
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

describe("segments: SQL on DuckDB vs the independent oracle", () => {
  for (const { zone, dates } of ZONES) {
    it(`agrees on RFM segments, migration and lifecycle layers in ${zone} (${RUNS_PER_ZONE} random lakes)`, async () => {
      const seen = new Set<string>();
      const shape = lakeSpec({
        // The week's Sunday, so that the edges above are relative to it.
        reportDates: dates.map((date) => isoWeekOf(date).last),
        activityDays: fc.oneof(
          fc.constantFrom(...EDGES),
          fc.integer({ min: -100, max: 1 }),
          fc.integer({ min: -380, max: 1 }),
        ),
        // "teleport" is no event type of the contract: no activity.
        eventTypes: ["signup", "signup", "page_view", "session_start", "teleport"],
        users: { min: 6, max: 30 },
        ordersPerUser: { min: 1, max: 4 },
        flawRate: 0.03,
      });
      // Agreement on empty segments alone would prove little.
      const wanted = [
        "even",
        "odd",
        "tie",
        "segment:important_value",
        "segment:general_winback",
        "lifecycle:new",
        "lifecycle:active",
        "lifecycle:dormant",
        "lifecycle:churned",
      ];
      const unseen = await checkUntilCovered(
        fc.asyncProperty(shape, cutoffs, (spec, configured) =>
          compareOnLake(spec, zone, configured, seen),
        ),
        () => wanted.filter((key) => !seen.has(key)),
        { numRuns: RUNS_PER_ZONE },
      );
      expect(unseen).toEqual([]);
    }, 1_800_000);
  }
});
