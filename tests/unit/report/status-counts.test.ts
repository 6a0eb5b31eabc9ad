import { describe, expect, it } from "vitest";
import { describeRun } from "../../../functions/cli/commands/run.ts";
import { countStatuses } from "../../../functions/lib/kpi/evaluate.ts";
import type { RunReportSummary } from "../../../functions/lib/report/run-report.ts";
import { describeStatusCounts } from "../../../functions/lib/report/status-counts.ts";

describe("describeStatusCounts", () => {
  it("lists the non-zero judged counts, worst first, with plurals", () => {
    expect(
      describeStatusCounts({
        met: 30,
        warning: 2,
        breach: 1,
        data_incomplete: 3,
        insufficient_data: 1,
        no_target: 4,
      }),
    ).toBe("1 breach · 2 warnings · 3 data incomplete · 1 insufficient data · 30 met");
    expect(describeStatusCounts({ breach: 2, warning: 1, met: 1 })).toBe(
      "2 breaches · 1 warning · 1 met",
    );
  });

  it("reads in Chinese with the label first, and counts unusual metrics", () => {
    expect(describeStatusCounts({ breach: 2, anomaly: 1, warning: 1, met: 3 }, "zh-CN")).toBe(
      "未达标 2 · 异常 1 · 预警 1 · 达标 3",
    );
    expect(describeStatusCounts({ breach: 1, anomaly: 2, met: 3 })).toBe(
      "1 breach · 2 unusual · 3 met",
    );
  });

  it("is empty when nothing was judged (or the counts are missing)", () => {
    expect(describeStatusCounts(countStatuses([]))).toBe("");
    expect(describeStatusCounts({ no_target: 5 })).toBe("");
    expect(describeStatusCounts(undefined)).toBe("");
  });

  it("is the counts line opspulse run prints", () => {
    const statusCounts = { ...countStatuses([]), breach: 1, data_incomplete: 2, met: 5 };
    const summary = {
      runId: "run-1",
      report: "daily",
      periodKey: "2026-03-01",
      period: { kind: "day", start: "2026-03-01", end: "2026-03-01", timeZone: "Asia/Shanghai" },
      outcome: "ok",
      statusCounts,
      snapshot: null,
      emails: [],
    } as unknown as RunReportSummary;
    const lines = describeRun(summary, { snapshotLocation: () => "" });
    expect(lines[1]).toBe("  1 breach · 2 data incomplete · 5 met");
    expect(lines[1]).toBe(`  ${describeStatusCounts(statusCounts)}`);
  });
});
