/**
 * Faults in the data: rows that break the contract (negative amounts, null user ids,
 * unknown event types, timestamps in the future), a partition whose files changed schema
 * (a missing column, a retyped one), a corrupt Parquet file — in a real DuckDB lake.
 *
 * Expected: the run either completes with those rows counted as invalid by data quality
 * and no KPI breach caused by them, or fails with one line naming the file (the CLI prints
 * no stack trace), on-call gets one failure notice and managers get nothing.
 *
 * Every case damages its own copy of the small lake and compares with a run on the clean one.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runReportWithAlerts } from "../../functions/lib/alerts/on-call.ts";
import type { EfficiencyDetails } from "../../functions/lib/kpi/efficiency.ts";
import { type LakeRow, writeLake } from "../../functions/lib/lake/writer.ts";
import type { Clock } from "../../functions/lib/ports.ts";
import { efficiencyModule } from "../../functions/lib/report/modules/efficiency.ts";
import { ALL_MODULES } from "../../functions/lib/report/modules/index.ts";
import { ReportRunError, type RunReportSummary } from "../../functions/lib/report/run-report.ts";
import * as rows from "../support/rows.ts";
import { runCli } from "../unit/cli/commands/capture.ts";
import {
  clockAt,
  countByList,
  createLocalWorld,
  type LocalWorld,
  outbox,
  runLog,
} from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

/** Data quality is judged on the tiny lake too (72 events a day). */
const SETTINGS = "kpi:\n  min_sample: 10\n";
/** The run of 1 March (GMV 1 200, target 1 000: met), the morning after. */
const DAY = "2026-03-01";
const MORNING_AFTER = clockAt("2026-03-02T00:00:00Z");
/** Local noon of DAY, in UTC. */
const NOON = new Date(`${DAY}T04:00:00Z`);
/** Data quality is computed whether or not the efficiency module is registered yet. */
const MODULES = ALL_MODULES.includes(efficiencyModule)
  ? ALL_MODULES
  : [...ALL_MODULES, efficiencyModule];

let world: LocalWorld;
let baseline: RunReportSummary;
let baselineQuality: EfficiencyDetails["dataQuality"];

beforeAll(async () => {
  world = await createLocalWorld({ settings: SETTINGS });
  const clean = await run(world.lakeDir);
  if (!clean.summary) throw clean.error;
  baseline = clean.summary;
  baselineQuality = clean.quality;
});
afterAll(() => world?.close());

interface CaseRun {
  readonly out: string;
  readonly summary: RunReportSummary | undefined;
  readonly error: ReportRunError | undefined;
  readonly quality: EfficiencyDetails["dataQuality"];
}

/** Runs the daily report of DAY with alerts on `lakeDir`, into a fresh output folder. */
async function run(lakeDir: string, clock: Clock = MORNING_AFTER, date = DAY): Promise<CaseRun> {
  const out = world.newOut("bad-data");
  const { deps, close } = await world.open(out, {
    lakeDir,
    clock,
    overrides: { modules: MODULES },
  });
  try {
    const summary = await runReportWithAlerts(deps, { report: "daily", date });
    const snapshot = JSON.parse(
      readFileSync(join(out, "snapshots", "daily", date, "r001.json"), "utf8"),
    ) as { details: { efficiency: EfficiencyDetails } };
    return { out, summary, error: undefined, quality: snapshot.details.efficiency.dataQuality };
  } catch (error) {
    if (!(error instanceof ReportRunError)) throw error;
    return { out, summary: undefined, error, quality: baselineQuality };
  } finally {
    await close();
  }
}

/** The metrics in breach, by id. */
function breaches(summary: RunReportSummary): string[] {
  return Object.entries(summary.metrics)
    .filter(([, m]) => m.status === "breach")
    .map(([id]) => id)
    .sort();
}

/** Values of every metric except the data-quality ones, which are meant to move. */
function kpiValues(summary: RunReportSummary, except: readonly string[] = []): object {
  return Object.fromEntries(
    Object.entries(summary.metrics)
      .filter(([id]) => id !== "data_quality" && !except.includes(id))
      .map(([id, m]) => [id, m.value]),
  );
}

/** A completed run: managers got their one email, on-call no KPI alert the data caused. */
function expectCompletedWithoutNewBreach(result: CaseRun): RunReportSummary {
  expect(result.error?.message).toBeUndefined();
  const summary = result.summary as RunReportSummary;
  expect(summary.outcome).toBe("ok");
  expect(breaches(summary)).toEqual(breaches(baseline));
  expect(countByList(outbox(result.out))).toEqual({ managers: 1 });
  return summary;
}

/** An error line for the report: its start and its end (where the file is named). */
function abridged(message: string): string {
  const text = message.replaceAll(world.root, "…");
  return text.length <= 150 ? text : `${text.slice(0, 70)} … ${text.slice(-75)}`;
}

/** Writes Parquet with exactly the columns `select` gives (for schema drift). */
async function writeRawParquet(file: string, select: string): Promise<void> {
  mkdirSync(join(file, ".."), { recursive: true });
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// Contract rows with `fields` overridden by values the contract refuses (null users, …).
const event = (id: string, fields: LakeRow = {}): LakeRow => ({
  ...rows.event(id, NOON, `u${id}`),
  ...fields,
});
const order = (id: string, fields: LakeRow = {}): LakeRow => ({
  ...rows.order(id, NOON, "80.00", { user_id: "u2" }),
  ...fields,
});

describe("rows that break the contract: counted as invalid, no breach caused by them", () => {
  it("negative amounts", async () => {
    const lake = await world.lakeCopy("negative", (dir) =>
      writeLake(
        dir,
        { orders: [order("paid-as-negative", { amount: "-100000.00" })] },
        {
          fileStem: "bad-{i}",
        },
      ),
    );
    const result = await run(lake);

    const summary = expectCompletedWithoutNewBreach(result);
    expect(kpiValues(summary)).toEqual(kpiValues(baseline));
    expect(summary.metrics.gmv).toEqual({ value: 1200, status: "met" });
    expect(result.quality.orders.failures.negative_amount).toBe(1);
    expect(result.quality.orders.records).toBe(baselineQuality.orders.records + 1);
    expect(result.quality.orders.passing).toBe(baselineQuality.orders.passing);
    recordFault({
      area: "Bad data",
      fault: "a paid order of −100 000 (negative amount)",
      expected: "counted invalid; GMV unchanged; no breach",
      observed: `GMV ${summary.metrics.gmv?.value} (${summary.metrics.gmv?.status}); invalid orders: negative_amount ${result.quality.orders.failures.negative_amount}; breaches [${breaches(summary).join(", ")}]`,
    });
  });

  it("null user ids", async () => {
    const lake = await world.lakeCopy("null-user", (dir) =>
      writeLake(
        dir,
        {
          events: [1, 2, 3].map((i) => event(`anonymous-${i}`, { user_id: null })),
          orders: [order("anonymous-order", { user_id: null })],
        },
        { fileStem: "bad-{i}" },
      ),
    );
    const result = await run(lake);

    const summary = expectCompletedWithoutNewBreach(result);
    expect(kpiValues(summary)).toEqual(kpiValues(baseline));
    expect(result.quality.events.failures.null_user).toBe(3);
    expect(result.quality.orders.failures.null_user).toBe(1);
    recordFault({
      area: "Bad data",
      fault: "3 events and 1 paid order with a null user id",
      expected: "counted invalid; DAU, orders, GMV unchanged",
      observed: `DAU ${summary.metrics.dau?.value}, orders ${summary.metrics.orders?.value}, GMV ${summary.metrics.gmv?.value} (as on the clean lake); invalid: ${result.quality.events.failures.null_user} events, ${result.quality.orders.failures.null_user} order`,
    });
  });

  it("unknown event types", async () => {
    const lake = await world.lakeCopy("unknown-type", (dir) =>
      writeLake(
        dir,
        { events: [1, 2, 3, 4, 5].map((i) => event(`bot-${i}`, { event_type: "bot_ping" })) },
        { fileStem: "bad-{i}" },
      ),
    );
    const result = await run(lake);

    const summary = expectCompletedWithoutNewBreach(result);
    // Activity of any event type counts (a new type is activity the contract does not know
    // yet); money and orders are untouched.
    expect(kpiValues(summary, ["dau", "wau", "mau", "users_per_ops_head"])).toEqual(
      kpiValues(baseline, ["dau", "wau", "mau", "users_per_ops_head"]),
    );
    expect(result.quality.events.failures.unknown_type).toBe(5);
    const quality = summary.metrics.data_quality?.value ?? 1;
    expect(quality).toBeLessThan(baseline.metrics.data_quality?.value ?? 0);
    recordFault({
      area: "Bad data",
      fault: "5 events of an unknown type",
      expected: "counted invalid; no breach",
      observed: `invalid events: unknown_type ${result.quality.events.failures.unknown_type}; data quality ${(quality * 100).toFixed(1)} % (clean ${((baseline.metrics.data_quality?.value ?? 0) * 100).toFixed(1)} %); breaches [${breaches(summary).join(", ")}]`,
    });
  });

  it("timestamps in the future", async () => {
    // A run of the day in progress (18:00 in Shanghai): events stamped after the run.
    const evening = clockAt(`${DAY}T10:00:00Z`);
    const future = new Date(`${DAY}T13:00:00Z`);
    const lake = await world.lakeCopy("future", (dir) =>
      writeLake(
        dir,
        {
          events: [1, 2, 3, 4].map((i) => event(`skewed-${i}`, { event_time: future })),
          orders: [order("skewed-order", { order_time: future, updated_at: future })],
        },
        { fileStem: "bad-{i}" },
      ),
    );
    const clean = await run(world.lakeDir, evening);
    const result = await run(lake, evening);

    expect(result.summary?.outcome).toBe("ok");
    expect(breaches(result.summary as RunReportSummary)).toEqual(
      breaches(clean.summary as RunReportSummary),
    );
    expect(result.quality.events.failures.future).toBe(clean.quality.events.failures.future! + 4);
    expect(result.quality.orders.failures.future).toBe(clean.quality.orders.failures.future! + 1);
    // Freshness is measured on events up to the run, not on the skewed ones.
    expect(result.summary?.metrics.data_freshness_minutes).toEqual(
      clean.summary?.metrics.data_freshness_minutes,
    );
    recordFault({
      area: "Bad data",
      fault: "4 events and 1 order stamped after the run",
      expected: "counted invalid (future); freshness not fooled; no breach",
      observed: `invalid: ${result.quality.events.failures.future! - clean.quality.events.failures.future!} events, ${result.quality.orders.failures.future! - clean.quality.orders.failures.future!} order more than the clean lake; freshness ${result.summary?.metrics.data_freshness_minutes?.value} min as on the clean lake`,
    });
  });
});

describe("files that do not match the contract", () => {
  const partition = (lake: string, table: string) => join(lake, table, `dt=${DAY}`);

  it("a column retyped in a compatible way (user_id as a number, amount as a double): read as the contract says", async () => {
    const lake = await world.lakeCopy("retyped", async (dir) => {
      await writeRawParquet(
        join(partition(dir, "events"), "retyped.parquet"),
        `SELECT 'retyped-1' AS event_id, TIMESTAMP '${DAY} 04:00:00' AS event_time, 9001 AS user_id,
           'page_view' AS event_type, 'app' AS channel, NULL::VARCHAR AS content_id,
           NULL::VARCHAR AS campaign_id, NULL::VARCHAR AS referrer_user_id, NULL::BOOLEAN AS automated`,
      );
      await writeRawParquet(
        join(partition(dir, "orders"), "retyped.parquet"),
        `SELECT 'retyped-order' AS order_id, 'u2' AS user_id, TIMESTAMP '${DAY} 04:00:00' AS order_time,
           TIMESTAMP '${DAY} 04:00:00' AS updated_at, 99.5::DOUBLE AS amount, 'CNY' AS currency,
           'paid' AS status, 'app' AS channel, NULL::VARCHAR AS campaign_id, NULL::VARCHAR AS content_id`,
      );
    });
    const result = await run(lake);

    const summary = expectCompletedWithoutNewBreach(result);
    expect(summary.metrics.dau?.value).toBe((baseline.metrics.dau?.value ?? 0) + 1);
    expect(summary.metrics.gmv?.value).toBe(1299.5);
    recordFault({
      area: "Bad data",
      fault: "a partition's file with user_id as a number and amount as a double",
      expected: "cast to the contract's types; run completes",
      observed: `${summary.outcome}; DAU ${summary.metrics.dau?.value} (+1), GMV ${summary.metrics.gmv?.value} (+99.5)`,
    });
  });

  /** A failed run: one line naming the file, one notice to on-call, nothing to managers. */
  function expectFailureNamingFile(result: CaseRun, file: string) {
    expect(result.summary).toBeUndefined();
    const message = result.error?.message ?? "";
    expect(message).toContain(file);
    expect(message).not.toContain("\n");
    expect(countByList(outbox(result.out))).toEqual({ "on-call.failure": 1 });
    const notice = outbox(result.out)[0];
    expect(notice?.text).toContain(file);
    expect(runLog(result.out).find((line) => line.type === "report_run")).toMatchObject({
      outcome: "failed",
      error: expect.stringContaining(file),
    });
  }

  it("a file missing a column: the run fails with one line naming the file", async () => {
    let file = "";
    const lake = await world.lakeCopy("missing-column", async (dir) => {
      file = join(partition(dir, "events"), "no-channel.parquet");
      await writeRawParquet(
        file,
        `SELECT 'short-1' AS event_id, TIMESTAMP '${DAY} 04:00:00' AS event_time, 'u1' AS user_id,
           'page_view' AS event_type`,
      );
    });
    const result = await run(lake);

    expectFailureNamingFile(result, file);
    expect(result.error?.message).toMatch(/column "channel"/);
    recordFault({
      area: "Bad data",
      fault: "a partition's file without the channel column",
      expected: "fails with one line naming the file; one failure notice",
      observed: `"${abridged(result.error?.message ?? "")}"; emails ${JSON.stringify(countByList(outbox(result.out)))}`,
    });
  });

  it("a column retyped so its values cannot be read (event_time as text): one line naming the file", async () => {
    let file = "";
    const lake = await world.lakeCopy("unreadable-column", async (dir) => {
      file = join(partition(dir, "events"), "text-times.parquet");
      await writeRawParquet(
        file,
        `SELECT 'text-1' AS event_id, 'yesterday' AS event_time, 'u1' AS user_id,
           'page_view' AS event_type, 'app' AS channel, NULL::VARCHAR AS content_id,
           NULL::VARCHAR AS campaign_id, NULL::VARCHAR AS referrer_user_id, NULL::BOOLEAN AS automated`,
      );
    });
    const result = await run(lake);

    expectFailureNamingFile(result, file);
    recordFault({
      area: "Bad data",
      fault: "a partition's file with event_time as text ('yesterday')",
      expected: "fails with one line naming the file; one failure notice",
      observed: `"${abridged(result.error?.message ?? "")}"; emails ${JSON.stringify(countByList(outbox(result.out)))}`,
    });
  });

  it("a corrupt Parquet file, through the CLI: exit 1, one line naming the file, no stack trace", async () => {
    let file = "";
    const lake = await world.lakeCopy("corrupt", (dir) => {
      file = join(partition(dir, "events"), "truncated.parquet");
      writeFileSync(file, "PAR1 this upload was cut short");
    });
    const out = world.newOut("corrupt-cli");

    const { code, stdout, stderr } = await runCli([
      "run",
      "daily",
      "--date",
      DAY,
      "--lake",
      lake,
      "--out",
      out,
      "--config",
      world.configDir,
      "--send",
    ]);

    expect(code).toBe(1);
    expect(stdout).toBe("");
    // One line for the error; notices of the run (e.g. "the emails go without charts") aside.
    const lines = stderr.trimEnd().split("\n");
    const errors = lines.filter((line) => !line.startsWith("notice: "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^opspulse: Query \w+ failed in DuckDB: /);
    expect(errors[0]).toContain(file);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(countByList(outbox(out))).toEqual({ "on-call.failure": 1 });
    expect(existsSync(join(out, "snapshots", "daily", DAY))).toBe(false);
    recordFault({
      area: "Bad data",
      fault: "a corrupt Parquet file in the period's partition (CLI)",
      expected: "exit 1, one line naming the file, no stack trace; one failure notice",
      observed: `exit ${code}; ${errors.length} error line, naming the file; emails ${JSON.stringify(countByList(outbox(out)))}`,
    });
  });
});
