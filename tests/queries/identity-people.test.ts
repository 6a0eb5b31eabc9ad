/**
 * Beyond the user KPIs, every user-level figure counts persons once the identity map says
 * two ids are one (shared/kpi-spec.md, "Identity"): a campaign's participants and converted
 * participants (campaign_user_day and order_day are built from mapped records), on stored
 * rollups and with rollups off alike; the lake without the map counts ids, as before.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { computeCampaignSnapshots } from "../../functions/lib/report/modules/campaigns.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { buildParams } from "../../functions/lib/rollups/refresh.ts";
import { ROLLUPS } from "../../functions/lib/rollups/schema.ts";
import { eventRow, orderRow } from "../oracle/ops-lake.ts";

const ZONE = "Asia/Shanghai";
const D = "2026-03-10";
const root = mkdtempSync(join(tmpdir(), "opspulse-people-"));
const catalog = new QueryCatalog();
const settings = { ...DEFAULT_KPI_SETTINGS, minSample: 1 };
afterAll(() => rmSync(root, { recursive: true, force: true }));

const local = (dateTime: string) => new Date(`${dateTime}+08:00`);
const join_ = (user: string, dateTime: string) =>
  eventRow({
    event_id: `join-${user}-${dateTime}`,
    event_type: "campaign_join",
    campaign_id: "k1",
    user_id: user,
    event_time: local(dateTime),
  });
const CAMPAIGNS = [
  {
    id: "k1",
    name: "Spring",
    type: "conversion",
    start_date: "2026-03-08",
    end_date: "2026-03-20",
    cost: "100.00",
  },
];
// One person joins on the web and in the app and buys in the app; another joins once.
const EVENTS = [
  join_("web_1", "2026-03-08T10:00:00"),
  join_("app_1", "2026-03-09T10:00:00"),
  join_("app_2", "2026-03-09T11:00:00"),
];
const ORDERS = [
  orderRow({
    order_id: "o1",
    user_id: "app_1",
    order_time: local("2026-03-09T12:00:00"),
    amount: "50.00",
    campaign_id: "k1",
  }),
];
const MAP = [
  {
    source: "web",
    source_user_id: "web_1",
    user_id: "app_1",
    valid_from: new Date("2026-01-01T00:00:00Z"),
    valid_to: null,
  },
];

async function participants(engine: QueryEngine) {
  const result = await computeCampaignSnapshots({
    engine,
    catalog,
    period: periodContaining("day", D, ZONE),
    settings,
    now: new Date("2026-03-11T00:00:00Z"),
  });
  return result.snapshots.map((s) => ({
    participants: s.counts.participants,
    converted: s.counts.convertedParticipants,
  }));
}

describe("campaign participants count persons", () => {
  it.each([true, false])(
    "with the map (rollups %s): two ids of one person join once",
    async (rollups) => {
      const lakeDir = join(root, `mapped-${rollups}`);
      await writeLake(lakeDir, {
        events: EVENTS,
        orders: ORDERS,
        campaigns: CAMPAIGNS,
        identities: MAP,
      });
      const engine = await createDuckDbEngine({ lakeDir, threads: 1, rollups });
      try {
        expect(await participants(engine)).toEqual([{ participants: 2, converted: 1 }]);
      } finally {
        await engine.close();
      }
    },
  );

  it("without the map every id is its own participant, as before", async () => {
    const lakeDir = join(root, "unmapped");
    await writeLake(lakeDir, { events: EVENTS, orders: ORDERS, campaigns: CAMPAIGNS });
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      expect(await participants(engine)).toEqual([{ participants: 3, converted: 1 }]);
    } finally {
      await engine.close();
    }
  });
});

describe("the anomaly drivers' channel users are persons", () => {
  it("builds channel_user_day from mapped events: a join under a person's second id is that person's", async () => {
    const lakeDir = join(root, "channels");
    await writeLake(lakeDir, {
      events: EVENTS,
      orders: ORDERS,
      campaigns: CAMPAIGNS,
      identities: MAP,
    });
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      const spec = ROLLUPS.channel_user_day;
      const { rows } = await engine.run(
        catalog.get(spec.buildQuery),
        buildParams(spec, ["2026-03-08", "2026-03-09"], { timeZone: ZONE, settings }),
      );
      // web_1 is app_1's web id: its join on 8 March is app_1's, not a third user's (the
      // joins carry no channel: 'unknown').
      expect(rows.map((r) => `${r.local_date} ${r.channel} ${r.user_id}`).sort()).toEqual([
        "2026-03-08 unknown app_1",
        "2026-03-09 unknown app_1",
        "2026-03-09 unknown app_2",
      ]);
    } finally {
      await engine.close();
    }
  });
});
