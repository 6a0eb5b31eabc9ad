/**
 * Late data through the users module with rollups on: a late refund of an order placed days
 * before, and a late event file in a past partition, change the next run's numbers for the
 * windows that hold them, and that run reads only the raw partitions that changed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import type { OrderRow } from "../../functions/lib/contract/schema.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryStats } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { usersModule } from "../../functions/lib/report/modules/users.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import * as rows from "../support/rows.ts";

const ZONE = "Asia/Shanghai";
const D = "2026-03-10";
const lakeDir = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;

const event = (id: string, user: string, utc: string) => rows.event(id, utc, user);
const order = (
  id: string,
  user: string,
  utc: string,
  status: OrderRow["status"],
  updatedUtc = utc,
) => rows.order(id, utc, "10.00", { user_id: user, status, updated_at: updatedUtc });

beforeAll(async () => {
  await writeLake(lakeDir, {
    events: [event("e1", "a", "2026-03-10T02:00:00Z"), event("e2", "b", "2026-03-01T02:00:00Z")],
    // a buys on 5 March and on D: a repeat customer of the 90 days ending D.
    orders: [
      order("o1", "a", "2026-03-05T02:00:00Z", "paid"),
      order("o2", "a", "2026-03-10T02:00:00Z", "paid"),
    ],
  });
  engine = await createDuckDbEngine({ lakeDir, threads: 1 });
});
afterAll(async () => {
  await engine.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

async function daily() {
  const { values, stats } = await usersModule.compute({
    engine,
    catalog,
    period: periodContaining("day", D, ZONE),
    settings: { ...DEFAULT_KPI_SETTINGS, minSample: 1 },
    now: new Date("2026-03-11T00:00:00Z"),
  });
  // The run ends: the next one reads its raw files itself (nothing staged is kept).
  await engine.endRun();
  const raw = (table: string) =>
    stats
      .filter((s: QueryStats) => s.query.startsWith("rollup_"))
      .reduce((sum, s) => sum + (s.partitionsRead?.[table] ?? 0), 0);
  return {
    mau: values.mau?.value,
    repurchase: values.repurchase_rate?.value,
    rawEvents: raw("events"),
    rawOrders: raw("orders"),
  };
}

describe("late data with rollups on", () => {
  it("changes the next run's numbers for the window, reading only the changed partitions", async () => {
    const first = await daily();
    expect(first).toMatchObject({ mau: 2, repurchase: 1 });

    // Nothing new: the run reads no raw partition at all.
    expect(await daily()).toEqual({ ...first, rawEvents: 0, rawOrders: 0 });

    // A refund of o1 arrives four days late, with o1's order_time: dt=2026-03-05.
    await writeLake(
      lakeDir,
      { orders: [order("o1", "a", "2026-03-05T02:00:00Z", "refunded", "2026-03-09T02:00:00Z")] },
      { fileStem: "late-refund-{i}" },
    );
    // A late event file in dt=2026-02-20 (local 20 and 21 February): c was active then.
    await writeLake(
      lakeDir,
      { events: [event("e3", "c", "2026-02-20T05:00:00Z")] },
      { fileStem: "late-events-{i}" },
    );
    const after = await daily();
    expect(after.repurchase).toBe(0); // a has one paid order left in the 90 days
    expect(after.mau).toBe(3); // c joins the 30 days ending D (from 9 Feb)
    // Only the changed dt partitions were read again (one each): a user_day row depends on
    // its own day alone, and MAU comes from the daily activity state, rebuilt from them.
    expect([after.rawEvents, after.rawOrders]).toEqual([1, 1]);
  });
});
