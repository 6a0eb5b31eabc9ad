/**
 * Anomalies in the report email: the needs-attention list orders breach, anomaly, warning;
 * an anomaly says what is normal for the weekday ("unusual for a Tuesday: 312, normal
 * 340–381") and lists its top three drivers ("app order channel: −41.0% and 78.0% of the
 * drop"), in the HTML and in the plain text.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BandedEvaluation, judgeAgainstBand } from "../../../functions/lib/kpi/anomaly.ts";
import { DEFAULT_BASELINE_SETTINGS } from "../../../functions/lib/kpi/baseline-band.ts";
import type { Driver } from "../../../functions/lib/kpi/drivers.ts";
import { type EvaluatedMetric, evaluate } from "../../../functions/lib/kpi/evaluate.ts";
import { metric } from "../../../functions/lib/kpi/registry.ts";
import { periodContaining, periodWindow } from "../../../functions/lib/kpi/windows.ts";
import {
  buildEmailModel,
  type ReportEmailInput,
} from "../../../functions/lib/report/email/model.ts";
import {
  loadReportTemplates,
  type ReportTemplates,
  renderReportEmail,
} from "../../../functions/lib/report/email/render.ts";
import { buildTemplates } from "../../../scripts/build-templates.ts";

let dist: string;
let templates: ReportTemplates;
beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), "opspulse-"));
  await buildTemplates(undefined, dist);
  templates = loadReportTemplates(dist);
});
afterAll(() => rmSync(dist, { recursive: true, force: true }));

// Tuesday 2026-03-24.
const period = periodContaining("day", "2026-03-24", "Asia/Shanghai");
const target = (value: number) => ({
  value,
  basis: "value" as const,
  warningBand: 0.1,
  minSample: 1,
});

function judged(id: string, value: number, targetValue?: number): EvaluatedMetric {
  const def = metric(id);
  return {
    def,
    value: { value, sample: 1000 },
    evaluation: evaluate({
      metric: def,
      value: { value, sample: 1000 },
      ...(targetValue !== undefined ? { target: target(targetValue) } : {}),
    }),
  };
}

const band = (lower: number, upper: number) => ({
  method: "same_weekday" as const,
  median: (lower + upper) / 2,
  mad: 1,
  lower,
  upper,
  basis: ["2026-03-17"],
});

function anomalous(id: string, value: number, lower: number, upper: number): EvaluatedMetric {
  const m = judged(id, value);
  return {
    ...m,
    evaluation: judgeAgainstBand(
      m.evaluation,
      band(lower, upper),
      DEFAULT_BASELINE_SETTINGS,
      false,
    ),
  };
}

const driver = (dimension: string, element: string, relative: number, share: number): Driver => ({
  dimension,
  element,
  actual: 1,
  forecast: 2,
  relative,
  share,
  surprise: 0.1,
});

function input(): ReportEmailInput {
  return {
    period,
    locale: "en",
    listName: "managers",
    metrics: [
      judged("retention_d1", 0.3, 0.55), // breach
      anomalous("orders", 312, 340, 381),
      anomalous("dau", 900, 1000, 1100), // further out: 100 / 100 = 1 band width
      judged("repurchase_rate", 0.28, 0.3), // warning
    ],
    scoped: {},
    details: {},
    notices: [],
    currency: "CNY",
    minSample: 100,
    drivers: {
      orders: [
        driver("order_channel", "app", -0.41, 0.78),
        driver("campaign", "cmp_0007", -0.2, 0.15),
        driver("content_format", "video", -0.1, 0.12),
        driver("order_channel", "web", -0.05, 0.11),
      ],
    },
    provenance: {
      runId: "run",
      configVersion: "cfg-000000000000",
      window: periodWindow(period),
      periodKey: "2026-03-24",
      revision: 1,
      comparedWith: { previous: null, yearEarlier: null },
      rerunCommand: "opspulse run daily --date 2026-03-24",
    },
  };
}

describe("anomalies in the report email", () => {
  it("orders needs attention: breach, then anomalies by distance in band widths, then warning", () => {
    const model = buildEmailModel(input());
    expect(model.attention.map((a) => [a.label, a.severity])).toEqual([
      ["D1 retention", "breach"],
      ["DAU", "anomaly"],
      ["Paid orders", "anomaly"],
      ["Repurchase rate (90d)", "warning"],
    ]);
  });

  it("lists what is new before what is ongoing (the previous period had the same status)", () => {
    const base = input();
    const [breach, ...rest] = base.metrics as [EvaluatedMetric, ...EvaluatedMetric[]];
    const model = buildEmailModel({
      ...base,
      metrics: [
        { ...breach, evaluation: { ...breach.evaluation, ongoing: true } as BandedEvaluation },
        ...rest,
      ],
    });
    expect(model.attention.map((a) => a.label)).toEqual([
      "DAU",
      "Paid orders",
      "Repurchase rate (90d)",
      "D1 retention",
    ]);
  });

  it("says what is normal for the weekday and lists the top three drivers", () => {
    const orders = buildEmailModel(input()).attention.find((a) => a.label === "Paid orders");
    expect(orders?.target).toBe("unusual for a Tuesday: 312, normal 340–381");
    expect(orders?.status.label).toBe("Unusual");
    expect(orders?.drivers).toEqual([
      "app order channel: -41.0% and 78.0% of the drop",
      "campaign cmp_0007: -20.0% and 15.0% of the drop",
      "video content: -10.0% and 12.0% of the drop",
    ]);
  });

  it("shows them in the HTML and in the plain text, and in Chinese", () => {
    const email = renderReportEmail(input(), templates);
    expect(email.html).toContain("unusual for a Tuesday: 312, normal 340–381");
    expect(email.html).toContain("app order channel: -41.0% and 78.0% of the drop");
    expect(email.text).toContain(
      "◆ Paid orders: 312 — Unusual (unusual for a Tuesday: 312, normal 340–381)",
    );
    expect(email.text).toContain("↳ app order channel: -41.0% and 78.0% of the drop");
    const zh = buildEmailModel({ ...input(), locale: "zh-CN" });
    const orders = zh.attention.find((a) => a.label === "支付订单数");
    expect(orders?.target).toBe("周二异常：312，正常范围 340–381");
    expect(orders?.drivers[0]).toBe("下单渠道 app：-41.0%，占降幅 78.0%");
  });
});
