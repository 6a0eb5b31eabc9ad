/**
 * Property test of the rollups under late data: on random lakes, the user KPIs computed
 * incrementally (rollups built on a first run, then a second run after late files landed
 * in past partitions: late events, duplicate deliveries, refunds and cancellations of
 * orders placed days before) are exactly the KPIs computed with rollups off (every window
 * read from the raw data), for a day and for its ISO week, in Shanghai and New York.
 *
 * With tests/queries/user-kpis.property.test.ts (rollups on, against the independent
 * oracle) this proves both paths right; here the oracle is the engine without rollups.
 * Each lake is read for one period kind: the per-user state then covers the same days on
 * both paths (with rollups on, the user_day days of the first run's windows and the first
 * signups of the 365 days before them; inlined, the query's own days and the same look-back).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { usersModule } from "../../functions/lib/report/modules/users.ts";
import { DEFAULT_KPI_SETTINGS, type MetricValue } from "../../functions/lib/report/modules.ts";
import { buildLake, dateIn, type LakeSpec, lakeSpec } from "../oracle/ops-lake.ts";

const RUNS_PER_ZONE = 15;
const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
const settings = { ...DEFAULT_KPI_SETTINGS, minSample: 1 };
afterAll(() => rmSync(root, { recursive: true, force: true }));

const EVENT_TYPES = ["signup", "signup", "page_view", "session_start", "content_view", "teleport"];

const lakes = (dates: fc.Arbitrary<string>) =>
  fc.record({
    spec: lakeSpec({
      reportDates: dates,
      // Mostly the window edges that matter to the user KPIs, some anywhere in 95 days.
      activityDays: fc.oneof(
        fc.constantFrom(0, -1, -6, -7, -8, -29, -30, -31, -36, -60, -61, -89, -90),
        fc.integer({ min: -95, max: 1 }),
      ),
      eventTypes: EVENT_TYPES,
      users: { min: 3, max: 20 },
      flawRate: 0.1,
    }),
    /** Which rows arrive late: row i is late when (i × salt) mod 3 = 0. */
    salt: fc.integer({ min: 1, max: 1_000 }),
    kind: fc.constantFrom("day" as const, "week" as const),
  });

let lakeCount = 0;

async function values(
  engine: QueryEngine,
  date: string,
  zone: string,
  kind: "day" | "week",
): Promise<Readonly<Record<string, MetricValue>>> {
  const result = await usersModule.compute({
    engine,
    catalog,
    period: periodContaining(kind, date, zone),
    settings,
    now: new Date(0),
  });
  return result.values;
}

async function compare(
  spec: LakeSpec,
  salt: number,
  kind: "day" | "week",
  zone: string,
  changed: { count: number },
) {
  const { events, orders } = buildLake(spec, zone);
  const late = (i: number) => (i * salt) % 3 === 0;
  const lakeDir = join(root, `lake-${lakeCount++}`);
  mkdirSync(lakeDir);
  await writeLake(lakeDir, {
    events: events.filter((_, i) => !late(i)),
    orders: orders.filter((_, i) => !late(i)),
  });
  const incremental = await createDuckDbEngine({ lakeDir, threads: 1 });
  try {
    const before = await values(incremental, spec.reportDate, zone, kind);
    await writeLake(
      lakeDir,
      { events: events.filter((_, i) => late(i)), orders: orders.filter((_, i) => late(i)) },
      { fileStem: "late-{i}" },
    );
    const after = await values(incremental, spec.reportDate, zone, kind);
    const fromRaw = await createDuckDbEngine({ lakeDir, threads: 1, rollups: false });
    try {
      expect(after).toEqual(await values(fromRaw, spec.reportDate, zone, kind));
    } finally {
      await fromRaw.close();
    }
    if (JSON.stringify(before) !== JSON.stringify(after)) changed.count++;
  } finally {
    await incremental.close();
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

const ZONES = [
  { zone: "Asia/Shanghai", dates: dateIn("2025-12-20", 30) },
  { zone: "America/New_York", dates: dateIn("2026-03-01", 50) },
];

describe("user KPIs with rollups after late data = user KPIs from the raw data", () => {
  for (const { zone, dates } of ZONES) {
    it(`agrees on every metric, day and week, in ${zone} (${RUNS_PER_ZONE} random lakes)`, async () => {
      const changed = { count: 0 };
      await fc.assert(
        fc.asyncProperty(lakes(dates), ({ spec, salt, kind }) =>
          compare(spec, salt, kind, zone, changed),
        ),
        // A fixed seed by default; OPSPULSE_PROPERTY_SEED explores other lakes. Seed
        // 2028366003 (a user who signed up 61 or 72 days before the period and again in it)
        // failed while a rollups-off run knew first signups only inside its windows: both
        // the inlined state and a state made from scratch now look back 365 days.
        { numRuns: RUNS_PER_ZONE, seed: Number(process.env.OPSPULSE_PROPERTY_SEED) || 20261207 },
      );
      // The late data must have moved the numbers on most lakes, or this proves little.
      expect(changed.count).toBeGreaterThan(RUNS_PER_ZONE / 2);
    }, 480_000);
  }
});
