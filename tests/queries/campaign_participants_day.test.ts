/**
 * Fixture test of queries/campaign_participants_day.sql: the users who joined a campaign on
 * the local day D = 2026-03-17 (Asia/Shanghai), over the campaign_user_day rollup built
 * inline from raw events; no campaign running that day gives no value.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { loadSources, QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { campaignJoinsModule } from "../../functions/lib/report/modules/campaign-joins.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { event } from "../support/rows.ts";

const ZONE = "Asia/Shanghai";
const join_ = (id: string, at: string, user: string, campaign: string | null) =>
  event(id, at, user, { event_type: "campaign_join", campaign_id: campaign });

const EVENTS = [
  // D: u1 joins k1 twice and k2 (one user), u2 joins k1 at 23:59:59 local.
  join_("j1", "2026-03-17T01:00:00Z", "u1", "k1"),
  join_("j2", "2026-03-17T02:00:00Z", "u1", "k1"),
  join_("j3", "2026-03-17T03:00:00Z", "u1", "k2"),
  join_("j4", "2026-03-17T15:59:59Z", "u2", "k1"),
  // Not counted: a join whose campaign_id was lost, and u3's join at 03-18 00:00 local.
  join_("j5", "2026-03-17T04:00:00Z", "u4", null),
  join_("j6", "2026-03-17T16:00:00Z", "u3", "k1"),
];
const campaign = (id: string, start: string, end: string) => ({
  id,
  name: id,
  type: "viral",
  start_date: start,
  end_date: end,
  cost: "10.00",
});

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
let engine: QueryEngine;
beforeAll(async () => {
  await writeLake(root, {
    events: EVENTS,
    campaigns: [
      campaign("k1", "2026-03-10", "2026-03-17"),
      campaign("k2", "2026-03-01", "2026-03-05"),
    ],
  });
  engine = await createDuckDbEngine({ lakeDir: root, sources: loadSources(), rollups: false });
});
afterAll(async () => {
  await engine.close();
  rmSync(root, { recursive: true, force: true });
});

const compute = (date: string) =>
  campaignJoinsModule.compute({
    engine,
    catalog: new QueryCatalog(),
    period: periodContaining("day", date, ZONE),
    settings: DEFAULT_KPI_SETTINGS,
    now: new Date("2026-03-20T00:00:00Z"),
  });

describe("queries/campaign_participants_day.sql", () => {
  it("counts the distinct users who joined a campaign that local day", async () => {
    const result = await compute("2026-03-17");
    expect(result.values.campaign_participants).toEqual({ value: 2 });
  });

  it("has no value on a day no campaign runs", async () => {
    const result = await compute("2026-03-18");
    expect(result.values.campaign_participants).toEqual({ value: null, reason: "no_data" });
  });
});
