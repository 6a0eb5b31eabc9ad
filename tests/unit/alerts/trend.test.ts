import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFsSnapshotStore } from "../../../functions/lib/adapters/fs-store.ts";
import { loadTrend } from "../../../functions/lib/alerts/trend.ts";
import { addDays, periodContaining } from "../../../functions/lib/kpi/windows.ts";

const tmp = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("loadTrend", () => {
  it("reads the last 14 periods' latest revisions, with gaps where nothing is stored", async () => {
    const snapshots = createFsSnapshotStore({ dir: join(tmp, "snapshots") });
    for (let i = 0; i < 20; i++) {
      if (i === 10) continue; // a day never reported
      const periodKey = addDays("2026-02-10", i);
      await snapshots.put({
        report: "daily",
        periodKey,
        metrics: { gmv: { value: 100 + i, status: i >= 18 ? "breach" : "met" } },
        scoped: { spring: { campaign_roi: { value: i / 10, status: "met" } } },
      });
    }
    // A later revision of the last day wins.
    await snapshots.put({
      report: "daily",
      periodKey: "2026-03-01",
      metrics: { gmv: { value: 50, status: "breach" } },
    });
    const period = periodContaining("day", "2026-03-01", "Asia/Shanghai");
    const points = await loadTrend(snapshots, "daily", period, "gmv");
    expect(points).toHaveLength(14);
    expect(points[0]).toEqual({ periodKey: "2026-02-16", value: 106, status: "met" });
    expect(points.find((p) => p.periodKey === "2026-02-20")).toEqual({
      periodKey: "2026-02-20",
      value: null,
      status: null,
    });
    expect(points.at(-1)).toEqual({ periodKey: "2026-03-01", value: 50, status: "breach" });

    const scoped = await loadTrend(snapshots, "daily", period, "campaign_roi", "spring", 3);
    expect(scoped).toEqual([
      { periodKey: "2026-02-27", value: 1.7, status: "met" },
      { periodKey: "2026-02-28", value: 1.8, status: "met" },
      { periodKey: "2026-03-01", value: null, status: null },
    ]);
  });

  it("walks back whole ISO weeks for a weekly report", async () => {
    const snapshots = createFsSnapshotStore({ dir: join(tmp, "weekly") });
    await snapshots.put({
      report: "weekly",
      periodKey: "2026-W09",
      metrics: { gmv: { value: 7, status: "met" } },
    });
    const points = await loadTrend(
      snapshots,
      "weekly",
      periodContaining("week", "2026-03-04", "Asia/Shanghai"),
      "gmv",
      "all",
      3,
    );
    expect(points.map((p) => [p.periodKey, p.value])).toEqual([
      ["2026-W08", null],
      ["2026-W09", 7],
      ["2026-W10", null],
    ]);
  });
});
