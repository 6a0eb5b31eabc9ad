/**
 * Fault: a partition inside the windows the metrics read, but not the report day's, is
 * missing — the events and orders of a day four days before the report day are deleted —
 * or far thinner than the same weekday's trailing median.
 *
 * Expected: the metrics whose windows cover that day (WAU, MAU, stickiness, new users, the
 * retention cohorts; the 90-day repurchase rate for orders) are "data incomplete", never
 * judged, and on-call gets one data alert per table; the metrics that read only the report
 * day (DAU, orders, GMV) are judged as usual. The check reads the profile rollups, not the
 * raw partitions: a later run on the same lake builds only its new days.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { runReportWithAlerts } from "../../functions/lib/alerts/on-call.ts";
import { loadConfig } from "../../functions/lib/config/load.ts";
import { generateLake } from "../../functions/lib/lake/generator.ts";
import type { RunReportSummary } from "../../functions/lib/report/run-report.ts";
import {
  type CompiledTemplates,
  compileTemplatesFromMjml,
  localOnCallDeps,
  scheduledClock,
} from "../support/local-deps.ts";
import { countByList, outbox, runLog } from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";
import { thinPartition } from "./support/thin-partition.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-missing-past-"));
const COMPLETE = join(root, "lake-complete");
const CONFIG = resolve(import.meta.dirname, "../../config");
/** The report day, and the day four days before it whose partitions go missing. */
const DAY = "2026-03-08";
const GONE = "2026-03-04";

let templates: CompiledTemplates;
beforeAll(async () => {
  templates = await compileTemplatesFromMjml();
  await generateLake({ seed: 5, days: 60, endDate: "2026-03-09", users: 3000, lakeDir: COMPLETE });
}, 300_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

let lakes = 0;
/** A copy of the complete lake with `dt` partitions of `tables` removed. */
function lakeWithout(dt: string, tables: readonly string[]): string {
  const copy = join(root, `lake-${lakes++}`);
  cpSync(COMPLETE, copy, { recursive: true });
  for (const table of tables) rmSync(join(copy, table, `dt=${dt}`), { recursive: true });
  return copy;
}

/** The daily report of `day` as the 08:00 Shanghai schedule runs it, on `lakeDir`. */
async function runDay(lakeDir: string, out: string, day = DAY): Promise<RunReportSummary> {
  const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  try {
    const deps = localOnCallDeps(out, {
      engine,
      clock: scheduledClock(day),
      config: loadConfig(CONFIG),
      ...templates,
    });
    return await runReportWithAlerts(deps, { report: "daily", date: day, runId: `run-${day}` });
  } finally {
    await engine.close();
  }
}

const WINDOW_METRICS = ["wau", "mau", "stickiness", "new_users", "retention_d1", "retention_d7"];
const DAY_METRICS = ["dau", "orders", "gmv", "paying_users", "aov"];

describe("a missing partition inside the metrics' windows", () => {
  it("makes the metrics reading it data incomplete (and only those), with one data alert per table", async () => {
    const complete = await runDay(COMPLETE, join(root, "out-complete"));
    const damagedLake = lakeWithout(GONE, ["events", "orders"]);
    const out = join(root, "out-damaged");
    const damaged = await runDay(damagedLake, out);

    // On complete data nothing is incomplete; without the day, WAU moves silently…
    expect(complete.dataIssues).toEqual([]);
    expect(damaged.metrics.wau?.value).toBeLessThan(complete.metrics.wau?.value ?? 0);
    // …unless it is marked: every metric whose window covers the day is data incomplete.
    for (const id of [...WINDOW_METRICS, "repurchase_rate"]) {
      expect([id, damaged.metrics[id]?.status]).toEqual([id, "data_incomplete"]);
    }
    // The metrics of the report day alone are judged as on complete data.
    for (const id of DAY_METRICS) {
      expect([id, damaged.metrics[id]?.status]).toEqual([id, complete.metrics[id]?.status]);
      expect(damaged.metrics[id]?.value).toBe(complete.metrics[id]?.value);
    }
    expect(damaged.outcome).toBe("ok");
    expect(damaged.dataIssues.map((i) => [i.table, i.partition, i.kind, i.scope])).toEqual([
      ["events", GONE, "missing_partition", "window"],
      ["orders", GONE, "missing_partition", "window"],
    ]);
    expect(damaged.dataIssues[0]?.readBy).toEqual(expect.arrayContaining(["wau", "mau"]));
    expect(damaged.dataIssues[0]?.readBy).not.toContain("dau");
    // On-call: one message carrying one data alert per table; no KPI alert for a metric
    // that is data incomplete.
    const lists = countByList(outbox(out));
    expect(lists["on-call"]).toBe(1);
    const notifications = runLog(out)
      .filter((line) => line.type === "alerts")
      .flatMap((line) => line.notifications as { key: string; kind: string; status: string }[]);
    const dataAlerts = notifications.filter((n) => n.kind === "data_incomplete");
    expect(dataAlerts.map((n) => [n.key.split(":").at(-1), n.status])).toEqual([
      ["events", "sent"],
      ["orders", "sent"],
    ]);
    for (const id of [...WINDOW_METRICS, "repurchase_rate"]) {
      expect(notifications.filter((n) => n.key.includes(`:${id}:`))).toEqual([]);
    }
    const onCall = outbox(out).find((e) => e.list === "on-call");
    expect(onCall?.text).toContain(`events dt=${GONE} missing: 0 rows`);
    const managers = outbox(out).find((e) => e.list === "managers");
    expect(managers?.text).toContain(`events dt=${GONE} missing: 0 rows`);
    expect(managers?.text).toContain(
      "(read by new_users, wau, mau, stickiness, retention_d1, retention_d7 and 2 more)",
    );

    recordFault({
      area: "Bad data",
      fault: `events and orders partitions of ${GONE} deleted (4 days before the report day)`,
      expected:
        "the metrics whose windows cover it are data incomplete, one data alert per table; the day's metrics judged as usual",
      observed: `WAU ${complete.metrics.wau?.value} → ${damaged.metrics.wau?.value} marked data incomplete, with ${WINDOW_METRICS.length - 1} more and repurchase_rate; DAU, orders, GMV unchanged and judged; on-call: 1 message, data alerts for ${dataAlerts.map((n) => n.key.split(":").at(-1)).join(" and ")}`,
    });
  });

  it("a thin past partition is data incomplete too; the next day's run builds only its new days", async () => {
    const thinLake = lakeWithout(GONE, []);
    // Keep one event file of the day's partition in ten: rewrite the partition thin.
    const kept = await thinPartition(thinLake, "events", GONE, 0.1);
    const out = join(root, "out-thin");
    const first = await runDay(thinLake, out, "2026-03-07");
    const second = await runDay(thinLake, out, DAY);

    for (const summary of [first, second]) {
      expect(summary.dataIssues.map((i) => [i.table, i.partition, i.kind])).toEqual([
        ["events", GONE, "thin_partition"],
      ]);
      expect(summary.metrics.wau?.status).toBe("data_incomplete");
      expect(summary.metrics.dau?.status).not.toBe("data_incomplete");
    }
    // The window check read profiles: the second run built the profile days it had not
    // read before (the new day's), never the whole window again.
    const profileBuilds = (summary: RunReportSummary) =>
      summary.queries.filter((q) => q.query.startsWith("rollup_event_profile")).length;
    const check = second.queries.find((q) => q.query === "partition_records");
    expect(check?.partitionsRead?.events ?? 0).toBe(0);
    expect(profileBuilds(second)).toBeLessThanOrEqual(2);
    recordFault({
      area: "Bad data",
      fault: `events partition of ${GONE} cut to ${Math.round(kept * 100)} % (a day inside the windows)`,
      expected:
        "thin: the metrics reading it are data incomplete; checked from the profile rollups",
      observed: `thin_partition on both runs (03-07, 03-08); WAU data incomplete, DAU judged; the check read ${check?.partitionsRead?.events ?? 0} raw events partitions, ${profileBuilds(second)} profile build(s) on the second run`,
    });
  });
});
