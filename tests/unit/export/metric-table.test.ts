import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsSnapshotStore } from "../../../functions/lib/adapters/fs-store.ts";
import { exportHistory } from "../../../functions/lib/export/history.ts";
import {
  METRIC_TABLE_COLUMNS,
  metricTableRows,
  toCsv,
  toJsonl,
} from "../../../functions/lib/export/metric-table.ts";
import { runCli } from "../cli/commands/capture.ts";
import { dailyDrafts, weeklyDraft } from "../dashboard/fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const snapshots = createFsSnapshotStore({ dir: join(root, "snapshots") });

beforeAll(async () => {
  for (const draft of dailyDrafts("2026-03-08", 5)) await snapshots.put(draft);
  // A second revision of the last day: the export holds the latest only.
  const [last] = dailyDrafts("2026-03-08", 1);
  if (last) await snapshots.put({ ...last, runId: "rerun" });
  await snapshots.put(weeklyDraft("2026-W09", "2026-02-23"));
  await snapshots.put(weeklyDraft("2026-W10", "2026-03-02"));
});

describe("metric table rows", () => {
  it("are one per metric, report-wide first, then per scope, with labels in the locale", () => {
    const rows = metricTableRows(
      {
        periodKey: "2026-03-08",
        revision: 2,
        metrics: {
          dau: {
            value: 1200,
            status: "no_target",
            target: null,
            measured: 1200,
            threshold: null,
            previous: 1100,
            yearEarlier: null,
          },
          retention_d1: {
            value: 0.5,
            status: "warning",
            target: { value: 0.55, basis: "value", warningBand: 0.1, minSample: 100 },
            measured: 0.5,
            threshold: 0.55,
            previous: null,
            yearEarlier: 0.6,
          },
        },
        scoped: {
          cmp_9: {
            campaign_roi: {
              value: 2.5,
              status: "breach",
              target: null,
              measured: 2.5,
              threshold: 3,
              previous: null,
              yearEarlier: null,
            },
          },
        },
        scopeNames: { cmp_9: "双十一大促" },
      },
      "zh-CN",
    );
    expect(rows).toEqual([
      {
        period: "2026-03-08",
        scope: "",
        scope_name: "",
        metric: "dau",
        label: "日活跃用户",
        unit: "count",
        value: 1200,
        status: "no_target",
        target: null,
        threshold: null,
        previous: 1100,
        year_earlier: null,
        revision: 2,
      },
      {
        period: "2026-03-08",
        scope: "",
        scope_name: "",
        metric: "retention_d1",
        label: "次日留存率",
        unit: "percent",
        value: 0.5,
        status: "warning",
        target: 0.55,
        threshold: 0.55,
        previous: null,
        year_earlier: 0.6,
        revision: 2,
      },
      {
        period: "2026-03-08",
        scope: "cmp_9",
        scope_name: "双十一大促",
        metric: "campaign_roi",
        label: "活动投资回报率",
        unit: "ratio",
        value: 2.5,
        status: "breach",
        target: null,
        threshold: 3,
        previous: null,
        year_earlier: null,
        revision: 2,
      },
    ]);
  });

  it("round-trip through CSV (BOM, header, empty cells for nulls) and JSON Lines", () => {
    const rows = metricTableRows(
      {
        periodKey: "2026-03-08",
        revision: 1,
        metrics: {
          gmv: {
            value: 0.1 + 0.2,
            status: "met",
            target: null,
            measured: null,
            threshold: null,
            previous: null,
            yearEarlier: null,
          },
        },
      },
      "en",
    );
    const csv = toCsv(rows);
    expect(csv.subarray(0, 3).toString("hex")).toBe("efbbbf");
    expect(csv.toString("utf8")).toContain("\r\n");
    const parsed = parse(csv, { bom: true, columns: true }) as Record<string, string>[];
    expect(Object.keys(parsed[0] ?? {})).toEqual([...METRIC_TABLE_COLUMNS]);
    expect(parsed[0]).toMatchObject({
      metric: "gmv",
      label: "GMV",
      value: "0.3",
      target: "",
      revision: "1",
    });
    expect(
      toJsonl(rows)
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    ).toEqual(rows);
  });
});

describe("exportHistory", () => {
  it("holds the latest revision of each period in the range", async () => {
    const { periods, rows } = await exportHistory(snapshots, {
      report: "daily",
      from: "2026-03-06",
      to: "2026-03-08",
      locale: "en",
    });
    expect(periods).toBe(3);
    expect([...new Set(rows.map((r) => r.period))]).toEqual([
      "2026-03-06",
      "2026-03-07",
      "2026-03-08",
    ]);
    expect(new Set(rows.filter((r) => r.period === "2026-03-08").map((r) => r.revision))).toEqual(
      new Set([2]),
    );
    // Per day: 6 headline metrics, data quality and freshness, and three campaign metrics.
    expect(rows.filter((r) => r.period === "2026-03-07")).toHaveLength(11);
  });

  it("reads weekly periods by ISO week", async () => {
    const { periods } = await exportHistory(snapshots, {
      report: "weekly",
      from: "2026-03-01",
      to: "2026-03-04",
      locale: "en",
    });
    expect(periods).toBe(2); // 2026-03-01 is in W09, 2026-03-04 in W10
  });
});

describe("opspulse export", () => {
  it("writes CSV that parses back to the stored rows", async () => {
    const file = join(root, "daily.csv");
    const result = await runCli([
      "export",
      "--report",
      "daily",
      "--from",
      "2026-03-04",
      "--to",
      "2026-03-08",
      "--format",
      "csv",
      "--locale",
      "zh-CN",
      "--snapshots",
      join(root, "snapshots"),
      "--out",
      file,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("5 periods, 55 rows");
    const rows = parse(readFileSync(file), { bom: true, columns: true }) as Record<
      string,
      string
    >[];
    expect(rows).toHaveLength(55);
    const dau = rows.find((r) => r.period === "2026-03-04" && r.metric === "dau");
    expect(dau).toMatchObject({
      label: "日活跃用户",
      unit: "count",
      value: "1000",
      status: "no_target",
      revision: "1",
    });
  });

  it("prints JSON Lines, and says so when the range holds nothing", async () => {
    const result = await runCli([
      "export",
      "--report",
      "weekly",
      "--from",
      "2026-03-02",
      "--to",
      "2026-03-08",
      "--format",
      "jsonl",
      "--snapshots",
      join(root, "snapshots"),
    ]);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.metric)).toEqual(["lifecycle_new", "lifecycle_active"]);
    const none = await runCli([
      "export",
      "--report",
      "daily",
      "--from",
      "2020-01-01",
      "--to",
      "2020-01-02",
      "--snapshots",
      join(root, "snapshots"),
    ]);
    expect(none.code).toBe(0);
    expect(none.stderr).toMatch(/no daily snapshot/);
  });

  it("refuses a reversed range in one line, exit 2", async () => {
    const result = await runCli([
      "export",
      "--report",
      "daily",
      "--from",
      "2026-03-08",
      "--to",
      "2026-03-01",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      "opspulse: --from 2026-03-08 is after --to 2026-03-01: swap them",
    );
  });
});
