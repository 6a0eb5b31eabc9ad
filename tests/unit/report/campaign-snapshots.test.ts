/**
 * Campaign ROI snapshots through the report use case: a daily run on a small generated lake
 * stores one immutable document per running campaign and a final one for the campaign that
 * ended the day before; a re-run adds revisions; the JSON Lines history gives a campaign's
 * ROI curve with one DuckDB query.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { createFsSnapshotStore, createFsStores } from "../../../functions/lib/adapters/fs-store.ts";
import { createOutboxMailer } from "../../../functions/lib/adapters/outbox-mailer.ts";
import { parseConfig } from "../../../functions/lib/config/load.ts";
import { generateLake } from "../../../functions/lib/lake/generator.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import {
  CAMPAIGN_SNAPSHOTS_REPORT,
  createCampaignSnapshotsHook,
  type StoredCampaignSnapshot,
} from "../../../functions/lib/report/campaign-snapshots.ts";
import { campaignsModule } from "../../../functions/lib/report/modules/campaigns.ts";
import { type RunReportDeps, runReport } from "../../../functions/lib/report/run-report.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const lakeDir = join(root, "lake");
const out = join(root, "out");
const config = parseConfig(
  [
    {
      file: "recipients.yaml",
      text: "sender: OpsPulse <reports@example.com>\nreports:\n  daily:\n    - { name: managers, to: [boss@example.com] }\n",
    },
  ],
  "config",
);
let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;
let deps: RunReportDeps;
const store = createFsSnapshotStore({ dir: join(out, "snapshots") });

beforeAll(async () => {
  // Campaigns of this lake: cmp_0002 runs 2026-02-23 … 03-07, cmp_0003 03-04 … 03-17.
  await generateLake({ seed: 11, days: 45, endDate: "2026-03-08", users: 3000, lakeDir });
  engine = await createDuckDbEngine({ lakeDir, threads: 2 });
  deps = {
    engine,
    catalog: new QueryCatalog(),
    ...createFsStores(out),
    snapshots: store,
    mailer: createOutboxMailer({ dir: join(out, "outbox"), clock: { now: () => new Date() } }),
    clock: { now: () => new Date("2026-03-09T01:00:00Z") },
    config,
    modules: [campaignsModule],
    afterSnapshot: [createCampaignSnapshotsHook(store)],
  };
  for (const date of ["2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08"]) {
    await runReport(deps, { report: "daily", date, deliver: false });
  }
});
afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

const documentOf = async (key: string) =>
  (await store.latest(CAMPAIGN_SNAPSHOTS_REPORT, key)) as StoredCampaignSnapshot | undefined;

describe("campaign snapshot documents", () => {
  it("stores one per running campaign, and a final one the day after a campaign ends", async () => {
    const running = await documentOf("cmp_0003/2026-03-08");
    const final = await documentOf("cmp_0002/2026-03-08");
    expect(running?.campaign).toMatchObject({
      campaignId: "cmp_0003",
      final: false,
      throughDate: "2026-03-08",
      campaignDay: 5,
    });
    expect(final?.campaign).toMatchObject({
      campaignId: "cmp_0002",
      final: true,
      throughDate: "2026-03-07",
    });
    expect(await documentOf("cmp_0002/2026-03-09")).toBeUndefined();
    expect(await documentOf("cmp_0004/2026-03-08")).toBeUndefined(); // starts 03-14
    const roi = running?.scoped.cmp_0003?.campaign_roi;
    expect(roi?.value).toBeCloseTo(running?.campaign.counts.attributedRevenue! / 30_100, 12);
    expect(roi?.target?.value).toBe(3);
    expect(running?.reportSnapshot).toEqual({
      report: "daily",
      periodKey: "2026-03-08",
      revision: 1,
    });
  });

  it("never rewrites a document: a re-run adds a revision, a dry run adds nothing", async () => {
    const before = await store.revisions(CAMPAIGN_SNAPSHOTS_REPORT, "cmp_0003/2026-03-07");
    await runReport(deps, { report: "daily", date: "2026-03-07", deliver: false });
    await runReport(deps, { report: "daily", date: "2026-03-07", dryRun: true });
    const after = await store.revisions(CAMPAIGN_SNAPSHOTS_REPORT, "cmp_0003/2026-03-07");
    expect(before.map((d) => d.revision)).toEqual([1]);
    expect(after.map((d) => d.revision)).toEqual([1, 2]);
    expect(after[0]).toEqual(before[0]);
  });

  it("gives a campaign's ROI curve from the JSON Lines history with one query", async () => {
    const rows = await engine.raw(`
      select period_key, revision, m.value as roi
      from read_json_auto('${join(out, "snapshots", "history", `${CAMPAIGN_SNAPSHOTS_REPORT}.jsonl`)}'),
        unnest(metrics) as t(m)
      where m.metric = 'campaign_roi' and m.scope = 'cmp_0003'
      order by period_key, revision`);
    expect(rows.map((r) => [r.period_key, r.revision])).toEqual([
      ["cmp_0003/2026-03-05", 1],
      ["cmp_0003/2026-03-06", 1],
      ["cmp_0003/2026-03-07", 1],
      ["cmp_0003/2026-03-07", 2],
      ["cmp_0003/2026-03-08", 1],
    ]);
    const values = rows.map((r) => Number(r.roi));
    // Cumulative revenue over a fixed cost: the curve never goes down.
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.at(-1)).toBeGreaterThan(0);
  });
});
