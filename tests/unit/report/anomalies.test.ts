/**
 * The anomaly stage's band loading: the history comes from the stored snapshots (a real
 * file store), the same weekday only, data-incomplete periods and calendar days skipped,
 * and the past bands' MADs give the typical-MAD floor.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { createFsSnapshotStore } from "../../../functions/lib/adapters/fs-store.ts";
import { defaultBaselineSettings } from "../../../functions/lib/kpi/anomaly.ts";
import { evaluate } from "../../../functions/lib/kpi/evaluate.ts";
import { METRICS, metric } from "../../../functions/lib/kpi/registry.ts";
import { addDays, periodContaining } from "../../../functions/lib/kpi/windows.ts";
import { generateLake } from "../../../functions/lib/lake/generator.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import {
  applyBands,
  loadBands,
  loadCampaignSpans,
  markOngoing,
  noiseOf,
} from "../../../functions/lib/report/anomalies.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ZONE = "Asia/Shanghai";
const D = "2026-03-24"; // a Tuesday

const anomalies = {
  calendar: ["2026-03-03"],
  metrics: Object.fromEntries(METRICS.map((m) => [m.id, defaultBaselineSettings(m.id)])),
};

async function store() {
  const snapshots = createFsSnapshotStore({ dir: join(root, "snapshots") });
  // 70 days of daily snapshots: DAU 1000 on Tuesdays (03-17 data-incomplete with 50, the
  // holiday 03-03 with 5000), 1 on other days; the stored bands' MAD is 30.
  for (let i = 1; i <= 70; i++) {
    const date = addDays(D, -i);
    const tuesday = i % 7 === 0;
    const value = !tuesday
      ? 1
      : date === "2026-03-17"
        ? 50
        : date === "2026-03-03"
          ? 5000
          : 1000 + (i % 3);
    await snapshots.put({
      report: "daily",
      periodKey: date,
      period: { kind: "day", start: date, end: date, timeZone: ZONE },
      metrics: {
        dau: {
          value,
          status: date === "2026-03-17" ? "data_incomplete" : "no_target",
          band: { method: "same_weekday", median: value, mad: 30, lower: 0, upper: 0, basis: [] },
        },
      },
    });
  }
  return snapshots;
}

describe("loadBands", () => {
  it("learns each watched metric's band from the same weekday's stored snapshots", async () => {
    const bands = await loadBands(
      {
        snapshots: await store(),
        report: "daily",
        period: periodContaining("day", D, ZONE),
        storedKey: (key) => key,
        anomalies,
      },
      ["dau", "mau"],
    );
    expect(Object.keys(bands)).toEqual(["dau"]); // MAU is not watched
    const band = bands.dau;
    // Tuesdays 03-10, 02-24 … 01-20, 01-13 (03-17 incomplete and 03-03 on the calendar).
    expect(band?.basis).toEqual([
      "2026-01-13",
      "2026-01-20",
      "2026-01-27",
      "2026-02-03",
      "2026-02-10",
      "2026-02-17",
      "2026-02-24",
      "2026-03-10",
    ]);
    expect(band?.median).toBeGreaterThanOrEqual(1000);
    expect(band?.median).toBeLessThanOrEqual(1002);
    // The typical MAD (30) sets the width: 3 × 1.4826 × 30 = 133.434.
    expect(band?.widthFrom).toBe("typical_mad");
    expect((band?.upper ?? 0) - (band?.median ?? 0)).toBeCloseTo(133.434, 9);
  });

  it("turns a value outside its band into an anomaly, and leaves the other metrics alone", async () => {
    const band = {
      method: "same_weekday" as const,
      median: 1000,
      mad: 30,
      lower: 866,
      upper: 1134,
      basis: [],
    };
    const judged = applyBands(
      [
        {
          def: metric("dau"),
          value: { value: 700 },
          evaluation: evaluate({ metric: metric("dau"), value: { value: 700 } }),
        },
        {
          def: metric("mau"),
          value: { value: 9 },
          evaluation: evaluate({ metric: metric("mau"), value: { value: 9 } }),
        },
      ],
      { dau: band },
      periodContaining("day", D, ZONE),
      anomalies,
    );
    expect(judged.map((m) => m.evaluation.status)).toEqual(["anomaly", "no_target"]);
  });

  it("marks a metric ongoing when the previous snapshot had the same attention status", () => {
    const dau = {
      def: metric("dau"),
      value: { value: 700 },
      evaluation: {
        ...evaluate({ metric: metric("dau"), value: { value: 700 } }),
        status: "anomaly" as const,
      },
    };
    const previous = (status: string) => ({
      report: "daily",
      periodKey: "2026-03-23",
      revision: 1,
      metrics: { dau: { status } },
    });
    const ongoing = (m: { evaluation: object }) => (m.evaluation as { ongoing?: boolean }).ongoing;
    expect(ongoing(markOngoing([dau], previous("anomaly"))[0] as typeof dau)).toBe(true);
    expect(ongoing(markOngoing([dau], previous("met"))[0] as typeof dau)).toBeUndefined();
    expect(ongoing(markOngoing([dau], undefined)[0] as typeof dau)).toBeUndefined();
  });

  it("treats counts as Poisson and percentages as binomial shares", () => {
    expect(noiseOf("dau")).toBe("count");
    expect(noiseOf("retention_d1")).toBe("share");
    expect(noiseOf("gmv")).toBe("none");
  });
});

describe("loadCampaignSpans", () => {
  it("reads the campaigns running in the days a campaign-aware band reads, once", async () => {
    // Campaigns of this lake (as in campaign-snapshots.test.ts): cmp_0001 ends before
    // 2026-02-23, cmp_0002 runs 2026-02-23 … 03-07, cmp_0003 03-04 … 03-17, cmp_0004 from 03-14.
    const lakeDir = join(root, "lake");
    await generateLake({ seed: 11, days: 45, endDate: "2026-03-08", users: 3000, lakeDir });
    const engine = await createDuckDbEngine({ lakeDir, threads: 2 });
    try {
      const period = periodContaining("day", "2026-03-08", ZONE);
      const deps = { engine, catalog: new QueryCatalog(), period, anomalies };
      const { spans, stats } = await loadCampaignSpans(deps, ["dau", "gmv", "orders"]);
      expect(stats).toHaveLength(1);
      const byId = Object.fromEntries(spans.map((s) => [s.id, s]));
      expect(byId.cmp_0002).toEqual({ id: "cmp_0002", start: "2026-02-23", end: "2026-03-07" });
      expect(byId.cmp_0003).toMatchObject({ start: "2026-03-04", end: "2026-03-17" });
      // The bands read back to 16 Sundays and 6 weeks before the oldest: every campaign of
      // the lake's 45 days ends on or after 2025-10-05.
      expect(spans.every((s) => s.end >= "2025-10-05" && s.start <= "2026-03-08")).toBe(true);
      // No campaign-aware metric (DAU is not, and a switched-off one does not count): no query.
      const off = {
        ...anomalies,
        metrics: { ...anomalies.metrics, gmv: { ...anomalies.metrics.gmv!, campaignAware: false } },
      };
      expect(await loadCampaignSpans({ ...deps, anomalies: off }, ["dau", "gmv"])).toEqual({
        spans: [],
        stats: [],
      });
    } finally {
      await engine.close();
    }
  }, 120_000);
});
