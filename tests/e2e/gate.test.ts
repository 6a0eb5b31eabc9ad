/**
 * The data-completeness gate through the real pipeline (DuckDB over a small Parquet lake,
 * filesystem stores, the outbox, `runReportWithAlerts`): a day whose events partition is
 * thin is "data incomplete" for managers — a notice first, its metrics shown but not
 * judged, no breach counted in the subject — and on-call gets one data alert and no KPI
 * alert. The same day on the complete lake is the control: there GMV breaches and alerts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { createFsStores } from "../../functions/lib/adapters/fs-store.ts";
import { runReportWithAlerts } from "../../functions/lib/alerts/on-call.ts";
import { loadConfig } from "../../functions/lib/config/load.ts";
import { type LakeRow, writeLake } from "../../functions/lib/lake/writer.ts";
import type { ReportTemplates } from "../../functions/lib/report/email/render.ts";
import type { CompiledTemplate } from "../../functions/lib/report/email/template.ts";
import type { RunReportSummary } from "../../functions/lib/report/run-report.ts";
import type { ReportSnapshot } from "../../functions/lib/report/snapshot.ts";
import {
  compileTemplatesFromMjml,
  localOnCallDeps,
  scheduledClock,
} from "../support/local-deps.ts";
import { leaves, parseEml } from "../unit/report/eml.ts";
import { alertEvents, alertOrders, writeAlertConfig } from "./alerts-fixture.ts";

const tmp = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const COMPLETE_LAKE = join(tmp, "lake-complete");
const THIN_LAKE = join(tmp, "lake-thin");
const CONFIG = join(tmp, "config");

/**
 * Local day 2026-03-02 in Shanghai is UTC 03-01 16:00 … 03-02 16:00. Thin out most of its
 * part of dt=03-02, not its last hours: the day is thin, not stale.
 */
const THIN_FROM = Date.parse("2026-03-02T00:00:00Z");
const THIN_TO = Date.parse("2026-03-02T12:00:00Z");

let templates: ReportTemplates;
let alertTemplate: CompiledTemplate;

/** Events every 20 minutes for five weeks; `thin` keeps one in ten in the thin hours. */
function events(thin: boolean): LakeRow[] {
  return alertEvents(
    "2026-03-05",
    (t, i) => !thin || t < THIN_FROM || t >= THIN_TO || i % 10 === 0,
  );
}

beforeAll(async () => {
  ({ templates, alertTemplate } = await compileTemplatesFromMjml());
  await writeLake(COMPLETE_LAKE, { events: events(false), orders: alertOrders() });
  await writeLake(THIN_LAKE, { events: events(true), orders: alertOrders() });
  // Only GMV has a target (1 000): 03-01 meets it (1 200), 03-02 (500) and 03-03 (400) do not.
  writeAlertConfig(CONFIG, "");
  writeFileSync(
    join(CONFIG, "recipients.yaml"),
    [
      "reports:",
      "  daily:",
      "    - { name: managers, locale: en, to: [ops-director@example.com] }",
      "    - { name: managers-zh, locale: zh-CN, to: [yunying@example.com] }",
      "on_call:",
      "  to: [oncall@example.com]",
      "",
    ].join("\n"),
  );
});

/** Runs the daily report of `day` on `lakeDir` as the 08:00 Shanghai schedule would. */
async function runDay(outDir: string, day: string, lakeDir: string): Promise<RunReportSummary> {
  const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  const deps = localOnCallDeps(outDir, {
    engine,
    clock: scheduledClock(day),
    config: loadConfig(CONFIG),
    templates,
    alertTemplate,
  });
  try {
    return await runReportWithAlerts(deps, { report: "daily", date: day, runId: `run-${day}` });
  } finally {
    await engine.close();
  }
}

/** The emails of one run, by list name. */
function emailsOf(outDir: string, runId: string): Record<string, { html: string; text: string }> {
  const dir = join(outDir, "outbox", runId);
  const result: Record<string, { html: string; text: string }> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".eml"))) {
    const list = file.replace(/\.eml$/, "");
    const parts = leaves(parseEml(readFileSync(join(dir, file), "utf8")));
    result[list] = {
      html: parts.find((p) => p.contentType === "text/html")?.body ?? "",
      text: parts.find((p) => p.contentType === "text/plain")?.body ?? "",
    };
  }
  return result;
}

function runLog(outDir: string): Record<string, unknown>[] {
  return readFileSync(join(outDir, "runs", "runs.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("a thin events partition", () => {
  it("is a breach on complete data (the control)", async () => {
    const out = join(tmp, "control");
    await runDay(out, "2026-03-01", COMPLETE_LAKE);
    const summary = await runDay(out, "2026-03-02", COMPLETE_LAKE);
    expect(summary.dataIssues).toEqual([]);
    expect(summary.metrics.gmv?.status).toBe("breach");
    expect(summary.emails.find((e) => e.list === "managers")?.subject).toMatch(/ · 1 breach$/);
    expect(Object.keys(emailsOf(out, "run-2026-03-02")).sort()).toEqual([
      "managers",
      "managers-zh",
      "on-call",
    ]);
  });

  it("makes its metrics data incomplete: one data alert, no KPI alert, no breach counted", async () => {
    const out = join(tmp, "thin");
    await runDay(out, "2026-03-01", THIN_LAKE);
    const summary = await runDay(out, "2026-03-02", THIN_LAKE);

    expect(summary.dataIssues).toEqual([
      expect.objectContaining({ table: "events", partition: "2026-03-02", kind: "thin_partition" }),
    ]);
    // Every module of the run reads events: nothing is judged, GMV included.
    expect(summary.metrics.gmv?.status).toBe("data_incomplete");
    expect(summary.statusCounts.breach).toBe(0);
    expect(summary.statusCounts.data_incomplete).toBeGreaterThan(0);

    const emails = emailsOf(out, "run-2026-03-02");
    // On-call: exactly one data alert, no start alert for GMV.
    expect(Object.keys(emails).sort()).toEqual(["managers", "managers-zh", "on-call"]);

    const en = emails.managers;
    const subject = summary.emails.find((e) => e.list === "managers")?.subject;
    expect(subject).toMatch(/ · no breaches · data incomplete$/);
    // The notice comes first, plainly, naming table, partition and counts.
    const notice = en?.html.search(
      /Data incomplete: events dt=2026-03-02 thin: \d+ rows, median of past weeks 48/,
    );
    expect(notice).toBeGreaterThan(0);
    expect(notice).toBeLessThan(en?.html.indexOf("HEADLINE KPIS") ?? 0);
    expect(en?.text).toMatch(/- GMV: CN¥500\.00 \[Data incomplete\]/);
    expect(en?.text).toContain("not judged: its input data (events) is incomplete for this period");
    expect(en?.text).not.toMatch(/\[Breach\]/);
    expect(en?.text).not.toContain("✖");

    const zhSubject = summary.emails.find((e) => e.list === "managers-zh")?.subject;
    expect(zhSubject).toMatch(/ · 无未达标指标 · 数据不完整$/);
    expect(emails["managers-zh"]?.text).toMatch(/- 成交额 \(GMV\): .*\[数据不完整\]/);

    const snapshot = (await createFsStores(out).snapshots.latest(
      "daily",
      "2026-03-02",
    )) as ReportSnapshot;
    expect(snapshot.metrics.gmv).toMatchObject({
      status: "data_incomplete",
      incompleteInputs: ["events"],
      value: 500,
    });
    expect(snapshot.statusCounts.breach).toBe(0);
    expect(snapshot.dataCompleteness?.issues).toHaveLength(1);

    // One gate query per run, shared by the report and the alerts.
    const report = runLog(out).filter(
      (e) => e.type === "report_run" && e.periodKey === "2026-03-02",
    );
    const queries = (report[0]?.queries ?? []) as { query: string }[];
    expect(queries.filter((q) => q.query === "completeness")).toHaveLength(1);
    expect(report[0]?.completeness).toMatchObject({ complete: false });
    const alerts = runLog(out).filter((e) => e.type === "alerts" && e.periodKey === "2026-03-02");
    expect(alerts[0]?.notifications).toEqual([
      expect.objectContaining({ kind: "data_incomplete", status: "sent", audience: "on-call" }),
    ]);

    // The next day is complete again and still below target: its breach opens the episode,
    // which the unjudged day did not.
    await runDay(out, "2026-03-03", THIN_LAKE);
    expect(Object.keys(emailsOf(out, "run-2026-03-03")).sort()).toEqual([
      "managers",
      "managers-zh",
      "on-call",
    ]);
    const deliveries = readdirSync(join(out, "deliveries")).filter((f) => f.startsWith("notify"));
    expect(deliveries).toEqual([
      "notify%3Adaily%3A2026-03-02%3Aon-call%3Aemail%3Aemail.json", // the data alert
      "notify%3Adaily%3A2026-03-03%3Aon-call%3Aemail%3Aemail.json", // GMV's start
    ]);
  });
});
