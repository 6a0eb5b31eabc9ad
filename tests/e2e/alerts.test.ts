/**
 * On-call alerts through the real pipeline: DuckDB over a small Parquet lake, the
 * filesystem stores, the outbox mailer and `runReportWithAlerts`, one daily run per day.
 * Only GMV has a target (1 000), so each day's GMV decides what on-call gets; GMV is set to
 * page (its default severity, notify, would go to its owner's digest).
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { runReportWithAlerts } from "../../functions/lib/alerts/on-call.ts";
import { loadConfig } from "../../functions/lib/config/load.ts";
import type { ReportTemplates } from "../../functions/lib/report/email/render.ts";
import type { CompiledTemplate } from "../../functions/lib/report/email/template.ts";
import { ReportRunError, type RunReportSummary } from "../../functions/lib/report/run-report.ts";
import {
  compileTemplatesFromMjml,
  localOnCallDeps,
  scheduledClock,
} from "../support/local-deps.ts";
import { writeAlertConfig, writeAlertLake } from "./alerts-fixture.ts";

const tmp = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LAKE = join(tmp, "lake");
const CONFIG = join(tmp, "config");

let templates: ReportTemplates;
let alertTemplate: CompiledTemplate;

beforeAll(async () => {
  ({ templates, alertTemplate } = await compileTemplatesFromMjml());

  await writeAlertLake(LAKE);
  // Reminders every 36 h: the day after a start is too early, the day after that is due.
  writeAlertConfig(CONFIG, "reminder_every_hours: 36\nseverity:\n  metrics: { gmv: page }\n");
});

/** Opens fresh adapters on `outDir` (a run of its own, as a separate process would). */
async function open(outDir: string, day: string, lakeDir = LAKE) {
  const clock = scheduledClock(day);
  const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  const deps = localOnCallDeps(outDir, {
    engine,
    clock,
    config: loadConfig(CONFIG),
    templates,
    alertTemplate,
  });
  return { deps, close: () => engine.close() };
}

async function runDay(
  outDir: string,
  day: string,
  options: { force?: boolean; lakeDir?: string; timeZone?: string; deliver?: boolean } = {},
): Promise<RunReportSummary> {
  const { deps, close } = await open(outDir, day, options.lakeDir);
  try {
    return await runReportWithAlerts(deps, {
      report: "daily",
      date: day,
      ...(options.force ? { force: true } : {}),
      ...(options.timeZone ? { timeZone: options.timeZone } : {}),
      ...(options.deliver === false ? { deliver: false } : {}),
    });
  } finally {
    await close();
  }
}

/**
 * Every `.eml` in the outbox in the order of the runs, with its list name and the subject
 * its delivery record holds (the `.eml` header is MIME-encoded).
 */
function outbox(outDir: string): { list: string; subject: string; run: string }[] {
  const dir = join(outDir, "outbox");
  if (!existsSync(dir)) return [];
  const subjects = new Map<string, string>();
  for (const file of readdirSync(join(outDir, "deliveries"))) {
    const record = JSON.parse(readFileSync(join(outDir, "deliveries", file), "utf8")) as {
      location?: string;
      subject?: string;
    };
    if (record.location) subjects.set(record.location, record.subject ?? "");
  }
  return readdirSync(dir)
    .sort()
    .flatMap((run) =>
      readdirSync(join(dir, run))
        .filter((file) => file.endsWith(".eml"))
        .sort()
        .map((file) => ({
          list: file.replace(/\.eml$/, ""),
          subject: subjects.get(join(dir, run, file)) ?? "",
          run,
        })),
    );
}

interface LogLine {
  readonly type: string;
  readonly periodKey?: string;
  readonly outcome?: string;
  readonly stateAttempts?: number;
  readonly notifications: readonly { kind: string; status: string }[];
  readonly notice?: unknown;
}

function runLog(outDir: string): LogLine[] {
  return readFileSync(join(outDir, "runs", "runs.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const entry = JSON.parse(line) as Omit<LogLine, "notifications"> & Partial<LogLine>;
      return { ...entry, notifications: entry.notifications ?? [] };
    });
}

const onCall = (outDir: string) => outbox(outDir).filter((e) => e.list.startsWith("on-call"));

describe("on-call alerts over a sequence of days", () => {
  it("sends one start, one reminder after the interval and one resolved; re-runs send nothing", async () => {
    const out = join(tmp, "sequence");
    const sent = (from: number) =>
      onCall(out)
        .slice(from)
        .map((e) => e.list);

    await runDay(out, "2026-03-01");
    expect(sent(0)).toEqual([]);

    await runDay(out, "2026-03-02");
    expect(sent(0)).toEqual(["on-call"]); // one grouped message for the run
    expect(onCall(out)[0]?.subject).toBe(
      "[OpsPulse] on-call · daily report 2026-03-02: 1 new — GMV: new today",
    );

    // The same run again: the report is already delivered, nothing is sent.
    const again = await runDay(out, "2026-03-02");
    expect(again.outcome).toBe("skipped_already_delivered");
    // A correction re-run re-judges the same period: same alert keys, no second alert.
    const correction = await runDay(out, "2026-03-02", { force: true });
    expect(correction.emails.map((e) => e.status)).toEqual(["sent"]);
    expect(sent(1)).toEqual([]);

    await runDay(out, "2026-03-03"); // 24 h after the start: within the 36 h interval
    expect(sent(1)).toEqual([]);

    await runDay(out, "2026-03-04"); // 48 h after the start: one reminder, as "day 3"
    expect(sent(1)).toEqual(["on-call"]);
    expect(onCall(out)[1]?.subject).toBe(
      "[OpsPulse] on-call · daily report 2026-03-04: 1 ongoing — GMV: day 3 (since 2026-03-02)",
    );

    await runDay(out, "2026-03-05"); // back above target
    expect(sent(2)).toEqual(["on-call"]);
    expect(onCall(out)[2]?.subject).toBe(
      "[OpsPulse] on-call · daily report 2026-03-05: 1 resolved — GMV: resolved after 3 days",
    );

    const managers = outbox(out).filter((e) => e.list === "managers");
    expect(managers).toHaveLength(6); // five days, plus the marked correction
    // One delivery per (run period, audience, contact point).
    const deliveries = readdirSync(join(out, "deliveries")).filter((f) => f.startsWith("notify"));
    expect(deliveries.sort()).toEqual([
      "notify%3Adaily%3A2026-03-02%3Aon-call%3Aemail%3Aemail.json",
      "notify%3Adaily%3A2026-03-04%3Aon-call%3Aemail%3Aemail.json",
      "notify%3Adaily%3A2026-03-05%3Aon-call%3Aemail%3Aemail.json",
    ]);
  });

  it("dates a breach from its first breached period in the history, not from the first alert", async () => {
    const out = join(tmp, "since");
    // History stored without alerts (a backfill): GMV breached on 03-02 and 03-03 already.
    for (const day of ["2026-03-01", "2026-03-02", "2026-03-03"]) {
      await runDay(out, day, { deliver: false });
    }
    expect(onCall(out)).toEqual([]);
    await runDay(out, "2026-03-04"); // the first run with alerts
    expect(onCall(out).map((e) => e.subject)).toEqual([
      "[OpsPulse] on-call · daily report 2026-03-04: 1 ongoing — GMV: day 3 (since 2026-03-02)",
    ]);
  });

  it("sends the report but no on-call alert for a re-run of a breaching day in another zone", async () => {
    const out = join(tmp, "other-zone");
    await runDay(out, "2026-03-01");
    // A breaching day in New York: its own view, delivered once, judged by nobody on call.
    const elsewhere = await runDay(out, "2026-03-02", { timeZone: "America/New_York" });
    expect(elsewhere.emails.map((e) => e.status)).toEqual(["sent"]);
    expect(elsewhere.metrics.gmv?.status).toBe("breach");
    expect(onCall(out)).toEqual([]);
    // The configured zone's run of that day still starts the alert.
    await runDay(out, "2026-03-02");
    expect(onCall(out).map((e) => e.list)).toEqual(["on-call"]);
  });

  it("puts the figures, the streak, why it moved and the commands in the grouped message", async () => {
    const out = join(tmp, "content");
    await runDay(out, "2026-03-01");
    await runDay(out, "2026-03-02");
    const [message] = onCall(out);
    const html = readFileSync(join(out, "outbox", message?.run ?? "", "on-call.html"), "utf8");
    expect(html).toContain("GMV");
    expect(html).toContain("new today · CN¥500.00 vs target ≥ CN¥1,000.00");
    // GMV's registry breakdown is orders by channel: the channel that moved most first.
    expect(html).toMatch(/GMV — GMV · orders by channel: app CN¥[\d,.]+ → CN¥[\d,.]+/);
    expect(html).toContain("opspulse alerts ack gmv --by NAME");
    expect(html).toContain("opspulse run daily --date 2026-03-02");
  });

  it("sends nothing twice when three runs of the same day overlap", async () => {
    const out = join(tmp, "concurrent");
    await runDay(out, "2026-03-01");
    const results = await Promise.allSettled([
      runDay(out, "2026-03-02"),
      runDay(out, "2026-03-02"),
      runDay(out, "2026-03-02"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    expect(onCall(out).map((e) => e.list)).toEqual(["on-call"]);
    expect(outbox(out).filter((e) => e.list === "managers")).toHaveLength(2); // 03-01 and 03-02
    // Each run judged the day and offered the start alert; the delivery log let one out.
    const judged = runLog(out).filter((e) => e.type === "alerts" && e.periodKey === "2026-03-02");
    const statuses = judged.flatMap((e) => e.notifications.map((n) => `${n.kind}:${n.status}`));
    expect(statuses.sort()).toEqual([
      "start:already_delivered",
      "start:already_delivered",
      "start:sent",
    ]);
    console.log(`alert state saves took ${judged.map((e) => e.stateAttempts).join(", ")} attempts`);
  });
});

describe("the data-completeness gate", () => {
  it("turns a deleted events partition into one data alert and no KPI alert", async () => {
    const lakeDir = join(tmp, "lake-missing");
    cpSync(LAKE, lakeDir, { recursive: true });
    rmSync(join(lakeDir, "events", "dt=2026-03-02"), { recursive: true });
    const out = join(tmp, "missing");
    await runDay(out, "2026-03-01", { lakeDir });
    const summary = await runDay(out, "2026-03-02", { lakeDir });
    // GMV reads events and orders: not judged, so no breach in the email and no KPI alert.
    expect(summary.metrics.gmv?.status).toBe("data_incomplete");
    const alerts = onCall(out);
    expect(alerts.map((e) => e.list)).toEqual(["on-call"]);
    expect(alerts[0]?.subject).toContain("events dt=2026-03-02 missing: 0 rows");
    const managers = outbox(out).filter((e) => e.list === "managers");
    const html = readFileSync(join(out, "outbox", managers[1]?.run ?? "", "managers.html"), "utf8");
    expect(html).toContain("Data incomplete: events dt=2026-03-02 missing");
  });
});

describe("failure notices", () => {
  it("sends one failure notice and no report email when a query fails", async () => {
    const lakeDir = join(tmp, "lake-corrupt");
    cpSync(LAKE, lakeDir, { recursive: true });
    const partition = join(lakeDir, "orders", "dt=2026-03-02");
    const [file] = readdirSync(partition);
    writeFileSync(join(partition, file ?? "part-0.parquet"), "not a parquet file");
    const out = join(tmp, "failure");
    const error = await runDay(out, "2026-03-02", { lakeDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportRunError);
    const emails = outbox(out);
    expect(emails.map((e) => e.list)).toEqual(["on-call.failure"]);
    expect(emails[0]?.subject).toMatch(
      /^\[OpsPulse failure\] daily report Mar 2, 2026 failed: .*\(run \d{8}T\d{6}Z-daily-[0-9a-f]{8}\)$/,
    );
    const log = runLog(out);
    expect(log.map((entry) => entry.type)).toEqual(["report_run", "failure_notice"]);
    expect(log[0]?.outcome).toBe("failed");
    expect(log[1]?.notice).toMatchObject({ kind: "failure", status: "sent" });
  });
});
