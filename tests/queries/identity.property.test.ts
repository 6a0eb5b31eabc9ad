/**
 * Property test of the identity map (shared/kpi-spec.md, "Identity"): on random small lakes
 * with a random `identities` table — merges of two or three ids into one person (another
 * user's id or a fresh person id), mappings that start inside the windows, mappings with a
 * `valid_to` after which the id is its own person again or maps to someone else, ids left
 * unmapped — the users module gives exactly the numbers of the independent oracle run on
 * the rows mapped by the contract's text (tests/oracle/identities.ts).
 *
 * Half the lakes get their map late: the runs first keep their rollups and per-user state
 * without it, then the map lands and the next run must give the mapped figures (the days it
 * covers rebuilt, the state made again). The lakes of user-kpis.property.test.ts have no
 * map: there every figure is the unmapped one, as before the table existed.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { USER_KPI_IDS } from "../../functions/lib/kpi/user-kpis.ts";
import { addDays, localMidnightUtc, periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { usersModule } from "../../functions/lib/report/modules/users.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { mapEvents, mapOrders, type OracleIdentity } from "../oracle/identities.ts";
import { oracleUserKpis } from "../oracle/user-kpis.ts";
import { runsPerBatch } from "../support/property-coverage.ts";
import {
  buildLake,
  dateIn,
  dayOffset,
  type LakeSpec,
  lakeSpec,
  second,
} from "../support/user-kpi-lake.ts";
import { seedUserState } from "../support/user-state.ts";

/** 100 lakes per zone, 200 in all (OPSPULSE_PROPERTY_RUNS raises it). */
const RUNS_PER_ZONE = runsPerBatch(100);
const tempRoot = mkdtempSync(join(tmpdir(), "opspulse-identity-"));
const catalog = new QueryCatalog();
const settings = { ...DEFAULT_KPI_SETTINGS, minSample: 1 };
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

const EXACT = new Set(["new_users", "wau", "mau", "orders", "gmv", "paying_users"]);

/** One source id's mapping: to another user's id or a fresh person, maybe ending. */
interface MappingSpec {
  readonly source: number;
  readonly target: { readonly user: number } | { readonly person: number };
  /** Day offset of valid_from from D (null: since long before the lake). */
  readonly fromOffset: number | null;
  readonly fromSecond: number;
  /** Days until valid_to (null: still holds). */
  readonly days: number | null;
  /** After valid_to, the id maps to this target (null: it is its own person again). */
  readonly afterwards: { readonly user: number } | { readonly person: number } | null;
}

const target = fc.oneof(fc.record({ user: fc.nat(40) }), fc.record({ person: fc.nat(3) }));
const mappingSpec: fc.Arbitrary<MappingSpec> = fc.record({
  source: fc.nat(40),
  target,
  fromOffset: fc.option(dayOffset, { freq: 2 }),
  fromSecond: second,
  days: fc.option(fc.integer({ min: 1, max: 60 }), { freq: 2 }),
  afterwards: fc.option(target, { freq: 2 }),
});

const lakes = (dates: fc.Arbitrary<string>) =>
  fc.record({
    spec: lakeSpec(dates),
    mappings: fc.array(mappingSpec, { minLength: 1, maxLength: 14 }),
    arrival: fc.constantFrom("with_the_data" as const, "late" as const),
    kind: fc.constantFrom("day" as const, "week" as const),
  });

/** The identities rows of the specs (one source id's rows never overlap). */
function identityRows(spec: LakeSpec, mappings: readonly MappingSpec[], zone: string) {
  const users = spec.users.length;
  const idOf = (t: MappingSpec["target"]) => ("user" in t ? `u${t.user % users}` : `p${t.person}`);
  const rows: OracleIdentity[] = [];
  const seen = new Set<string>();
  for (const mapping of mappings) {
    const source = `u${mapping.source % users}`;
    if (seen.has(source)) continue;
    seen.add(source);
    const from =
      mapping.fromOffset === null
        ? new Date("2020-01-01T00:00:00Z")
        : new Date(
            localMidnightUtc(addDays(spec.reportDate, mapping.fromOffset), zone).getTime() +
              mapping.fromSecond * 1000,
          );
    const to = mapping.days === null ? null : new Date(from.getTime() + mapping.days * 86_400_000);
    const channel = ["app", "web", "wecom", "orders"][mapping.source % 4] ?? "app";
    rows.push({
      source: channel,
      source_user_id: source,
      user_id: idOf(mapping.target),
      valid_from: from,
      valid_to: to,
    });
    if (to !== null && mapping.afterwards !== null) {
      rows.push({
        source: channel,
        source_user_id: source,
        user_id: idOf(mapping.afterwards),
        valid_from: to,
        valid_to: null,
      });
    }
  }
  return rows;
}

async function userKpis(engine: QueryEngine, date: string, zone: string, kind: "day" | "week") {
  const { values } = await usersModule.compute({
    engine,
    catalog,
    period: periodContaining(kind, date, zone),
    settings,
    now: new Date(0),
  });
  return values;
}

let lakeCounter = 0;
const mergedPeopleSeen = { lakes: 0 };

async function compareOnLake(
  input: {
    spec: LakeSpec;
    mappings: readonly MappingSpec[];
    arrival: string;
    kind: "day" | "week";
  },
  zone: string,
) {
  const { spec, kind } = input;
  const { events, orders, firstDay } = buildLake(spec, zone);
  const identities = identityRows(spec, input.mappings, zone);
  const lakeDir = join(tempRoot, `lake-${lakeCounter++}`);
  mkdirSync(lakeDir);
  const late = input.arrival === "late";
  await writeLake(lakeDir, { events, orders, ...(late ? {} : { identities }) });
  const seedTo = addDays(spec.reportDate, 7);
  try {
    if (late) {
      // The runs before the map landed: rollups and per-user state of unmapped ids.
      const before = await createDuckDbEngine({ lakeDir, threads: 1 });
      try {
        await seedUserState(before, catalog, firstDay, seedTo, zone);
        await userKpis(before, spec.reportDate, zone, kind);
      } finally {
        await before.close();
      }
      await writeLake(lakeDir, { identities }, { overwrite: true });
    }
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      if (!late) await seedUserState(engine, catalog, firstDay, seedTo, zone);
      const values = await userKpis(engine, spec.reportDate, zone, kind);
      const expected = oracleUserKpis(
        mapEvents(events, identities),
        mapOrders(orders, identities),
        {
          kind,
          date: spec.reportDate,
          timeZone: zone,
          minSample: settings.minSample,
          privateChannels: settings.privateDomainChannels,
        },
      );
      const unmapped = oracleUserKpis(events, orders, {
        kind,
        date: spec.reportDate,
        timeZone: zone,
        minSample: settings.minSample,
        privateChannels: settings.privateDomainChannels,
      });
      if (JSON.stringify(expected) !== JSON.stringify(unmapped)) mergedPeopleSeen.lakes++;
      for (const id of USER_KPI_IDS[kind]) {
        const actual = values[id]?.value ?? null;
        const wanted = expected[id] ?? null;
        const context = `${id} (${kind} ${spec.reportDate} ${zone}, map ${input.arrival}): module ${actual}, oracle ${wanted}`;
        if (wanted === null || actual === null || EXACT.has(id)) {
          expect(actual, context).toBe(wanted);
        } else {
          expect(Math.abs(actual - wanted), context).toBeLessThanOrEqual(
            1e-9 * Math.max(1, Math.abs(wanted)),
          );
        }
      }
    } finally {
      await engine.close();
    }
  } finally {
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

const ZONES = [
  { zone: "Asia/Shanghai", dates: dateIn("2025-12-20", 30) },
  { zone: "America/New_York", dates: dateIn("2026-03-01", 50) },
];

describe("user KPIs with an identity map: SQL on DuckDB vs the oracle on mapped rows", () => {
  for (const { zone, dates } of ZONES) {
    it(`agrees on every metric, map with the data or late, in ${zone} (${RUNS_PER_ZONE} random lakes)`, async () => {
      mergedPeopleSeen.lakes = 0;
      await fc.assert(
        fc.asyncProperty(lakes(dates), (input) => compareOnLake(input, zone)),
        { numRuns: RUNS_PER_ZONE, seed: Number(process.env.OPSPULSE_PROPERTY_SEED) || undefined },
      );
      // The map must have moved the figures on most lakes, or this proves little.
      expect(mergedPeopleSeen.lakes).toBeGreaterThan(RUNS_PER_ZONE / 2);
    }, 1_800_000);
  }
});
