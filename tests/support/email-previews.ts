/**
 * The report emails the layout tests look at (screenshots, the phone layout, the size
 * limit): one report run as a dry run on a lake — nothing stored or sent — for an English
 * and a Chinese recipient list of every report, with the run's real templates.
 */
import { join } from "node:path";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { createFsStores } from "../../functions/lib/adapters/fs-store.ts";
import { createOutboxMailer } from "../../functions/lib/adapters/outbox-mailer.ts";
import { parseConfig } from "../../functions/lib/config/load.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { loadReportTemplates } from "../../functions/lib/report/email/render.ts";
import { type ReportKind, runReport } from "../../functions/lib/report/run-report.ts";

const REPORTS = ["daily", "weekly", "campaigns"] as const satisfies readonly ReportKind[];

export interface EmailPreviewOptions {
  readonly lakeDir: string;
  /** Compiled templates (`buildTemplates`). */
  readonly templatesDir: string;
  /** Where the run's stores go (nothing is written to them in a dry run but its log). */
  readonly outDir: string;
  readonly report: ReportKind;
  readonly date: string;
  /** The run's clock (default: 00:05 UTC the morning after `date`). */
  readonly now?: Date;
  /** The English and the Chinese list's names (default `en` and `zh`). */
  readonly listName?: (report: ReportKind, language: "en" | "zh") => string;
}

/** Every email of the report, in list order: the English list's, then the Chinese one's. */
export async function renderEmailPreviews(
  options: EmailPreviewOptions,
): Promise<{ readonly list: string; readonly html: string }[]> {
  const name = options.listName ?? ((_report, language) => language);
  const lists = REPORTS.map(
    (report) =>
      `  ${report}:\n    - { name: ${name(report, "en")}, to: [a@example.com] }\n    - { name: ${name(report, "zh")}, locale: zh-CN, to: [b@example.com] }\n`,
  ).join("");
  const now = options.now ?? new Date(Date.parse(`${options.date}T00:05:00Z`) + 24 * 3600 * 1000);
  const clock = { now: () => now };
  const engine = await createDuckDbEngine({ lakeDir: options.lakeDir, threads: 2 });
  try {
    const summary = await runReport(
      {
        engine,
        catalog: new QueryCatalog(),
        ...createFsStores(options.outDir),
        mailer: createOutboxMailer({ dir: join(options.outDir, "outbox"), clock }),
        clock,
        config: parseConfig([{ file: "recipients.yaml", text: `reports:\n${lists}` }], "config"),
        templates: loadReportTemplates(options.templatesDir),
      },
      { report: options.report, date: options.date, dryRun: true },
    );
    return summary.emails.map((email) => ({ list: email.list, html: email.rendered?.html ?? "" }));
  } finally {
    await engine.close();
  }
}
