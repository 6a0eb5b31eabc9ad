/**
 * The contract's comparison rulings through the report use case, on a generated lake of
 * 400 days (its first day 2 Feb 2025) with real DuckDB and the filesystem stores:
 * - a year-earlier value whose window starts before the lake's first day is "no full
 *   baseline", never a delta (RFM's 365 days a year earlier), while one read from complete
 *   windows is a delta (new users of that week);
 * - a re-run of a past day gives the freshness its scheduled run gave;
 * - a month-to-date value compares with the same day of the previous month (evaluateAll).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { createFsStores } from "../../../functions/lib/adapters/fs-store.ts";
import { createOutboxMailer } from "../../../functions/lib/adapters/outbox-mailer.ts";
import { parseConfig } from "../../../functions/lib/config/load.ts";
import { firstFullLocalDay, metricWindowStart } from "../../../functions/lib/kpi/baseline.ts";
import { periodContaining, samePeriodLastYear } from "../../../functions/lib/kpi/windows.ts";
import { generateLake } from "../../../functions/lib/lake/generator.ts";
import type { Clock, QueryEngine } from "../../../functions/lib/ports.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import { loadReportTemplates } from "../../../functions/lib/report/email/render.ts";
import { evaluateAll } from "../../../functions/lib/report/evaluate-run.ts";
import { type RunReportDeps, runReport } from "../../../functions/lib/report/run-report.ts";
import type { ReportSnapshot } from "../../../functions/lib/report/snapshot.ts";
import { buildTemplates } from "../../../scripts/build-templates.ts";

const ZONE = "Asia/Shanghai";
const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const lakeDir = join(root, "lake");
const RECIPIENTS = `sender: OpsPulse <reports@example.com>
reports:
  daily:
    - { name: managers, locale: en, to: [boss@example.com] }
  weekly:
    - { name: managers, locale: en, to: [boss@example.com] }
`;
const config = parseConfig([{ file: "recipients.yaml", text: RECIPIENTS }], "config");
const catalog = new QueryCatalog();
let engine: QueryEngine;
let templates: ReturnType<typeof loadReportTemplates>;
let outs = 0;

beforeAll(async () => {
  await generateLake({ seed: 5, days: 400, endDate: "2026-03-08", users: 400, lakeDir });
  engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  const dist = join(root, "templates");
  await buildTemplates(undefined, dist);
  templates = loadReportTemplates(dist);
}, 120_000);
afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

function deps(clock: Clock, out = join(root, `out-${outs++}`)): RunReportDeps {
  return {
    engine,
    catalog,
    ...createFsStores(out),
    mailer: createOutboxMailer({ dir: join(out, "outbox"), clock }),
    clock,
    config,
    templates,
  };
}
const at = (iso: string): Clock => ({ now: () => new Date(iso) });

describe("comparisons", () => {
  it("shows a year-earlier value whose window starts before the lake's first day as no full baseline", async () => {
    expect(await engine.lakeFirstDay?.()).toBe("2025-02-02");
    const week = periodContaining("week", "2026-03-08", ZONE);
    const yearEarlier = samePeriodLastYear(week); // 3 … 9 March 2025, inside the lake
    expect(yearEarlier.end).toBe("2025-03-09");
    // The lake starts inside the year-earlier RFM window (365 days), not inside its week.
    const firstDay = firstFullLocalDay("2025-02-02", ZONE);
    expect(metricWindowStart("rfm_customers", yearEarlier) < firstDay).toBe(true);
    expect(metricWindowStart("new_users", yearEarlier) >= firstDay).toBe(true);

    const run = deps(at("2026-03-09T00:30:00Z"));
    await runReport(run, { report: "weekly", date: "2025-03-09", deliver: false });
    const summary = await runReport(run, { report: "weekly", date: "2026-03-08", deliver: false });
    const stored = (await run.snapshots.latest("weekly", summary.periodKey)) as ReportSnapshot;
    const storedEarlier = (await run.snapshots.latest("weekly", "2025-W10")) as ReportSnapshot;
    expect(storedEarlier.metrics.rfm_customers?.value).toBeGreaterThan(0);

    expect(stored.metrics.rfm_customers).toMatchObject({
      yearEarlier: null,
      noFullBaseline: ["yearEarlier"], // last week's 365 days lie within the lake
    });
    expect(stored.metrics.new_users).toMatchObject({
      yearEarlier: storedEarlier.metrics.new_users?.value,
    });
    expect(stored.metrics.new_users?.noFullBaseline).toBeUndefined();

    const preview = await runReport(deps(at("2026-03-09T00:30:00Z")), {
      report: "weekly",
      date: "2026-03-08",
      dryRun: true,
    });
    const html = preview.emails[0]?.rendered?.html ?? "";
    expect(html).toContain("no full baseline");
    // The weekly dau and arpu say how they are computed.
    expect(html).toContain("DAU (mean of the week");
    expect(html).toContain("ARPU (GMV ÷ WAU)");
  }, 300_000);

  it("gives a re-run of a past day the freshness its scheduled run gave", async () => {
    // The daily schedule fires at 08:00 Shanghai the next morning: 2026-03-07T00:00Z.
    const day = "2026-03-06";
    const first = await runReport(deps(at("2026-03-07T00:00:00Z")), {
      report: "daily",
      date: day,
      deliver: false,
    });
    const rerun = await runReport(deps(at("2026-03-20T09:00:00Z")), {
      report: "daily",
      date: day,
      deliver: false,
    });
    expect(first.metrics.data_freshness_minutes?.value).not.toBeNull();
    expect(rerun.metrics.data_freshness_minutes).toEqual(first.metrics.data_freshness_minutes);
  }, 300_000);

  it("compares a month-to-date value with the same day of the previous month", () => {
    const week = periodContaining("week", "2026-03-08", ZONE);
    const lastWeek = {
      report: "weekly",
      periodKey: "2026-W09",
      revision: 1,
      metrics: { content_published_article: { value: 40 }, mau: { value: 900 } },
    };
    const { metrics } = evaluateAll(
      {
        values: {
          content_published_article: { value: 30, sameDayPreviousMonth: 24 },
          mau: { value: 1000 },
        },
        scoped: {},
        scopeNames: {},
        inputs: {},
        windows: {},
        details: {},
        stats: [],
      },
      { previous: lastWeek, yearEarlier: undefined },
      week,
      config,
      [],
    );
    const byId = Object.fromEntries(metrics.map((m) => [m.def.id, m.evaluation]));
    // 1 … 8 March against 1 … 8 February, not against last week's 1 … 1 March.
    expect(byId.content_published_article?.vsPrevious).toMatchObject({
      reference: 24,
      change: 6,
    });
    expect(byId.mau?.vsPrevious).toMatchObject({ reference: 900, change: 100 });
  });
});
