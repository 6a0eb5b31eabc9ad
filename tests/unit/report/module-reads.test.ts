/**
 * Each KPI module declares the tables it reads (`KpiModule.reads`): the completeness gate
 * marks its metrics "data incomplete" from that list. This test keeps the list true: it runs
 * every registered module on a small generated lake, records the queries it runs, and
 * compares the logical tables those query files read with the declaration.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { periodContaining } from "../../../functions/lib/kpi/windows.ts";
import { generateLake } from "../../../functions/lib/lake/generator.ts";
import type { QueryEngine } from "../../../functions/lib/ports.ts";
import { loadSources, QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import type { QueryFile } from "../../../functions/lib/query/query-file.ts";
import { ALL_MODULES } from "../../../functions/lib/report/modules/index.ts";
import { DEFAULT_KPI_SETTINGS } from "../../../functions/lib/report/modules.ts";
import { ROLLUPS, rollupSpec } from "../../../functions/lib/rollups/schema.ts";
import { USER_STATE } from "../../../functions/lib/rollups/user-state.ts";
import { weeklyStateSpec } from "../../../functions/lib/rollups/weekly-state.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const lakeDir = join(root, "lake");
const catalog = new QueryCatalog();
const SOURCES = loadSources().map((source) => source.name);
let engine: QueryEngine;

beforeAll(async () => {
  await generateLake({ seed: 5, days: 40, endDate: "2026-03-08", users: 400, lakeDir });
  engine = await createDuckDbEngine({ lakeDir, threads: 1 });
});
afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

/** The logical tables a query file reads: `from <table>` / `join <table>`, comments aside. */
function tablesOf(query: QueryFile): string[] {
  const sql = query.sql.replaceAll(/--.*$/gm, "");
  const named = [...sql.matchAll(/\b(?:from|join)\s+([a-z_][a-z0-9_]*)/gi)].map((m) =>
    (m[1] ?? "").toLowerCase(),
  );
  // A rollup is read for its raw table: that is the table whose completeness matters.
  // The per-user state is folded from user_day, itself built from the events; a weekly
  // state is carried from its day rollup.
  const rawOf = (name: string) => {
    const weekly = weeklyStateSpec(name);
    return weekly ? ROLLUPS[weekly.source].rawTable : undefined;
  };
  const tables = named.map(
    (name) => rollupSpec(name)?.rawTable ?? rawOf(name) ?? (name === USER_STATE ? "events" : name),
  );
  return SOURCES.filter((source) => tables.includes(source));
}

describe("KpiModule.reads", () => {
  it("finds the tables in the query text (the helper this test relies on)", () => {
    expect(
      tablesOf({
        name: "t",
        params: [],
        sql: "-- reads from content\nwith orders_cte as (select * from orders o join events e on true)\nselect * from orders_cte",
      }),
    ).toEqual(["events", "orders"]);
  });

  for (const module of ALL_MODULES) {
    it(`lists exactly the tables the ${module.id} module's queries read`, async () => {
      const ran: QueryFile[] = [];
      const recording: QueryEngine = {
        ...engine,
        dialect: engine.dialect,
        run: (query, params) => {
          ran.push(query);
          return engine.run(query, params);
        },
        close: async () => {},
      };
      for (const kind of module.periods) {
        await module.compute({
          engine: recording,
          catalog,
          period: periodContaining(kind, "2026-03-04", "Asia/Shanghai"),
          settings: DEFAULT_KPI_SETTINGS,
          now: new Date("2026-03-09T00:05:00Z"),
        });
      }
      expect(ran.length).toBeGreaterThan(0);
      const read = [...new Set(ran.flatMap(tablesOf))].sort();
      expect(module.reads, `declare reads: [${read.join(", ")}] on ${module.id}`).toBeDefined();
      expect([...(module.reads ?? [])].sort()).toEqual(read);
    });
  }
});
