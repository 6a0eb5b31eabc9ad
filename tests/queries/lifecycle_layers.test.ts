/**
 * Fixture test of queries/lifecycle_layers.sql: hand-placed users around the edges of the
 * 7/30/90-day windows ending Sunday 2026-03-08 (Asia/Shanghai) and the Sunday before.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { lifecycleRow } from "../../functions/lib/report/modules/segments.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { eventRow } from "../oracle/ops-lake.ts";

const lakeDir = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;

/** An instant given in Shanghai local time. */
const local = (dateTime: string) => new Date(`${dateTime}+08:00`);
const signup = (user: string, dateTime: string) =>
  eventRow({ user_id: user, event_type: "signup", event_time: local(dateTime) });
const visit = (user: string | null, dateTime: string) =>
  eventRow({ user_id: user, event_type: "page_view", event_time: local(dateTime) });

beforeAll(async () => {
  await writeLake(lakeDir, {
    events: [
      signup("n1", "2026-03-05T10:00:00"), // new now
      signup("n2", "2026-03-02T00:00:00"), // new now: first second of D-6
      signup("n3", "2026-03-01T23:59:59"), // new last week; dormant now
      signup("r1", "2026-02-10T09:00:00"), // signed up again 22 days later: not new again
      signup("r1", "2026-03-04T09:00:00"), // → active now, dormant last week
      // Signed up again 42 days later: still not new again (the first signup ever counts).
      signup("r2", "2026-01-20T09:00:00"),
      signup("r2", "2026-03-03T09:00:00"), // → active now, churned last week
      visit("a1", "2026-03-08T23:59:59"), // active now (last second of D)
      visit("d1", "2026-02-10T12:00:00"), // dormant both weeks
      visit("c1", "2025-12-09T00:00:00"), // churned now (first second of D-89) and last week
      visit("c2", "2025-12-08T23:59:59"), // gone now (before D-89), churned last week
      visit("later", "2026-03-09T00:00:00"), // after D: not counted
      visit(null, "2026-03-05T10:00:00"), // no user: not activity
    ],
  });
  engine = await createDuckDbEngine({ lakeDir, threads: 1 });
});
afterAll(async () => {
  await engine.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

describe("lifecycle_layers.sql", () => {
  it("counts each layer at the Sunday and at the Sunday before", async () => {
    const week = periodContaining("week", "2026-03-08", "Asia/Shanghai");
    // Over the `user_day` rollups of its window, built by this call.
    const { row } = await lifecycleRow({
      engine,
      catalog,
      period: week,
      settings: DEFAULT_KPI_SETTINGS,
      now: new Date(0),
    });
    expect([row]).toEqual([
      {
        current_new: 2, // n1, n2
        current_active: 3, // r1, a1, r2
        current_dormant: 2, // n3, d1
        current_churned: 1, // c1
        previous_new: 1, // n3
        previous_active: 0,
        previous_dormant: 2, // r1, d1
        previous_churned: 3, // r2, c1, c2
      },
    ]);
  });
});
