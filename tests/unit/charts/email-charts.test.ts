import { beforeAll, describe, expect, it } from "vitest";
import {
  renderEmailCharts,
  shortLabel,
  sparklineHistoryRange,
} from "../../../functions/lib/charts/email-charts.ts";
import {
  type ChartRasterizer,
  createResvgRasterizer,
} from "../../../functions/lib/charts/raster.ts";
import type { Evaluation } from "../../../functions/lib/kpi/evaluate.ts";
import { metric } from "../../../functions/lib/kpi/registry.ts";
import { RFM_SEGMENTS, type RfmSummary } from "../../../functions/lib/kpi/rfm.ts";
import { periodContaining } from "../../../functions/lib/kpi/windows.ts";
import type { SnapshotDocument } from "../../../functions/lib/ports.ts";
import type { EvaluatedMetric } from "../../../functions/lib/report/email/model.ts";
import { decodePalettePng } from "./palette-png.ts";

let rasterizer: ChartRasterizer;
beforeAll(async () => {
  rasterizer = await createResvgRasterizer();
});

const day = periodContaining("day", "2026-03-08", "Asia/Shanghai");
const week = periodContaining("week", "2026-03-08", "Asia/Shanghai");

function evaluated(id: string, value: number): EvaluatedMetric {
  const evaluation: Evaluation = {
    metricId: id,
    value,
    status: "met",
    measured: value,
    threshold: null,
    warningThreshold: null,
    vsPrevious: null,
    vsYearEarlier: null,
  };
  return { def: metric(id), value: { value }, evaluation };
}

function stored(periodKey: string, values: Record<string, number | null>): SnapshotDocument {
  return {
    report: "daily",
    periodKey,
    revision: 1,
    metrics: Object.fromEntries(
      Object.entries(values).map(([id, value]) => [id, { value, status: "met" }]),
    ),
  };
}

const rfm = {
  segments: RFM_SEGMENTS.map((s, i) => ({
    segment: s.id,
    customers: 100 + i * 40,
    previousCustomers: 90 + i * 35,
    revenue: 0,
    previousRevenue: 0,
    change: 10 + i * 5,
  })),
  migration: [],
} as unknown as RfmSummary;

describe("sparklineHistoryRange", () => {
  it("asks for the 29 days or 13 weeks before the period", () => {
    expect(sparklineHistoryRange(day)).toEqual({ fromKey: "2026-02-07", toKey: "2026-03-07" });
    expect(sparklineHistoryRange(week)).toEqual({ fromKey: "2025-W49", toKey: "2026-W09" });
  });

  it("labels periods briefly", () => {
    expect([shortLabel("2026-03-08"), shortLabel("2026-W10"), shortLabel("x/y")]).toEqual([
      "03-08",
      "W10",
      "x/y",
    ]);
  });
});

describe("renderEmailCharts", () => {
  it("draws a sparkline per headline metric, the same picture for every locale", async () => {
    const charts = await renderEmailCharts(
      {
        period: day,
        metrics: [evaluated("dau", 120), evaluated("wau", 900), evaluated("gmv", 5000)],
        history: [stored("2026-03-06", { dau: 100, gmv: 4000 }), stored("2026-03-07", { dau: 90 })],
        details: {},
        locales: ["en", "zh-CN", "en"],
      },
      rasterizer,
    );
    expect(Object.keys(charts).sort()).toEqual(["en", "zh-CN"]);
    // wau is no headline metric.
    expect(Object.keys(charts.en?.headline ?? {})).toEqual(["dau", "gmv"]);
    const en = charts.en?.headline.dau;
    const zh = charts["zh-CN"]?.headline.dau;
    expect(en?.cid).toBe("spark-dau@opspulse");
    expect(en?.alt).toBe("DAU: the last 3 days");
    expect(zh?.alt).toBe("日活跃用户：最近 3 天");
    expect(Buffer.from(en?.content ?? []).equals(Buffer.from(zh?.content ?? []))).toBe(true);
    expect(decodePalettePng(en?.content ?? new Uint8Array()).width).toBe(480);
    expect(charts.en?.figures).toEqual([]);
  });

  it("follows the history: other stored values, another picture; later periods are ignored", async () => {
    const draw = async (history: SnapshotDocument[]) =>
      Buffer.from(
        (
          await renderEmailCharts(
            {
              period: day,
              metrics: [evaluated("dau", 120)],
              history,
              details: {},
              locales: ["en"],
            },
            rasterizer,
          )
        ).en?.headline.dau?.content ?? [],
      );
    const base = await draw([
      stored("2026-03-06", { dau: 100 }),
      stored("2026-03-07", { dau: 90 }),
    ]);
    const same = await draw([
      stored("2026-03-06", { dau: 100 }),
      stored("2026-03-07", { dau: 90 }),
      stored("2026-03-09", { dau: 5 }),
    ]);
    const other = await draw([
      stored("2026-03-06", { dau: 100 }),
      stored("2026-03-07", { dau: 150 }),
    ]);
    expect(same.equals(base)).toBe(true);
    expect(other.equals(base)).toBe(false);
  });

  it("keeps at most 30 periods", async () => {
    const history = Array.from({ length: 40 }, (_, i) =>
      stored(`2026-02-${String((i % 28) + 1).padStart(2, "0")}`, { dau: i }),
    );
    const unique = [...new Map(history.map((doc) => [doc.periodKey, doc])).values()];
    const charts = await renderEmailCharts(
      {
        period: day,
        metrics: [evaluated("dau", 1)],
        history: unique,
        details: {},
        locales: ["en"],
      },
      rasterizer,
    );
    expect(charts.en?.headline.dau?.alt).toBe("DAU: the last 29 days");
  });

  it("adds the RFM segment bars to a report whose details hold them, titled per locale", async () => {
    const charts = await renderEmailCharts(
      {
        period: week,
        metrics: [evaluated("dau", 120)],
        history: [],
        details: { rfm },
        locales: ["en", "zh-CN"],
      },
      rasterizer,
    );
    const en = charts.en?.figures[0];
    const zh = charts["zh-CN"]?.figures[0];
    expect(en?.image.cid).toBe("rfm-segments-en@opspulse");
    expect(zh?.title).toMatch(/^RFM 客户分层/);
    expect(en?.image.width).toBe(560);
    const png = decodePalettePng(en?.image.content ?? new Uint8Array());
    expect(png.width).toBe(1120);
    // The Chinese bars have other labels than the English ones.
    expect(Buffer.from(zh?.image.content ?? []).equals(Buffer.from(en?.image.content ?? []))).toBe(
      false,
    );
  });
});
