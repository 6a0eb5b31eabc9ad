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
import {
  createS3DeliveryLog,
  createS3SnapshotStore,
} from "../../../functions/lib/adapters/s3-store.ts";
import { parseConfig } from "../../../functions/lib/config/load.ts";
import type { CompletenessIssue } from "../../../functions/lib/kpi/completeness.ts";
import { isMetricId, metric } from "../../../functions/lib/kpi/registry.ts";
import { generateLake } from "../../../functions/lib/lake/generator.ts";
import type { Mailer, QueryEngine } from "../../../functions/lib/ports.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import {
  GMAIL_CLIP_BYTES,
  loadReportTemplates,
  type ReportTemplates,
} from "../../../functions/lib/report/email/render.ts";
import { campaignsModule } from "../../../functions/lib/report/modules/campaigns.ts";
import { usersModule } from "../../../functions/lib/report/modules/users.ts";
import type { KpiModule } from "../../../functions/lib/report/modules.ts";
import {
  type AfterSnapshotContext,
  type CompletenessGateContext,
  engineForZone,
  ReportRunError,
  type RunReportDeps,
  runReport,
} from "../../../functions/lib/report/run-report.ts";
import type { ReportSnapshot } from "../../../functions/lib/report/snapshot.ts";
import { buildTemplates } from "../../../scripts/build-templates.ts";
import { fakeBucket } from "../adapters/fake-s3.ts";
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
      // The text and HTML alternatives, then the metric table as a CSV attachment.
      expect(message.contentType).toBe("multipart/mixed");
      const [text, html, csv] = leaves(message);
      expect(text?.contentType).toBe("text/plain");
      expect(html?.contentType).toBe("text/html");
      expect(csv?.contentType).toBe("text/csv");
      expect(Buffer.byteLength(html?.body ?? "")).toBeLessThan(GMAIL_CLIP_BYTES);
      expect(html?.body).toContain(email.list === "managers" ? "D1 retention" : "次日留存率");
      // The footer's command reproduces the sent report (by hand, an earlier day previews).
      expect(text?.body).toContain("opspulse run daily --date 2026-03-08 --send");
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
    // DuckDB reports the bytes and partitions of the files each query opened; the run log
    // adds them up.
    const queries = first?.queries as { bytesScanned?: number; partitionsRead?: object }[];
    expect(first?.bytesScanned).toBeGreaterThan(0);
    expect(first?.bytesScanned).toBe(queries.reduce((sum, q) => sum + (q.bytesScanned ?? 0), 0));
    const read = first?.partitionsRead as Record<string, number>;
    expect(read.events).toBeGreaterThan(0);
    expect(read.orders).toBeGreaterThan(0);
    expect(read.events).toBe(
      queries.reduce(
        (sum, q) => sum + ((q.partitionsRead as Record<string, number> | undefined)?.events ?? 0),
        0,
      ),
    );
    expect(first?.completeness).toBeNull(); // no gate in these deps
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
      // A preview's command previews again.
      expect(email.rendered?.text).toMatch(/opspulse run daily --date 2026-03-08\n/);
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
    // A test send's command does not mail the lists.
    const [text] = leaves(parseEml(readFileSync(summary.emails[0]?.location ?? "", "utf8")));
    expect(text?.body).toContain("opspulse run daily --date 2026-03-08");
    expect(text?.body).not.toContain("--send");
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

  it("fails on another run's claim within its lease, and takes over one past it", async () => {
    const { deps: base, outboxRuns } = setup();
    const deps = { ...base, claimWait: { timeoutMs: 0 } };
    const key = "report:daily:2026-03-08:managers";
    // A run claimed the delivery 10 minutes before this clock's now, until 20 minutes after.
    await deps.deliveries.claim({
      idempotencyKey: key,
      runId: "sending-now",
      deliveredAt: "2026-03-08T23:55:00.000Z",
      state: "sending",
      leaseUntil: "2026-03-09T00:25:00.000Z",
    });
    const stopped = await runReport(deps, { report: "daily", date: "2026-03-08" }).catch(
      (error: unknown) => error,
    );
    expect(stopped).toBeInstanceOf(ReportRunError);
    expect((stopped as Error).message).toBe(
      "report:daily:2026-03-08:managers: delivery in progress or interrupted (run sending-now, until 2026-03-09T00:25:00.000Z): a later run takes it over after that time (locally: at once when that run's process is gone)",
    );
    expect(outboxRuns()).toEqual([]);

    // Past the lease, the next run takes the claim over and sends both lists.
    const later = { now: () => new Date("2026-03-09T00:26:00Z") };
    const takenOver = await runReport(
      { ...deps, clock: later },
      { report: "daily", date: "2026-03-08", runId: "taker" },
    );
    expect(takenOver.outcome).toBe("ok");
    expect(takenOver.emails.map((e) => [e.list, e.status])).toEqual([
      ["managers", "sent"],
      ["managers-zh", "sent"],
    ]);
    expect(await deps.deliveries.get(key)).toMatchObject({ runId: "taker", state: "delivered" });

    // A claim of old (no lease) holds 30 minutes from when it was made.
    const { deps: legacy } = setup();
    await legacy.deliveries.claim({
      idempotencyKey: key,
      runId: "old",
      deliveredAt: "2026-03-08T23:05:00.000Z",
      state: "sending",
    });
    const old = await runReport(legacy, { report: "daily", date: "2026-03-08" });
    expect(old.emails.find((e) => e.list === "managers")?.status).toBe("sent");
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

  it("shows campaign names from the campaigns dimension, not their ids", async () => {
    const { deps } = setup({ modules: [campaignsModule] });
    const summary = await runReport(deps, { report: "daily", date: "2026-03-08" });
    const snapshot = (await deps.snapshots.latest("daily", "2026-03-08")) as ReportSnapshot;
    const ids = Object.keys(snapshot.scoped);
    expect(ids.length).toBeGreaterThan(0);
    const dimension = await (engine as Awaited<ReturnType<typeof createDuckDbEngine>>).raw(
      `select id, name from campaigns where id in (${ids.map((id) => `'${id}'`).join(", ")})`,
    );
    const names = Object.fromEntries(dimension.map((row) => [String(row.id), String(row.name)]));
    expect(snapshot.scopeNames).toEqual(names);
    const html = readFileSync(
      summary.emails[0]?.location?.replace(/\.eml$/, ".html") ?? "",
      "utf8",
    );
    for (const id of ids) {
      expect(html).toContain(names[id]);
      expect(html).not.toContain(id); // campaign ids like cmp_0007 are not for managers
    }
  });

  it("rejects a date that is not a date", async () => {
    const { deps, runLog } = setup();
    await expect(runReport(deps, { report: "daily", date: "2026-02-30" })).rejects.toThrow(
      /not a calendar date/,
    );
    expect(runLog()[0]).toMatchObject({ outcome: "failed" });
  });
});

describe("runReport in another zone than the configured one, with rollups", () => {
  /** Every rollup manifest of the lake: rollup/day → zone and build id. */
  const manifests = () => {
    const found: Record<string, string> = {};
    const root = join(lakeDir, "rollups");
    for (const rollup of readdirSync(root).filter((name) => !name.startsWith("_"))) {
      for (const day of readdirSync(join(root, rollup))) {
        const file = join(root, rollup, day, "_manifest.json");
        if (!existsSync(file)) continue;
        const manifest = JSON.parse(readFileSync(file, "utf8")) as {
          timeZone: string;
          buildId: string;
        };
        found[`${rollup}/${day}`] = `${manifest.timeZone} ${manifest.buildId}`;
      }
    }
    return found;
  };
  const builds = (summary: { queries: readonly { query: string }[] }) =>
    summary.queries.filter((q) => q.query.startsWith("rollup_")).map((q) => q.query);

  it("reads the rollups inlined and leaves the configured zone's rollups as they are", async () => {
    const { deps } = setup({ modules: [usersModule] });
    const request = { report: "daily", date: "2026-03-05", dryRun: true } as const;
    await runReport(deps, request);
    const before = manifests();
    expect(Object.keys(before).length).toBeGreaterThan(0);

    const newYork = await runReport(deps, { ...request, timeZone: "America/New_York" });
    expect(newYork.outcome).toBe("dry_run");
    expect(builds(newYork)).toEqual([]);
    expect(manifests()).toEqual(before);
    // The configured zone's next run finds its rollups fresh: nothing is built again,
    // however the zone is spelt.
    expect(builds(await runReport(deps, request))).toEqual([]);
    expect(builds(await runReport(deps, { ...request, timeZone: "asia/shanghai" }))).toEqual([]);
    expect(manifests()).toEqual(before);
  });

  it("keeps the rollups for the config's zone, whatever zone a report's schedule has", () => {
    const zoned = (timeZone: string) =>
      engineForZone(engine, timeZone, { timeZone: "Asia/Shanghai" }).rollups;
    expect(zoned("Asia/Shanghai")).toBe(engine.rollups);
    expect(zoned("PRC")).toBe(engine.rollups);
    expect(zoned("Europe/Berlin")).toBeUndefined();
    expect(zoned("+08:00")).toBeUndefined();
  });
});

describe.each([
  ["the filesystem stores", () => ({})],
  [
    "the S3 stores",
    () => {
      const options = { client: fakeBucket().client, bucket: "opspulse.example.com", clock };
      return {
        snapshots: createS3SnapshotStore(options),
        deliveries: createS3DeliveryLog(options),
      };
    },
  ],
] as const)("runReport for another time zone than the configured one, on %s", (_, stores) => {
  const NEW_YORK = "America/New_York";

  it("delivers a --tz re-run of a delivered day once, under keys of its own zone", async () => {
    const { deps } = setup({ ...stores(), modules: [usersModule] });
    const shanghai = await runReport(deps, { report: "daily", date: "2026-03-07" });
    expect(shanghai.periodKey).toBe("2026-03-07");
    expect(shanghai.emails.map((e) => [e.idempotencyKey, e.status])).toEqual([
      ["report:daily:2026-03-07:managers", "sent"],
      ["report:daily:2026-03-07:managers-zh", "sent"],
    ]);

    const newYork = await runReport(deps, {
      report: "daily",
      date: "2026-03-07",
      timeZone: NEW_YORK,
    });
    expect(newYork.outcome).toBe("ok");
    expect(newYork.periodKey).toBe("tz=America.New_York/2026-03-07");
    expect(newYork.snapshot).toEqual({ periodKey: "tz=America.New_York/2026-03-07", revision: 1 });
    expect(newYork.emails.map((e) => [e.idempotencyKey, e.status])).toEqual([
      ["report:daily:tz=America.New_York/2026-03-07:managers", "sent"],
      ["report:daily:tz=America.New_York/2026-03-07:managers-zh", "sent"],
    ]);
    // The configured zone's snapshot keeps its one revision and its own numbers.
    const stored = await deps.snapshots.revisions("daily", "2026-03-07");
    expect(stored.map((doc) => [doc.revision, (doc as ReportSnapshot).period.timeZone])).toEqual([
      [1, "Asia/Shanghai"],
    ]);
    const zoned = (await deps.snapshots.latest(
      "daily",
      "tz=America.New_York/2026-03-07",
    )) as ReportSnapshot;
    expect(zoned.period.timeZone).toBe(NEW_YORK);
    expect(zoned.dataWindow.fromUtc).toBe("2026-03-07T05:00:00.000Z");
    // The configured zone's history ranges never read the other zone's snapshots.
    expect(
      (await deps.snapshots.history("daily", "2026-03-01", "2026-03-31")).map((d) => d.periodKey),
    ).toEqual(["2026-03-07"]);

    // The same zone again is refused, whatever the spelling of its name.
    for (const timeZone of [NEW_YORK, "US/Eastern"]) {
      const again = await runReport(deps, { report: "daily", date: "2026-03-07", timeZone });
      expect(again.outcome).toBe("skipped_already_delivered");
      expect(again.emails.map((e) => e.status)).toEqual(["already_delivered", "already_delivered"]);
    }
    for (const timeZone of [undefined, "Asia/Shanghai", "asia/shanghai"]) {
      const again = await runReport(deps, {
        report: "daily",
        date: "2026-03-07",
        ...(timeZone ? { timeZone } : {}),
      });
      expect(again.outcome).toBe("skipped_already_delivered");
      expect(again.emails.map((e) => e.idempotencyKey)).toEqual([
        "report:daily:2026-03-07:managers",
        "report:daily:2026-03-07:managers-zh",
      ]);
    }
  });

  it("compares a --tz run with the earlier snapshot of its own zone, not the configured one's", async () => {
    const { deps } = setup({ ...stores(), modules: [usersModule] });
    await runReport(deps, { report: "daily", date: "2026-03-06", deliver: false });
    const first = await runReport(deps, {
      report: "daily",
      date: "2026-03-07",
      timeZone: NEW_YORK,
      deliver: false,
    });
    expect(first.snapshot).toEqual({ periodKey: "tz=America.New_York/2026-03-07", revision: 1 });
    const firstDoc = (await deps.snapshots.latest("daily", first.periodKey)) as ReportSnapshot;
    expect(firstDoc.comparedWith.previous).toBeNull();

    await runReport(deps, {
      report: "daily",
      date: "2026-03-07",
      timeZone: NEW_YORK,
      deliver: false,
    });
    const second = await runReport(deps, {
      report: "daily",
      date: "2026-03-08",
      timeZone: NEW_YORK,
      deliver: false,
    });
    const secondDoc = (await deps.snapshots.latest("daily", second.periodKey)) as ReportSnapshot;
    expect(secondDoc.comparedWith.previous).toEqual({
      periodKey: "tz=America.New_York/2026-03-07",
      revision: 2,
    });
  });
});

describe("runReport with a completeness gate", () => {
  /** A module of the content table only, with a value far below its target (5 %). */
  const contentOnly: KpiModule = {
    id: "content-only",
    periods: ["day"],
    reads: ["content"],
    compute: async () => ({
      values: { interaction_rate: { value: 0.01, sample: 5000 } },
      stats: [],
    }),
  };
  /** A module that does not say what it reads. */
  const undeclared: KpiModule = {
    id: "undeclared",
    periods: ["day"],
    compute: async () => ({
      values: { content_conversion_rate: { value: 0.001, sample: 5000 } },
      stats: [],
    }),
  };
  const thinOrders: CompletenessIssue = {
    table: "orders",
    partition: "2026-03-08",
    kind: "thin_partition",
    rows: 3,
    expectedRows: 40,
    message: "orders: partition dt=2026-03-08 holds 3 rows in the period, below 50 % of expected.",
  };
  const gate = (issues: readonly CompletenessIssue[], seen: CompletenessGateContext[] = []) => ({
    name: "test-gate",
    async check(context: CompletenessGateContext) {
      seen.push(context);
      return {
        issues,
        notices: issues.length
          ? [
              {
                level: "warning" as const,
                text: { en: "Data incomplete: orders thin.", "zh-CN": "数据不完整：orders。" },
              },
            ]
          : [],
        checked: [{ table: "orders", partition: "2026-03-08", rows: 3 }],
        stats: [{ query: "completeness", elapsedMs: 1, rows: 2, bytesScanned: 10 }],
      };
    },
  });

  it("marks the metrics of modules reading an incomplete table data incomplete, and judges the rest", async () => {
    const seen: CompletenessGateContext[] = [];
    const { out, deps, runLog } = setup({
      modules: [usersModule, contentOnly, undeclared],
      completenessGate: gate([thinOrders], seen),
    });
    const summary = await runReport(deps, { report: "daily", date: "2026-03-08", runId: "gated" });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ periodKey: "2026-03-08", runId: "gated" });
    expect(seen[0]?.window.partitions).toEqual(["2026-03-07", "2026-03-08"]);

    // users reads events and orders; the undeclared module may read anything: not judged.
    const users = Object.keys(summary.metrics).filter(
      (id) => id !== "interaction_rate" && id !== "content_conversion_rate",
    );
    expect(users).toEqual(expect.arrayContaining(["gmv", "dau", "retention_d1"]));
    for (const id of users) expect(summary.metrics[id]?.status, id).toBe("data_incomplete");
    expect(summary.metrics.content_conversion_rate?.status).toBe("data_incomplete");
    // content is complete: its metric is judged, and breached.
    expect(summary.metrics.interaction_rate?.status).toBe("breach");
    expect(summary.statusCounts.breach).toBe(1);
    expect(summary.statusCounts.data_incomplete).toBe(users.length + 1);
    expect(summary.dataIssues).toEqual([thinOrders]);

    const snapshot = JSON.parse(
      readFileSync(join(out, "snapshots", "daily", "2026-03-08", "r001.json"), "utf8"),
    ) as ReportSnapshot;
    expect(snapshot.metrics.gmv).toMatchObject({
      status: "data_incomplete",
      incompleteInputs: ["orders"],
    });
    expect(snapshot.metrics.interaction_rate?.status).toBe("breach");
    expect(snapshot.dataCompleteness).toEqual({ issues: [thinOrders] });
    expect(snapshot.statusCounts.breach).toBe(1);

    const en = summary.emails.find((e) => e.list === "managers");
    expect(en?.subject).toMatch(/ · 1 breach · data incomplete$/);
    const html = readFileSync(en?.location?.replace(/\.eml$/, ".html") ?? "", "utf8");
    const noticeAt = html.indexOf("Data incomplete: orders thin.");
    expect(noticeAt).toBeGreaterThan(0);
    expect(noticeAt).toBeLessThan(html.indexOf("HEADLINE KPIS"));
    expect(html).toContain("not judged: its input data (orders) is incomplete for this period");
    const text =
      leaves(parseEml(readFileSync(en?.location ?? "", "utf8"))).find(
        (part) => part.contentType === "text/plain",
      )?.body ?? "";
    expect(text).toMatch(/- GMV: .* \[Data incomplete\]/);
    expect(text).toMatch(/- Interaction rate: .* \[Breach\]/);
    // The needs-attention list holds the one judged breach, not the unjudged metrics.
    expect(text.match(/^ {2}✖ .*$/gm)).toEqual([expect.stringMatching(/^ {2}✖ Interaction rate:/)]);

    const zh = summary.emails.find((e) => e.list === "managers-zh");
    expect(zh?.subject).toMatch(/ · 1 项未达标 · 数据不完整$/);
    const zhHtml = readFileSync(zh?.location?.replace(/\.eml$/, ".html") ?? "", "utf8");
    expect(zhHtml).toContain("数据不完整：orders。");
    expect(zhHtml).toContain("未评判：本周期输入数据（orders）不完整");

    const [entry] = runLog();
    expect(Object.keys(entry?.timingsMs as object)).toContain("gate");
    expect(entry?.completeness).toEqual({
      complete: false,
      issues: [thinOrders],
      checked: [{ table: "orders", partition: "2026-03-08", rows: 3 }],
    });
    expect(entry?.queries).toEqual(
      expect.arrayContaining([expect.objectContaining({ query: "completeness" })]),
    );
  });

  it("judges every metric when the gate finds the data complete", async () => {
    const { deps, runLog } = setup({
      modules: [usersModule, contentOnly],
      completenessGate: gate([]),
    });
    const summary = await runReport(deps, { report: "daily", date: "2026-03-08", dryRun: true });
    expect(summary.statusCounts.data_incomplete).toBe(0);
    expect(summary.dataIssues).toEqual([]);
    expect(summary.emails[0]?.subject).not.toContain("data incomplete");
    expect(runLog()[0]?.completeness).toMatchObject({ complete: true, issues: [] });
  });

  it("fails the run, sending nothing, when the gate cannot check", async () => {
    const { out, deps, outboxRuns } = setup({
      modules: [contentOnly],
      completenessGate: {
        name: "broken-gate",
        check: async () => {
          throw new Error("completeness query failed");
        },
      },
    });
    const error = await runReport(deps, { report: "daily", date: "2026-03-08" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReportRunError);
    expect(outboxRuns()).toEqual([]);
    expect(existsSync(join(out, "snapshots"))).toBe(false);
  });
});
