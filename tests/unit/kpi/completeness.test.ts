import { describe, expect, it } from "vitest";
import {
  type CompletenessRules,
  completenessSlices,
  DEFAULT_COMPLETENESS_RULES,
  judgeCompleteness,
  median,
  type SliceFact,
} from "../../../functions/lib/kpi/completeness.ts";
import { periodContaining, periodWindow } from "../../../functions/lib/kpi/windows.ts";

// The Shanghai day 2026-03-01 is [02-28 16:00Z, 03-01 16:00Z): 8 h of dt=02-28, 16 h of dt=03-01.
const window = periodWindow(periodContaining("day", "2026-03-01", "Asia/Shanghai"));
const AFTER = new Date("2026-03-02T00:00:00Z"); // 08:00 the next morning in Shanghai
const rules: CompletenessRules = { ...DEFAULT_COMPLETENESS_RULES, tables: ["events"] };

/** Facts for every slice: `rows(slice)` rows, the newest one 5 min before the slice end. */
function facts(
  rows: (slice: { dt: string; baselineOf: string; weeksBack: number }) => number,
  partitionRows: (dt: string, sliceRows: number) => number = (_, n) => n * 2,
  newestBeforeEndMs = 5 * 60_000,
): SliceFact[] {
  return completenessSlices(window, AFTER).map((slice) => {
    const n = rows(slice);
    return {
      table: "events",
      baselineOf: slice.baselineOf,
      dt: slice.dt,
      sliceRows: n,
      partitionRows: partitionRows(slice.dt, n),
      newestTime: n > 0 ? new Date(slice.toUtc.getTime() - newestBeforeEndMs).toISOString() : null,
    };
  });
}

describe("completenessSlices", () => {
  it("cuts the period's partitions at its bounds and shifts them back 1–4 weeks", () => {
    const slices = completenessSlices(window, AFTER);
    expect(slices).toHaveLength(10);
    expect(
      slices
        .filter((s) => s.baselineOf === "2026-02-28")
        .map((s) => [s.dt, s.fromUtc.toISOString(), s.toUtc.toISOString()]),
    ).toEqual([
      ["2026-02-28", "2026-02-28T16:00:00.000Z", "2026-03-01T00:00:00.000Z"],
      ["2026-02-21", "2026-02-21T16:00:00.000Z", "2026-02-22T00:00:00.000Z"],
      ["2026-02-14", "2026-02-14T16:00:00.000Z", "2026-02-15T00:00:00.000Z"],
      ["2026-02-07", "2026-02-07T16:00:00.000Z", "2026-02-08T00:00:00.000Z"],
      ["2026-01-31", "2026-01-31T16:00:00.000Z", "2026-02-01T00:00:00.000Z"],
    ]);
  });

  it("stops at the run time for a period that is not over, and skips future partitions", () => {
    const midday = new Date("2026-02-28T20:00:00Z");
    const slices = completenessSlices(window, midday, 1);
    expect(slices.map((s) => [s.dt, s.toUtc.toISOString()])).toEqual([
      ["2026-02-28", "2026-02-28T20:00:00.000Z"],
      ["2026-02-21", "2026-02-21T20:00:00.000Z"],
    ]);
  });
});

describe("median", () => {
  it("is exact: the middle value, or the mean of the two middle values", () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([10, 1, 4, 100])).toBe(7);
  });
});

describe("judgeCompleteness", () => {
  it("passes a period like the weeks before", () => {
    const verdict = judgeCompleteness(
      facts(() => 100),
      window,
      AFTER,
      rules,
    );
    expect(verdict).toMatchObject({ complete: true, issues: [] });
    expect(verdict.checked).toEqual([
      { table: "events", partition: "2026-02-28", rows: 100, baselineMedian: 100 },
      { table: "events", partition: "2026-03-01", rows: 100, baselineMedian: 100 },
    ]);
  });

  it("reports a missing partition with the baseline median", () => {
    const verdict = judgeCompleteness(
      facts(
        (s) => (s.dt === "2026-03-01" ? 0 : 100 + s.weeksBack),
        (dt, n) => (dt === "2026-03-01" ? 0 : n),
      ),
      window,
      AFTER,
      rules,
    );
    expect(verdict.complete).toBe(false);
    expect(verdict.issues).toHaveLength(2); // missing, and therefore stale at the period end
    expect(verdict.issues[0]).toMatchObject({
      table: "events",
      partition: "2026-03-01",
      kind: "missing_partition",
      rows: 0,
      expectedRows: 102.5,
    });
    expect(verdict.issues[0]?.message).toBe(
      "events: partition dt=2026-03-01 is missing (0 rows; the same hours of the 4 previous same weekday(s) had a median of 102.5).",
    );
    expect(verdict.issues[1]?.kind).toBe("stale_data");
  });

  it("reports a thin partition below half of the median, and not one just above", () => {
    const thin = (rows: number) =>
      judgeCompleteness(
        facts((s) => (s.weeksBack === 0 && s.dt === "2026-03-01" ? rows : 200)),
        window,
        AFTER,
        rules,
      );
    expect(thin(100).complete).toBe(true);
    const verdict = thin(99);
    expect(verdict.issues).toEqual([
      {
        table: "events",
        partition: "2026-03-01",
        kind: "thin_partition",
        rows: 99,
        expectedRows: 200,
        message:
          "events: partition dt=2026-03-01 holds 99 rows in the period, below 50 % of expected (the same hours of the 4 previous same weekday(s) had a median of 200).",
      },
    ]);
  });

  it("ignores baselines from before the lake began and small tables", () => {
    const young = judgeCompleteness(
      facts(
        (s) => (s.weeksBack === 0 ? 30 : s.weeksBack === 1 ? 100 : 0),
        (_, n) => n,
      ),
      window,
      AFTER,
      rules,
    );
    expect(young.issues.map((i) => [i.kind, i.expectedRows])).toEqual([
      ["thin_partition", 100],
      ["thin_partition", 100],
    ]);
    const small = judgeCompleteness(
      facts((s) => (s.weeksBack === 0 ? 2 : 10)),
      window,
      AFTER,
      rules,
    );
    expect(small.complete).toBe(true);
  });

  it("reports stale data when the newest record is older than the freshness target", () => {
    const stale = judgeCompleteness(
      facts(() => 100, undefined, 61 * 60_000),
      window,
      AFTER,
      rules,
    );
    expect(stale.issues).toMatchObject([
      {
        table: "events",
        partition: "2026-03-01",
        kind: "stale_data",
        rows: 200,
        newestTime: "2026-03-01T14:59:00.000Z",
      },
    ]);
    expect(stale.issues[0]?.message).toBe(
      "events: newest record in the period is at 2026-03-01T14:59:00.000Z, 1 h 1 min before 2026-03-01T16:00:00.000Z; freshness target 60 min.",
    );
    const fresh = judgeCompleteness(
      facts(() => 100, undefined, 59 * 60_000),
      window,
      AFTER,
      rules,
    );
    expect(fresh.complete).toBe(true);
  });

  it("measures freshness at the run time for a period that is not over", () => {
    const midday = new Date("2026-03-01T10:00:00Z");
    const slices = completenessSlices(window, midday).map((slice) => ({
      table: "events",
      baselineOf: slice.baselineOf,
      dt: slice.dt,
      sliceRows: 100,
      partitionRows: 200,
      newestTime: "2026-03-01T09:30:00.000Z",
    }));
    expect(judgeCompleteness(slices, window, midday, rules).complete).toBe(true);
  });

  it("requires the events table even without history, but not an empty optional table", () => {
    const empty = judgeCompleteness([], window, AFTER, {
      ...DEFAULT_COMPLETENESS_RULES,
      freshnessMinutes: {},
    });
    expect(empty.issues.map((i) => `${i.table} ${i.partition} ${i.kind}`)).toEqual([
      "events 2026-02-28 missing_partition",
      "events 2026-03-01 missing_partition",
    ]);
    expect(empty.issues[0]?.message).toBe("events: partition dt=2026-02-28 is missing (0 rows).");
  });
});
