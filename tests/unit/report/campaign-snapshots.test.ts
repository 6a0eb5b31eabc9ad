/**
 * The `campaigns` report end to end on a small generated lake: each daily run stores one
 * immutable document per running campaign and a final one for the campaign that ended the
 * day before (`campaigns/<campaign>/<date>`), a re-run adds revisions, the JSON Lines history
 * gives a campaign's ROI curve with one DuckDB query, and the email lists each campaign's
 * ROI against its target.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
  type StoredCampaignSnapshot,
} from "../../../functions/lib/report/campaign-snapshots.ts";
import { loadReportTemplates } from "../../../functions/lib/report/email/render.ts";
import {
  type RunReportDeps,
  type RunReportSummary,
  runReport,
} from "../../../functions/lib/report/run-report.ts";
import { buildTemplates } from "../../../scripts/build-templates.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const lakeDir = join(root, "lake");
const out = join(root, "out");
const config = parseConfig(
  [
    {
      file: "recipients.yaml",
      text: "sender: OpsPulse <reports@example.com>\nreports:\n  campaigns:\n    - { name: campaign-owners, to: [owner@example.com] }\n",
    },
  ],
  "config",
);
let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;
let deps: RunReportDeps;
/** The delivered run of 2026-03-08. */
let delivered: RunReportSummary;
const store = createFsSnapshotStore({ dir: join(out, "snapshots") });

beforeAll(async () => {
  // Campaigns of this lake: cmp_0002 runs 2026-02-23 … 03-07, cmp_0003 03-04 … 03-17,
  // cmp_0004 from 03-14.
  await generateLake({ seed: 11, days: 45, endDate: "2026-03-08", users: 3000, lakeDir });
  engine = await createDuckDbEngine({ lakeDir, threads: 2 });
  const dist = join(root, "templates");
  await buildTemplates(undefined, dist);
  deps = {
    engine,
    catalog: new QueryCatalog(),
    ...createFsStores(out),
    snapshots: store,
    mailer: createOutboxMailer({ dir: join(out, "outbox"), clock: { now: () => new Date() } }),
    clock: { now: () => new Date("2026-03-09T01:00:00Z") },
    config,
    templates: loadReportTemplates(dist),
  };
  for (const date of ["2026-03-05", "2026-03-06", "2026-03-07"]) {
    await runReport(deps, { report: "campaigns", date, deliver: false });
  }
  // Rollups are on: the first run that reads a day builds its rollup partitions (here a
  // dry run of the day), so the delivered run reads them fresh and runs just its queries.
  await runReport(deps, { report: "campaigns", date: "2026-03-08", dryRun: true });
  delivered = await runReport(deps, { report: "campaigns", date: "2026-03-08" });
});
afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

const documentOf = async (key: string) =>
  (await store.latest(CAMPAIGN_SNAPSHOTS_REPORT, key)) as StoredCampaignSnapshot | undefined;

describe("the campaigns report", () => {
  it("runs only the campaigns module and emails each campaign's ROI against its target", async () => {
    const summary = delivered;
    expect(summary.outcome).toBe("ok");
    expect(summary.queries.map((q) => q.query)).toEqual([
      "campaigns_in_scope",
      "campaign_snapshots",
    ]);
    const [email] = summary.emails;
    expect(email?.status).toBe("sent");
    expect(email?.subject).toContain("Campaign ROI report");
    const html = readFileSync(String(email?.location).replace(/\.eml$/, ".html"), "utf8");
    expect(html).toContain("Campaign ROI");
    for (const name of ["cmp_0002", "cmp_0003"]) {
      const doc = await documentOf(`${name}/2026-03-08`);
      expect(html).toContain(doc?.details.campaign.name);
    }
  });

  it("stores one document per running campaign, and a final one the day after a campaign ends", async () => {
    const running = await documentOf("cmp_0003/2026-03-08");
    const final = await documentOf("cmp_0002/2026-03-08");
    expect(running?.details.campaign).toMatchObject({
      campaignId: "cmp_0003",
      final: false,
      throughDate: "2026-03-08",
      campaignDay: 5,
    });
    expect(final?.details.campaign).toMatchObject({
      campaignId: "cmp_0002",
      final: true,
      throughDate: "2026-03-07",
    });
    expect(await documentOf("cmp_0002/2026-03-09")).toBeUndefined();
    expect(await documentOf("cmp_0004/2026-03-08")).toBeUndefined(); // starts 03-14
    const roi = running?.metrics.campaign_roi;
    // The generator's cost of the campaign (its dimension row), whole, not pro-rated.
    const cost = running?.details.campaign.counts.cost ?? 0;
    expect(cost).toBeGreaterThan(0);
    expect(roi?.value).toBeCloseTo(
      (running?.details.campaign.counts.attributedRevenue ?? 0) / cost,
      12,
    );
    expect(roi?.target?.value).toBe(3);
    expect(running?.reportSnapshot).toEqual({
      report: "campaigns",
      periodKey: "2026-03-08",
      revision: 1,
    });
  });

  it("never rewrites a document: a re-run adds a revision, a dry run adds nothing", async () => {
    const before = await store.revisions(CAMPAIGN_SNAPSHOTS_REPORT, "cmp_0003/2026-03-07");
    await runReport(deps, { report: "campaigns", date: "2026-03-07", deliver: false });
    await runReport(deps, { report: "campaigns", date: "2026-03-07", dryRun: true });
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
      where period_key like 'cmp_0003/%' and m.metric = 'campaign_roi'
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
