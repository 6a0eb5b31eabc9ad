/**
 * queries/identity_coverage.sql on tiny rows, and the metric it feeds
 * (functions/lib/kpi/identity-coverage.ts): an id is mapped when a mapping is valid at one of
 * its events of the period, a paid order when its buyer id is mapped at its order_time; a
 * lake without a map has no coverage to judge.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { identityCoverage } from "../../functions/lib/kpi/identity-coverage.ts";
import { periodContaining, periodWindow } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { identityCoverageOf } from "../../functions/lib/report/modules/identity-coverage.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-coverage-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const catalog = new QueryCatalog();
const ZONE = "Asia/Shanghai";
// 1 March 2026 in Shanghai: 28 Feb 16:00 UTC to 1 March 16:00 UTC.
const bounds = periodWindow(periodContaining("day", "2026-03-01", ZONE));

let n = 0;
const event = (user: string, utc: string, type = "page_view") => ({
  event_id: `e${n++}`,
  event_time: new Date(utc),
  user_id: user,
  event_type: type,
  channel: "web",
});
const paid = (id: string, user: string, utc: string) => ({
  order_id: id,
  user_id: user,
  order_time: new Date(utc),
  updated_at: new Date(utc),
  amount: "10.00",
  currency: "CNY",
  status: "paid",
});

const EVENTS = [
  event("web_1", "2026-03-01T02:00:00Z"),
  event("web_2", "2026-03-01T01:00:00Z"), // before its mapping starts
  event("web_2", "2026-03-01T09:00:00Z"), // mapped: the id counts as mapped once
  event("app_3", "2026-03-01T03:00:00Z"),
  event("app_4", "2026-03-01T03:00:00Z", "teleport"), // not a valid event: not active
  event("web_1", "2026-03-02T03:00:00Z"), // another day
];
const ORDERS = [
  paid("o1", "web_1", "2026-03-01T02:30:00Z"),
  paid("o2", "web_2", "2026-03-01T01:30:00Z"), // before web_2's mapping
  paid("o3", "app_3", "2026-03-01T04:00:00Z"),
];
const MAP = [
  {
    source: "web",
    source_user_id: "web_1",
    user_id: "p1",
    valid_from: new Date("2026-01-01T00:00:00Z"),
    valid_to: null,
  },
  {
    source: "web",
    source_user_id: "web_2",
    user_id: "p2",
    valid_from: new Date("2026-03-01T08:00:00Z"),
    valid_to: null,
  },
];

describe("identity_coverage.sql", () => {
  it("counts the period's active ids and paid orders, and those mapped at their time", async () => {
    const lakeDir = join(root, "mapped");
    await writeLake(lakeDir, { events: EVENTS, orders: ORDERS, identities: MAP });
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      const coverage = await identityCoverageOf(engine, catalog, bounds, { minSample: 1 });
      expect(coverage.counts).toEqual({
        mappingRows: 2,
        activeIds: 3,
        mappedActiveIds: 2,
        paidOrders: 3,
        mappedPaidOrders: 1,
      });
      expect(coverage.value).toMatchObject({ value: 3 / 6, numerator: 3, denominator: 6 });
    } finally {
      await engine.close();
    }
  });

  it("has no coverage to judge on a lake without a map", async () => {
    const lakeDir = join(root, "unmapped");
    await writeLake(lakeDir, { events: EVENTS, orders: ORDERS });
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      const coverage = await identityCoverageOf(engine, catalog, bounds, { minSample: 1 });
      expect(coverage.counts.mappingRows).toBe(0);
      expect(coverage.value).toEqual({ value: null, reason: "no_data" });
    } finally {
      await engine.close();
    }
  });

  it("reports a small period as insufficient data, like every ratio", () => {
    const counts = {
      mappingRows: 5,
      activeIds: 3,
      mappedActiveIds: 1,
      paidOrders: 0,
      mappedPaidOrders: 0,
    };
    expect(identityCoverage(counts, { minSample: 100 })).toMatchObject({
      value: null,
      reason: "insufficient_sample",
    });
  });
});
