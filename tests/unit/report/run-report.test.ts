/**
 * The report use case end to end on a small generated lake: real DuckDB, real modules,
 * the filesystem stores and the outbox, with a fixed clock.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { createFsStores } from "../../../functions/lib/adapters/fs-store.ts";
import { createOutboxMailer } from "../../../functions/lib/adapters/outbox-mailer.ts";
import { parseConfig } from "../../../functions/lib/config/load.ts";
import { isMetricId, metric } from "../../../functions/lib/kpi/registry.ts";
import { generateLake } from "../../../functions/lib/lake/generator.ts";
import type { Mailer, QueryEngine } from "../../../functions/lib/ports.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import {
  GMAIL_CLIP_BYTES,
  loadReportTemplates,
  type ReportTemplates,
} from "../../../functions/lib/report/email/render.ts";
import type { KpiModule } from "../../../functions/lib/report/modules.ts";
import {
  type AfterSnapshotContext,
  ReportRunError,
  type RunReportDeps,
  runReport,
} from "../../../functions/lib/report/run-report.ts";
import type { ReportSnapshot } from "../../../functions/lib/report/snapshot.ts";
import { buildTemplates } from "../../../scripts/build-templates.ts";
import { leaves, parseEml } from "./eml.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const lakeDir = join(root, "lake");
const clock = { now: () => new Date("2026-03-09T00:05:00Z") };
const RECIPIENTS = `sender: OpsPulse <reports@example.com>
reports:
  daily:
    - { name: managers, locale: en, to: [boss@example.com, lead@example.com] }
    - { name: managers-zh, locale: zh-CN, to: [zongjian@example.com] }
  weekly:
    - { name: managers, to: [boss@example.com] }
`;
const config = parseConfig([{ file: "recipients.yaml", text: RECIPIENTS }], "config");
const catalog = new QueryCatalog();
let engine: QueryEngine;
let templates: ReportTemplates;
let cases = 0;

beforeAll(async () => {
  await generateLake({ seed: 11, days: 45, endDate: "2026-03-08", users: 3000, lakeDir });
  engine = await createDuckDbEngine({ lakeDir, threads: 2 });
  const dist = join(root, "templates");
  await buildTemplates(undefined, dist);
  templates = loadReportTemplates(dist);
});
afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Fresh stores and outbox for one case, over the shared lake. */
function setup(overrides: Partial<RunReportDeps> = {}) {
  const out = join(root, `out-${cases++}`);
  const stores = createFsStores(out);
  const deps: RunReportDeps = {
    engine,
    catalog,
    ...stores,
    mailer: createOutboxMailer({ dir: join(out, "outbox"), clock }),
    clock,
    config,
    templates,
    ...overrides,
  };
  const runLog = () =>
    readFileSync(join(out, "runs", "runs.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const outboxRuns = () =>
    existsSync(join(out, "outbox")) ? readdirSync(join(out, "outbox")) : [];
  return { out, deps, runLog, outboxRuns };
}

describe("runReport", () => {
  it("delivers each list once: a multipart email per list and a snapshot of every metric", async () => {
    const { out, deps, runLog, outboxRuns } = setup();
    const summary = await runReport(deps, { report: "daily", date: "2026-03-08", runId: "run-1" });

    expect(summary.outcome).toBe("ok");
    expect(summary.periodKey).toBe("2026-03-08");
    expect(summary.emails.map((e) => [e.list, e.status])).toEqual([
      ["managers", "sent"],
      ["managers-zh", "sent"],
    ]);
    expect(readdirSync(join(out, "outbox", "run-1")).sort()).toEqual([
      "managers-zh.eml",
      "managers-zh.html",
      "managers.eml",
      "managers.html",
    ]);
    for (const email of summary.emails) {
      const message = parseEml(readFileSync(email.location ?? "", "utf8"));
      expect(message.contentType).toBe("multipart/alternative");
      const [text, html] = leaves(message);
      expect(text?.contentType).toBe("text/plain");
      expect(html?.contentType).toBe("text/html");
      expect(Buffer.byteLength(html?.body ?? "")).toBeLessThan(GMAIL_CLIP_BYTES);
      expect(html?.body).toContain(email.list === "managers" ? "D1 retention" : "次日留存率");
      expect(message.headers.subject).toBe(email.subject);
      expect(message.headers["message-id"]).toBe(email.messageId);
    }
    const zh = summary.emails.find((e) => e.list === "managers-zh");
    expect(zh?.subject).toMatch(/^\[OpsPulse\] 每日 KPI 报告 · 2026年3月8日星期日 · /);

    const snapshot = JSON.parse(
      readFileSync(join(out, "snapshots", "daily", "2026-03-08", "r001.json"), "utf8"),
    ) as ReportSnapshot;
    const ids = Object.keys(snapshot.metrics);
    expect(ids).toEqual(
      expect.arrayContaining(["new_users", "dau", "retention_d1", "gmv", "repurchase_rate"]),
    );
    expect(ids).toEqual(Object.keys(summary.metrics));
    for (const id of ids) {
      expect(isMetricId(id) && metric(id).periods.includes("day"), id).toBe(true);
      const stored = snapshot.metrics[id]!;
      expect(stored.value === null || typeof stored.value === "number", id).toBe(true);
      expect(["met", "warning", "breach", "insufficient_data", "no_target"]).toContain(
        stored.status,
      );
      expect(stored.target === null, id).toBe(config.targets[id] === undefined);
    }
    expect(snapshot).toMatchObject({
      report: "daily",
      periodKey: "2026-03-08",
      revision: 1,
      runId: "run-1",
      createdAt: "2026-03-09T00:05:00.000Z",
      configVersion: config.version,
      period: { kind: "day", start: "2026-03-08", end: "2026-03-08", timeZone: "Asia/Shanghai" },
      dataWindow: {
        fromUtc: "2026-03-07T16:00:00.000Z",
        toUtc: "2026-03-08T16:00:00.000Z",
        partitions: ["2026-03-07", "2026-03-08"],
      },
      comparedWith: { previous: null, yearEarlier: null },
    });

    // Running the same report again delivers nothing and stores no new revision.
    const again = await runReport(deps, { report: "daily", date: "2026-03-08", runId: "run-2" });
    expect(again.outcome).toBe("skipped_already_delivered");
    expect(again.emails.map((e) => [e.status, e.location])).toEqual(
      summary.emails.map((e) => ["already_delivered", e.location]),
    );
    expect(outboxRuns()).toEqual(["run-1"]);
    expect(readdirSync(join(out, "snapshots", "daily", "2026-03-08"))).toEqual(["r001.json"]);

    const [first, second] = runLog();
    expect(first).toMatchObject({
      runId: "run-1",
      outcome: "ok",
      request: { report: "daily", date: "2026-03-08" },
      snapshot: { periodKey: "2026-03-08", revision: 1 },
      messageIds: summary.emails.map((e) => e.messageId),
      recipients: [
        { list: "managers", to: ["boss@example.com", "lead@example.com"], status: "sent" },
        { list: "managers-zh", to: ["zongjian@example.com"], status: "sent" },
      ],
    });
    expect(Object.keys(first?.timingsMs as object)).toEqual(
      expect.arrayContaining([
        "resolve",
        "compute",
        "compare",
        "evaluate",
        "snapshot",
        "render",
        "deliver",
        "total",
      ]),
    );
    expect(first?.queries).toEqual(
      expect.arrayContaining([expect.objectContaining({ query: "user_kpis" })]),
    );
    expect(first?.rowsReturned).toBeGreaterThan(0);
    expect(second).toMatchObject({
      runId: "run-2",
      outcome: "skipped_already_delivered",
      messageIds: [],
    });
  });

  it("renders a dry run (in Chinese when asked) and stores and sends nothing", async () => {
    const { out, deps, runLog, outboxRuns } = setup();
    const summary = await runReport(deps, {
      report: "daily",
      date: "2026-03-08",
      locale: "zh-CN",
      dryRun: true,
    });
    expect(summary.outcome).toBe("dry_run");
    expect(summary.snapshot).toBeNull();
    expect(summary.emails.map((e) => e.status)).toEqual(["preview", "preview"]);
    for (const email of summary.emails) {
      expect(email.locale).toBe("zh-CN");
      expect(email.rendered?.html).toContain("日活跃用户");
      expect(email.rendered?.html).toContain("未存储（试运行）");
      expect(email.rendered?.text).toContain("需要关注");
    }
    expect(outboxRuns()).toEqual([]);
    expect(existsSync(join(out, "snapshots"))).toBe(false);
    expect(existsSync(join(out, "deliveries"))).toBe(false);
    expect(runLog()[0]).toMatchObject({ outcome: "dry_run", messageIds: [] });

    // A dry run does not count as a delivery.
    const real = await runReport(deps, { report: "daily", date: "2026-03-08" });
    expect(real.emails.map((e) => e.status)).toEqual(["sent", "sent"]);
  });

  it("compares with the stored snapshot of the previous period", async () => {
    const { deps } = setup();
    const before = await runReport(deps, { report: "daily", date: "2026-03-07", deliver: false });
    expect(before.emails).toEqual([]);
    expect(before.snapshot).toEqual({ periodKey: "2026-03-07", revision: 1 });
    const summary = await runReport(deps, { report: "daily", date: "2026-03-08", dryRun: true });
    const html = summary.emails[0]?.rendered?.html ?? "";
    expect(html).toContain("2026-03-07, revision 1");
    const stored = (await deps.snapshots.latest("daily", "2026-03-07")) as ReportSnapshot;
    const dau = summary.metrics.dau?.value ?? 0;
    const previousDau = stored.metrics.dau?.value ?? 0;
    expect(previousDau).toBeGreaterThan(0);
    const change = Math.abs(dau / previousDau - 1);
    expect(html).toContain(
      `${dau > previousDau ? "▲" : "▼"} ${(change * 100).toFixed(1)}% vs prev. day`,
    );
  });

  it("sends only to the --to address, under its own delivery key", async () => {
    const { deps } = setup();
    const summary = await runReport(deps, {
      report: "daily",
      date: "2026-03-08",
      to: "Me@Example.com",
    });
    expect(summary.emails).toHaveLength(1);
    expect(summary.emails[0]).toMatchObject({
      list: "direct",
      to: ["Me@Example.com"],
      idempotencyKey: "report:daily:2026-03-08:to:me@example.com",
      status: "sent",
    });
    // The managers have not received it: a normal run still delivers to them.
    const normal = await runReport(deps, { report: "daily", date: "2026-03-08" });
    expect(normal.emails.map((e) => e.status)).toEqual(["sent", "sent"]);
  });

  it("delivers again with --force, as a correction under the new revision's key", async () => {
    const { deps } = setup();
    await runReport(deps, { report: "weekly", date: "2026-03-04" });
    const forced = await runReport(deps, { report: "weekly", date: "2026-03-04", force: true });
    expect(forced.outcome).toBe("ok");
    expect(forced.snapshot).toEqual({ periodKey: "2026-W10", revision: 2 });
    expect(forced.emails[0]).toMatchObject({
      idempotencyKey: "report:weekly:2026-W10:managers:rev2",
      status: "sent",
    });
    expect(forced.emails[0]?.subject).toMatch(
      /^\[OpsPulse\] Correction: Weekly KPI report · 2026-W10/,
    );
  });

  it("releases the claim of a failed send, so that the next run delivers it", async () => {
    let failures = 1;
    const { out, deps: base } = setup();
    const outbox = base.mailer;
    const flaky: Mailer = {
      async send(email, context) {
        if (email.listName === "managers-zh" && failures-- > 0)
          throw new Error("SES is throttling");
        return outbox.send(email, context);
      },
    };
    const deps = { ...base, mailer: flaky };
    const failed = await runReport(deps, {
      report: "daily",
      date: "2026-03-08",
      runId: "first",
    }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ReportRunError);
    const summary = (failed as ReportRunError).summary;
    expect(summary.outcome).toBe("failed");
    expect(summary.emails.map((e) => [e.list, e.status])).toEqual([
      ["managers", "sent"],
      ["managers-zh", "failed"],
    ]);
    expect(await deps.deliveries.get("report:daily:2026-03-08:managers-zh")).toBeUndefined();

    const retry = await runReport(deps, { report: "daily", date: "2026-03-08", runId: "second" });
    expect(retry.emails.map((e) => [e.list, e.status])).toEqual([
      ["managers-zh", "sent"],
      ["managers", "already_delivered"],
    ]);
    expect(readdirSync(join(out, "outbox", "second"))).toEqual([
      "managers-zh.eml",
      "managers-zh.html",
    ]);
  });

  it("fails a run whose query fails: no snapshot, no email, the run log says why", async () => {
    const broken: KpiModule = {
      id: "broken",
      periods: ["day"],
      compute: async (context) => {
        await context.engine.run(
          { name: "broken", sql: "select * from no_such_table", params: [] },
          {},
        );
        return { values: {}, stats: [] };
      },
    };
    const { out, deps, runLog, outboxRuns } = setup({ modules: [broken] });
    const error = await runReport(deps, { report: "daily", date: "2026-03-08" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReportRunError);
    expect((error as Error).message).toMatch(/Query broken failed in DuckDB/);
    expect(outboxRuns()).toEqual([]);
    expect(existsSync(join(out, "snapshots"))).toBe(false);
    expect(existsSync(join(out, "deliveries"))).toBe(false);
    expect(runLog()[0]).toMatchObject({
      outcome: "failed",
      error: expect.stringMatching(/no_such_table/),
    });
  });

  it("runs afterSnapshot hooks on the stored snapshot; their notices head every email", async () => {
    const seen: AfterSnapshotContext[] = [];
    const { deps } = setup({
      afterSnapshot: [
        {
          name: "test-hook",
          async run(context) {
            seen.push(context);
            return {
              notices: [
                {
                  level: "warning",
                  text: {
                    en: "Data incomplete: events dt=2026-03-08 is thin.",
                    "zh-CN": "数据不完整。",
                  },
                },
              ],
            };
          },
        },
      ],
    });
    const summary = await runReport(deps, { report: "daily", date: "2026-03-08" });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.snapshot?.revision).toBe(1);
    expect(seen[0]?.metrics.length).toBe(Object.keys(summary.metrics).length);
    const en = readFileSync(summary.emails[0]?.location?.replace(/\.eml$/, ".html") ?? "", "utf8");
    expect(en).toContain("Data incomplete: events dt=2026-03-08 is thin.");
  });

  it("rejects a date that is not a date", async () => {
    const { deps, runLog } = setup();
    await expect(runReport(deps, { report: "daily", date: "2026-02-30" })).rejects.toThrow(
      /not a calendar date/,
    );
    expect(runLog()[0]).toMatchObject({ outcome: "failed" });
  });
});
