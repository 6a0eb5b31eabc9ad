import { describe, expect, it } from "vitest";
import {
  DEFAULT_COMPLETENESS_RULES,
  judgeWindowPartitions,
  type PartitionRecords,
  windowPartitionReads,
} from "../../../functions/lib/kpi/completeness.ts";
import {
  incompleteTablesOf,
  partitionsOfDays,
  userReadWindows,
} from "../../../functions/lib/kpi/read-windows.ts";
import { addDays, dateRange, periodContaining } from "../../../functions/lib/kpi/windows.ts";

const ZONE = "Asia/Shanghai";
const day = periodContaining("day", "2026-03-08", ZONE);

describe("userReadWindows", () => {
  it("gives each user KPI its own days: WAU the 7 days, MAU 30, DAU the day, cohorts 30 days before", () => {
    const { metrics = {} } = userReadWindows(day);
    expect(metrics.dau).toEqual({ events: [{ from: "2026-03-08", to: "2026-03-08" }] });
    expect(metrics.wau).toEqual({ events: [{ from: "2026-03-02", to: "2026-03-08" }] });
    expect(metrics.mau).toEqual({ events: [{ from: "2026-02-07", to: "2026-03-08" }] });
    expect(metrics.retention_d7?.events).toEqual([{ from: "2026-01-30", to: "2026-03-08" }]);
    expect(metrics.gmv).toEqual({ orders: [{ from: "2026-03-08", to: "2026-03-08" }] });
    expect(metrics.repurchase_rate).toEqual({ orders: [{ from: "2025-12-09", to: "2026-03-08" }] });
  });

  it("maps local days to the dt partitions they touch (a Shanghai day spans two)", () => {
    expect(partitionsOfDays([{ from: "2026-03-04", to: "2026-03-04" }], ZONE)).toEqual([
      "2026-03-03",
      "2026-03-04",
    ]);
  });
});

describe("incompleteTablesOf", () => {
  const windowIssue = { table: "events", partition: "2026-03-04", scope: "window" as const };
  const { metrics = {} } = userReadWindows(day);

  it("makes a metric incomplete for a window partition only when its own windows cover it", () => {
    expect(incompleteTablesOf([windowIssue], ["events", "orders"], metrics.wau, ZONE)).toEqual([
      "events",
    ]);
    expect(incompleteTablesOf([windowIssue], ["events", "orders"], metrics.dau, ZONE)).toEqual([]);
    expect(incompleteTablesOf([windowIssue], ["events", "orders"], metrics.gmv, ZONE)).toEqual([]);
    // A metric without declared windows reads the period only.
    expect(incompleteTablesOf([windowIssue], ["events"], undefined, ZONE)).toEqual([]);
  });

  it("makes every metric reading the table incomplete for an issue of the period", () => {
    const periodIssue = { table: "events", partition: "2026-03-08" };
    expect(incompleteTablesOf([periodIssue], ["events"], metrics.dau, ZONE)).toEqual(["events"]);
    expect(incompleteTablesOf([periodIssue], ["orders"], metrics.gmv, ZONE)).toEqual([]);
    expect(incompleteTablesOf([periodIssue], undefined, undefined, ZONE)).toEqual(["events"]);
  });
});

describe("judgeWindowPartitions", () => {
  const targets = { events: { "2026-03-04": ["wau", "mau"], "2026-02-20": ["mau"] } };
  const rules = { ...DEFAULT_COMPLETENESS_RULES, tables: ["events", "orders"] };
  /** 1 000 events a day from `first` to 03-08, except `overrides`. */
  const lake = (first: string, overrides: Record<string, number> = {}): PartitionRecords[] =>
    dateRange(first, "2026-03-08").map((dt) => ({
      table: "events",
      dt,
      records: overrides[dt] ?? 1_000,
    }));

  it("reads each target, its four same weekdays and the days before it, from the profile days they overlap", () => {
    const reads = windowPartitionReads({ events: { "2026-03-04": ["wau"] } }, 4, ZONE);
    expect(reads.events?.dts).toEqual(
      [
        ...[0, 1, 2, 3, 4].map((w) => addDays("2026-03-04", -7 * w)),
        ...["2026-03-01", "2026-03-02", "2026-03-03"],
      ].sort(),
    );
    // A UTC day is the end of one Shanghai day and the start of the next.
    expect(reads.events?.days).toContain("2026-03-05");
    expect(reads.events?.days).toContain("2026-02-04");
  });

  it("finds a missing and a thin partition, naming the metrics reading each", () => {
    const records = lake("2026-01-01", { "2026-03-04": 0, "2026-02-20": 300 });
    const issues = judgeWindowPartitions(records, targets, rules);
    expect(issues.map((i) => [i.partition, i.kind, i.scope, i.readBy])).toEqual([
      ["2026-02-20", "thin_partition", "window", ["mau"]],
      ["2026-03-04", "missing_partition", "window", ["wau", "mau"]],
    ]);
    expect(issues[1]?.message).toBe(
      "events: partition dt=2026-03-04 (read by wau, mau) is missing (0 rows; the 4 previous same weekday(s) had a median of 1000).",
    );
    expect(judgeWindowPartitions(lake("2026-01-01"), targets, rules)).toEqual([]);
  });

  it("judges a past partition against the same weekdays before it and the days next to it: a step down is no thin partition, an outage is", () => {
    // A campaign ends on 2026-02-01: 2 000 events a day before, 900 after.
    const step = (outage: number | undefined) =>
      dateRange("2026-01-01", "2026-03-08").map((dt) => ({
        table: "events",
        dt,
        records:
          dt === "2026-02-04" && outage !== undefined ? outage : dt < "2026-02-01" ? 2_000 : 900,
      }));
    const stepTargets = { events: { "2026-02-04": ["mau"], "2026-03-04": ["wau", "mau"] } };
    // The same weekdays before it 2 000; the days next to it (02-01 … 02-07) 900.
    expect(judgeWindowPartitions(step(undefined), stepTargets, rules)).toEqual([]);
    const outage = judgeWindowPartitions(step(300), stepTargets, rules);
    expect(outage.map((i) => [i.partition, i.kind, i.expectedRows])).toEqual([
      ["2026-02-04", "thin_partition", 2_000],
    ]);
    expect(outage[0]?.message).toContain(
      "the 4 previous same weekday(s) had a median of 2000; the days next to it 900",
    );
    // Never a partition after the newest target: the period's data does not judge its window.
    const reads = windowPartitionReads(stepTargets, 4, ZONE);
    expect(reads.events?.dts.at(-1)).toBe("2026-03-04");
  });

  it("does not call a partition before the lake's first one missing", () => {
    const records = lake("2026-02-25");
    expect(judgeWindowPartitions(records, targets, rules)).toEqual([]);
  });

  it("calls an empty day of a small optional table missing only when its median is large enough", () => {
    const orders = (n: number, gone: string) =>
      dateRange("2026-01-01", "2026-03-08").map((dt) => ({
        table: "orders",
        dt,
        records: dt === gone ? 0 : n,
      }));
    const ordersTargets = { orders: { "2026-03-04": ["repurchase_rate"] } };
    expect(judgeWindowPartitions(orders(3, "2026-03-04"), ordersTargets, rules)).toEqual([]);
    expect(
      judgeWindowPartitions(orders(40, "2026-03-04"), ordersTargets, rules).map((i) => i.kind),
    ).toEqual(["missing_partition"]);
  });
});
