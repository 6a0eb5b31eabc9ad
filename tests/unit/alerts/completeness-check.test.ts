import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import {
  checkCompleteness,
  createCompletenessGate,
} from "../../../functions/lib/alerts/completeness-check.ts";
import { parseConfig } from "../../../functions/lib/config/load.ts";
import { periodContaining, periodWindow } from "../../../functions/lib/kpi/windows.ts";
import { type LakeRow, writeLake } from "../../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import { periodKeyOf } from "../../../functions/lib/report/snapshot.ts";

const tmp = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const catalog = new QueryCatalog();
const HOUR = 3_600_000;
// Shanghai day 2026-03-01 = [02-28 16:00Z, 03-01 16:00Z); its baselines go back to 01-31.
const period = periodContaining("day", "2026-03-01", "Asia/Shanghai");
const RUN = new Date("2026-03-02T00:00:00Z");
const FROM = Date.parse("2026-01-30T00:00:00Z");
const TO = Date.parse("2026-03-02T00:00:00Z");

/** Three events an hour (at :00, :20, :40, the last at :50) and one order an hour. */
function lakeRows(keep: (table: "events" | "orders", at: Date) => boolean = () => true) {
  const events: LakeRow[] = [];
  const orders: LakeRow[] = [];
  for (let t = FROM; t < TO; t += HOUR) {
    for (const minute of [0, 20, 50]) {
      const at = new Date(t + minute * 60_000);
      if (!keep("events", at)) continue;
      events.push({
        event_id: `e${at.getTime()}`,
        event_time: at,
        user_id: `u${(t / HOUR) % 50}`,
        event_type: "page_view",
        channel: "app",
      });
    }
    const at = new Date(t + 30 * 60_000);
    if (!keep("orders", at)) continue;
    orders.push({
      order_id: `o${t}`,
      user_id: "u1",
      order_time: at,
      updated_at: at,
      amount: "10.00",
      currency: "CNY",
      status: "paid",
      channel: "app",
    });
  }
  return { events, orders };
}

async function check(name: string, keep?: Parameters<typeof lakeRows>[0]) {
  const lakeDir = join(tmp, name);
  await writeLake(lakeDir, lakeRows(keep));
  const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  try {
    return await checkCompleteness(engine, catalog, period, RUN);
  } finally {
    await engine.close();
  }
}

const dtOf = (at: Date) => at.toISOString().slice(0, 10);

describe("checkCompleteness on a DuckDB lake", () => {
  it("passes complete data, counting the period's part of each partition", async () => {
    const verdict = await check("complete");
    expect(verdict.issues).toEqual([]);
    expect(verdict.complete).toBe(true);
    expect(verdict.checked).toEqual([
      { table: "events", partition: "2026-02-28", rows: 24, baselineMedian: 24 },
      { table: "events", partition: "2026-03-01", rows: 48, baselineMedian: 48 },
      { table: "orders", partition: "2026-02-28", rows: 8, baselineMedian: 8 },
      { table: "orders", partition: "2026-03-01", rows: 16, baselineMedian: 16 },
    ]);
    expect(verdict.stats?.rows).toBe(20); // 2 tables × 2 partitions × (1 + 4 weeks)
  });

  it("finds a deleted events partition", async () => {
    const verdict = await check(
      "missing",
      (table, at) => !(table === "events" && dtOf(at) === "2026-03-01"),
    );
    expect(verdict.complete).toBe(false);
    expect(verdict.issues.map((i) => [i.table, i.partition, i.kind, i.rows])).toEqual([
      ["events", "2026-03-01", "missing_partition", 0],
      ["events", "2026-03-01", "stale_data", 24],
    ]);
    expect(verdict.issues[0]?.message).toContain("had a median of 48");
  });

  it("finds a thin partition: a third of the events of the same hours on past Sundays", async () => {
    const verdict = await check(
      "thin",
      (table, at) => table === "orders" || dtOf(at) !== "2026-03-01" || at.getUTCMinutes() === 0,
    );
    expect(verdict.issues).toMatchObject([
      {
        table: "events",
        partition: "2026-03-01",
        kind: "thin_partition",
        rows: 16,
        expectedRows: 48,
      },
    ]);
  });

  it("finds stale data: events stopped four hours before the day ended", async () => {
    const stop = Date.parse("2026-03-01T12:00:00Z");
    const verdict = await check("stale", (table, at) => table === "orders" || at.getTime() < stop);
    expect(verdict.issues).toMatchObject([
      {
        table: "events",
        partition: "2026-03-01",
        kind: "stale_data",
        newestTime: "2026-03-01T11:50:00.000Z",
      },
    ]);
  });
});

describe("createCompletenessGate: the report's gate before evaluation", () => {
  const gateOn = async (name: string, alerts: string, keep?: Parameters<typeof lakeRows>[0]) => {
    const lakeDir = join(tmp, name);
    await writeLake(lakeDir, lakeRows(keep));
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      const config = parseConfig([{ file: "alerts.yaml", text: alerts }], "config");
      return await createCompletenessGate({ engine, catalog }).check({
        request: { report: "daily", date: "2026-03-01" },
        runId: "run-1",
        period,
        periodKey: periodKeyOf(period),
        window: periodWindow(period),
        config,
        now: RUN,
      });
    } finally {
      await engine.close();
    }
  };

  it("names the incomplete table, partition and counts in the managers' notice", async () => {
    const result = await gateOn(
      "gate-thin",
      "",
      (table, at) => table === "orders" || dtOf(at) !== "2026-03-01" || at.getUTCMinutes() === 0,
    );
    expect(result.issues.map((i) => [i.table, i.partition, i.kind])).toEqual([
      ["events", "2026-03-01", "thin_partition"],
    ]);
    expect(result.stats?.map((s) => s.query)).toEqual(["completeness"]);
    expect(result.notices).toHaveLength(1);
    expect(result.notices?.[0]?.text.en).toBe(
      'Data incomplete: events dt=2026-03-01 thin: 16 rows, median of past weeks 48. The KPIs marked "data incomplete" read this data: they may be understated and were not judged against their targets; on-call has been told. Re-run once the data has arrived: opspulse run daily --date 2026-03-01 --resend',
    );
    expect(result.notices?.[0]?.text["zh-CN"]).toContain("数据不完整：events dt=2026-03-01");
  });

  it("has nothing to say about complete data", async () => {
    const result = await gateOn("gate-complete", "");
    expect(result.issues).toEqual([]);
    expect(result.notices).toEqual([]);
  });

  it("checks nothing when alerts.yaml switches it off", async () => {
    const result = await gateOn("gate-off", "completeness:\n  enabled: false\n", () => false);
    expect(result).toEqual({ issues: [] });
  });
});
