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
import type { CampaignRow, ContentRow } from "../../functions/lib/contract/schema.ts";
import { generateLake } from "../../functions/lib/lake/generator.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { MAX_SCOPE_ROWS } from "../../functions/lib/report/email/model.ts";
import type { ReportKind } from "../../functions/lib/report/run-report.ts";
import { buildTemplates } from "../../scripts/build-templates.ts";
import { renderEmailPreviews } from "../support/email-previews.ts";
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
const emailsOf = (report: ReportKind) =>
  renderEmailPreviews({
    lakeDir,
    templatesDir,
    outDir: join(root, "out"),
    report,
    date: DAY,
    listName: (name, language) => `${name}-${language}`,
  });

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
