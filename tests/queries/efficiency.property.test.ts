/**
 * Property test: on random small lakes, the efficiency module (efficiency_events.sql,
 * efficiency_orders.sql and efficiency_costs.sql on DuckDB over Parquet) gives exactly the
 * oracle's values and data-quality failure counts, for a day and the ISO week around it, in
 * Shanghai and in a DST zone. Users per ops head divides the MAU a report's users module
 * computed earlier in the run; here that MAU comes from the oracle (the reuse itself is
 * tested in efficiency.test.ts), so that each lake runs only the efficiency queries.
 *
 * The lakes carry every kind of invalid record (no id, no user, unknown event type or
 * status, negative amount, in the future of the run, duplicates), runs that happen inside
 * the period or days after it, messages with and without automation, campaigns overlapping
 * the period partly, content published around its edges.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import type { EfficiencyDetails } from "../../functions/lib/kpi/efficiency.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { efficiencyModule } from "../../functions/lib/report/modules/efficiency.ts";
import { DEFAULT_KPI_SETTINGS, type KpiSettings } from "../../functions/lib/report/modules.ts";
import { oracleEfficiency } from "../oracle/efficiency.ts";
import { buildLake, dateIn, type LakeSpec, lakeSpec } from "../oracle/ops-lake.ts";
import { checkUntilCovered, runsPerBatch } from "../support/property-coverage.ts";

/** Lakes per zone; OPSPULSE_PROPERTY_RUNS raises it for a longer run. */
const RUNS_PER_ZONE = runsPerBatch(25);
const tempRoot = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

const METRIC_IDS = [
  "data_freshness_minutes",
  "data_quality",
  "automation_rate",
  "ops_cost_ratio",
  "users_per_ops_head",
];
const EXACT = new Set(["data_freshness_minutes"]);

const ZONES = [
  { zone: "Asia/Shanghai", dates: fc.oneof(dateIn("2025-12-24", 14), dateIn("2026-04-25", 12)) },
  { zone: "America/New_York", dates: fc.oneof(dateIn("2026-03-04", 10), dateIn("2026-10-28", 10)) },
];

const settingsArbitrary = fc.record({
  minSample: fc.constantFrom(1, 1, 3),
  teamMonthlyCost: fc.constantFrom(0, 3_100, 300_000),
  opsHeadcount: fc.constantFrom(1, 7),
});

let lakeCounter = 0;

async function compareOnLake(
  spec: LakeSpec,
  zone: string,
  picked: Pick<KpiSettings, "minSample" | "teamMonthlyCost" | "opsHeadcount">,
  seen: Set<string>,
) {
  const lake = buildLake(spec, zone);
  const lakeDir = join(tempRoot, `lake-${lakeCounter++}`);
  mkdirSync(lakeDir);
  const { events, orders, campaigns, content } = lake;
  await writeLake(lakeDir, { events, orders, campaigns, content });
  const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  try {
    const settings = { ...DEFAULT_KPI_SETTINGS, ...picked };
    for (const kind of ["day", "week"] as const) {
      const expected = oracleEfficiency(lake, {
        kind,
        date: spec.reportDate,
        timeZone: zone,
        now: lake.now,
        ...picked,
      });
      const result = await efficiencyModule.compute({
        engine,
        catalog,
        period: periodContaining(kind, spec.reportDate, zone),
        settings,
        now: lake.now,
        computed: { mau: { value: expected.mau } },
      });
      for (const id of METRIC_IDS) {
        const actual = result.values[id]?.value ?? null;
        const wanted = expected.values[id] ?? null;
        const context = `${id} (${kind} ${spec.reportDate} ${zone}, run ${lake.now.toISOString()}): module ${actual}, oracle ${wanted}`;
        if (wanted !== null && wanted !== 0) seen.add(id);
        if (wanted === null || actual === null || EXACT.has(id)) {
          expect(actual, context).toBe(wanted);
        } else {
          expect(Math.abs(actual - wanted), context).toBeLessThanOrEqual(
            1e-9 * Math.max(1, Math.abs(wanted)),
          );
        }
      }
      const details = result.details?.efficiency as EfficiencyDetails;
      expect(details.dataQuality.events.failures, `event failures, ${kind}`).toEqual(
        expected.failures.events,
      );
      expect(details.dataQuality.orders.failures, `order failures, ${kind}`).toEqual(
        expected.failures.orders,
      );
      for (const table of ["events", "orders"] as const) {
        for (const [reason, count] of Object.entries(expected.failures[table])) {
          if (count > 0) seen.add(`${table}:${reason}`);
        }
      }
    }
  } finally {
    await engine.close();
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

describe("efficiency: SQL on DuckDB vs the independent oracle", () => {
  for (const { zone, dates } of ZONES) {
    it(`agrees on every efficiency metric and failure count, day and week, in ${zone} (${RUNS_PER_ZONE} random lakes)`, async () => {
      const seen = new Set<string>();
      const shape = lakeSpec({
        reportDates: dates,
        activityDays: fc.oneof(
          { arbitrary: fc.constantFrom(0, 1, -1, -6, -7, -8), weight: 2 },
          { arbitrary: fc.integer({ min: -10, max: 3 }), weight: 2 },
        ),
        eventTypes: ["message_sent", "message_sent", "page_view", "content_view", "bogus_type"],
        users: { min: 3, max: 20 },
        eventsPerUser: { min: 1, max: 6 },
        campaigns: {
          max: 3,
          startOffsets: fc.integer({ min: -20, max: 3 }),
          days: fc.integer({ min: 1, max: 20 }),
        },
        content: { max: 4, dayOffsets: fc.integer({ min: -8, max: 1 }) },
        flawRate: 0.1,
        statuses: ["paid", "paid", "paid", "refunded", "cancelled", "unknown_status"],
      });
      const wanted = [
        ...METRIC_IDS,
        "events:missing_id",
        "events:null_user",
        "events:unknown_type",
        "events:future",
        "events:duplicate",
        "orders:missing_id",
        "orders:null_user",
        "orders:negative_amount",
        "orders:unknown_status",
        "orders:future",
        "orders:duplicate",
      ];
      const unseen = await checkUntilCovered(
        fc.asyncProperty(shape, settingsArbitrary, (spec, picked) =>
          compareOnLake(spec, zone, picked, seen),
        ),
        () => wanted.filter((key) => !seen.has(key)),
        { numRuns: RUNS_PER_ZONE },
      );
      expect(unseen).toEqual([]);
    }, 240_000);
  }
});
