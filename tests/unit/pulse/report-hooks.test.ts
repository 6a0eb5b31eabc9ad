import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { defaultConfig } from "../../../functions/lib/config/load.ts";
import { writeLake } from "../../../functions/lib/lake/writer.ts";
import type { QueryEngine } from "../../../functions/lib/ports.ts";
import { createHourlyRollupsHook } from "../../../functions/lib/pulse/report-hooks.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import type { AfterSnapshotContext } from "../../../functions/lib/report/run-hooks.ts";
import * as rows from "../../support/rows.ts";

const lakeDir = mkdtempSync(join(tmpdir(), "opspulse-hourly-"));
let engine: QueryEngine;
beforeAll(async () => {
  await writeLake(lakeDir, {
    events: [rows.event("e1", "2026-03-09T02:00:00Z", "a")],
    orders: [rows.order("o1", "2026-03-09T03:00:00Z", "1.00")],
  });
  engine = await createDuckDbEngine({ lakeDir, threads: 1 });
});
afterAll(async () => {
  await engine?.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

const context = (dryRun: boolean, timeZone = "Asia/Shanghai") =>
  ({
    period: { kind: "day", start: "2026-03-09", end: "2026-03-09", timeZone },
    config: defaultConfig(),
    now: new Date("2026-03-10T00:00:00Z"),
    dryRun,
  }) as AfterSnapshotContext;

it("a daily run keeps the hourly rollups of its day (not in a dry run or another zone)", async () => {
  const hook = createHourlyRollupsHook({ engine, catalog: new QueryCatalog() });
  const day = (rollup: string) => join(lakeDir, "rollups", rollup, "local_date=2026-03-09");
  expect(await hook.run(context(true))).toBeUndefined();
  expect(await hook.run(context(false, "America/New_York"))).toBeUndefined();
  expect(existsSync(day("event_hour"))).toBe(false);
  const result = await hook.run(context(false));
  // One staged read of each raw table builds the hourly rollups (and, on this lake without
  // rollups, the other day rollups of the table along with them).
  const queries = result?.stats?.map((s) => s.query) ?? [];
  expect(queries.filter((q) => q.startsWith("rollup_source_"))).toEqual([
    "rollup_source_events",
    "rollup_source_orders",
  ]);
  expect(queries).toEqual(expect.arrayContaining(["rollup_event_hour", "rollup_order_hour"]));
  expect(existsSync(join(day("event_hour"), "_manifest.json"))).toBe(true);
  expect(existsSync(join(day("order_hour"), "_manifest.json"))).toBe(true);
  // Fresh now: the next run builds nothing.
  expect((await hook.run(context(false)))?.stats).toEqual([]);
});
