/**
 * The report emails stay under Gmail's clip whatever the data: on a lake with 30 campaigns
 * running on the report day (long names, in Chinese too) and 2 000 content items, every
 * email of the daily, weekly and campaigns reports, in English and Chinese, is under
 * 100 KB of HTML, and the cut tables say how many rows are left for the dashboard.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { createFsStores } from "../../functions/lib/adapters/fs-store.ts";
import { createOutboxMailer } from "../../functions/lib/adapters/outbox-mailer.ts";
import { parseConfig } from "../../functions/lib/config/load.ts";
import type { CampaignRow, ContentRow } from "../../functions/lib/contract/schema.ts";
import { generateLake } from "../../functions/lib/lake/generator.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { MAX_SCOPE_ROWS } from "../../functions/lib/report/email/model.ts";
import { loadReportTemplates } from "../../functions/lib/report/email/render.ts";
import { type ReportKind, runReport } from "../../functions/lib/report/run-report.ts";
import { buildTemplates } from "../../scripts/build-templates.ts";
import { content } from "../support/rows.ts";

/** Gmail clips at 102 KB; the emails keep a margin. */
const EMAIL_HTML_LIMIT = 100 * 1024;
const DAY = "2026-03-08";
const CAMPAIGNS = 30;
const CONTENT_ITEMS = 2000;

const root = mkdtempSync(join(tmpdir(), "opspulse-size-"));
const lakeDir = join(root, "lake");
const templatesDir = join(root, "templates");
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  await generateLake({ seed: 11, days: 40, endDate: DAY, users: 3000, lakeDir });
  const campaigns: CampaignRow[] = Array.from({ length: CAMPAIGNS }, (_, i) => ({
    id: `cmp_big_${String(i + 1).padStart(2, "0")}`,
    name:
      i % 2 === 0
        ? `Spring member festival with a rather long name, wave ${i + 1}`
        : `春季会员节超长名称的活动 第 ${i + 1} 波`,
    type: (["acquisition", "activation", "conversion", "viral"] as const)[i % 4] ?? "viral",
    start_date: "2026-02-20",
    end_date: "2026-03-20",
    cost: String(10_000 + i * 100),
  }));
  const items: ContentRow[] = Array.from({ length: CONTENT_ITEMS }, (_, i) =>
    content(
      `cnt_big_${String(i + 1).padStart(4, "0")}`,
      new Date(Date.parse("2026-02-07T02:00:00Z") + i * 1_250_000),
      {
        title: `A content item with a long title about budget travel and coffee, number ${i + 1}`,
        format: (["article", "video", "live"] as const)[i % 3] ?? "article",
        production_cost: String(100 + (i % 50)),
      },
    ),
  );
  await writeLake(lakeDir, { campaigns, content: items });
  await buildTemplates(undefined, templatesDir);
}, 240_000);

/** Every email of one report, in both locales, rendered (a dry run stores and sends nothing). */
async function emailsOf(report: ReportKind): Promise<{ list: string; html: string }[]> {
  const engine = await createDuckDbEngine({ lakeDir, threads: 2 });
  try {
    const clock = { now: () => new Date("2026-03-09T00:05:00Z") };
    const lists = (name: string) =>
      `    - { name: ${name}-en, to: [a@example.com] }\n    - { name: ${name}-zh, locale: zh-CN, to: [b@example.com] }\n`;
    const summary = await runReport(
      {
        engine,
        catalog: new QueryCatalog(),
        ...createFsStores(join(root, "out")),
        mailer: createOutboxMailer({ dir: join(root, "out", "outbox"), clock }),
        clock,
        config: parseConfig(
          [
            {
              file: "recipients.yaml",
              text: `reports:\n  daily:\n${lists("daily")}  weekly:\n${lists("weekly")}  campaigns:\n${lists("campaigns")}`,
            },
          ],
          "config",
        ),
        templates: loadReportTemplates(templatesDir),
      },
      { report, date: DAY, dryRun: true },
    );
    return summary.emails.map((email) => ({ list: email.list, html: email.rendered?.html ?? "" }));
  } finally {
    await engine.close();
  }
}

describe("report emails on a lake with 30 running campaigns and 2 000 content items", () => {
  it.each(["daily", "weekly", "campaigns"] as const)(
    "keep every %s email under 100 KB of HTML, in English and Chinese",
    async (report) => {
      const emails = await emailsOf(report);
      expect(emails.map((e) => e.list)).toEqual([`${report}-en`, `${report}-zh`]);
      for (const { list, html } of emails) {
        const bytes = Buffer.byteLength(html);
        expect(html.length, list).toBeGreaterThan(10_000);
        expect(bytes, `${list}: ${bytes} bytes`).toBeLessThan(EMAIL_HTML_LIMIT);
      }
      if (report !== "weekly") {
        // The campaign table shows the first few and says where the others are.
        const [en, zh] = emails.map((e) => e.html);
        const more = CAMPAIGNS - MAX_SCOPE_ROWS;
        expect(en).toContain(`… and ${more} more on the dashboard`);
        expect(zh).toContain(`… 另有 ${more} 行，见运营看板`);
      }
    },
    240_000,
  );
});
