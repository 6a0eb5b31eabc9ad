import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../../functions/lib/config/load.ts";
import { evaluate } from "../../../functions/lib/kpi/evaluate.ts";
import {
  type Locale,
  METRICS,
  metricsFor,
  SECTION_LABELS,
} from "../../../functions/lib/kpi/registry.ts";
import { periodContaining, periodWindow } from "../../../functions/lib/kpi/windows.ts";
import type {
  EvaluatedMetric,
  ReportEmailInput,
} from "../../../functions/lib/report/email/model.ts";
import {
  GMAIL_CLIP_BYTES,
  loadReportTemplates,
  type ReportTemplates,
  renderReportEmail,
} from "../../../functions/lib/report/email/render.ts";
import { buildTemplates } from "../../../scripts/build-templates.ts";
import { evaluatedMetric } from "../../support/evaluated.ts";

const config = defaultConfig();
let dist: string;
let templates: ReportTemplates;

beforeAll(async () => {
  // Compile the current MJML sources (not whatever templates/dist holds).
  dist = mkdtempSync(join(tmpdir(), "opspulse-"));
  await buildTemplates(undefined, dist);
  templates = loadReportTemplates(dist);
});
afterAll(() => rmSync(dist, { recursive: true, force: true }));

/** Every report-wide metric of the period with a plausible value, judged for real. */
function evaluatedMetrics(
  kind: "day" | "week",
  pickValue: (id: string) => number | null,
): EvaluatedMetric[] {
  return metricsFor(kind)
    .filter((def) => !def.scope)
    .map((def) => {
      const raw = pickValue(def.id);
      const value =
        raw === null
          ? { value: null, reason: "insufficient_sample" as const, sample: 42 }
          : { value: raw, sample: 500 };
      const target = config.targets[def.id];
      return {
        def,
        value,
        evaluation: evaluate({
          metric: def,
          value,
          ...(target ? { target } : {}),
          previous: raw === null ? null : raw * 0.9,
          yearEarlier: raw === null ? null : raw * 0.7,
          monthShare: 0.5,
        }),
      };
    });
}

/** A value per unit that lands some metrics in each status. */
function sampleValue(id: string): number | null {
  const def = METRICS.find((m) => m.id === id);
  if (!def) return null;
  if (id === "retention_d30") return null;
  const target = def.defaultTarget ?? 1000;
  const factor = [1.2, 0.95, 0.5][id.length % 3] ?? 1;
  return def.unit === "count" && def.targetBasis !== "yoy_growth"
    ? Math.round(target * factor)
    : target * factor;
}

function input(overrides: Partial<ReportEmailInput> = {}): ReportEmailInput {
  const period = periodContaining("day", "2026-03-01", "Asia/Shanghai");
  return {
    period,
    locale: "en",
    listName: "managers",
    metrics: evaluatedMetrics("day", sampleValue),
    scoped: {},
    details: {},
    notices: [],
    currency: "CNY",
    minSample: 100,
    provenance: {
      runId: "20260302T000100Z-daily-abcdef12",
      configVersion: config.version,
      window: periodWindow(period),
      periodKey: "2026-03-01",
      revision: 1,
      comparedWith: { previous: { periodKey: "2026-02-28", revision: 1 }, yearEarlier: null },
      rerunCommand: "opspulse run daily --date 2026-03-01",
    },
    ...overrides,
  };
}

describe("report email", () => {
  it("shows every section of the registry that has metrics, with each metric's label", () => {
    const email = renderReportEmail(input(), templates);
    const sections = [
      ...new Set(
        metricsFor("day")
          .filter((d) => !d.scope)
          .map((d) => d.section),
      ),
    ];
    for (const section of sections) expect(email.html).toContain(SECTION_LABELS[section].en);
    for (const def of metricsFor("day").filter((d) => !d.scope)) {
      expect(email.html).toContain(def.label.en.replaceAll("&", "&amp;"));
    }
    expect(email.html).not.toContain(SECTION_LABELS.segments.en); // no weekly-only section
    expect(email.html).not.toContain("{{");
  });

  it("puts breaches first in the needs-attention list and counts them in the subject", () => {
    const email = renderReportEmail(input(), templates);
    const metrics = input().metrics;
    const breaches = metrics.filter((m) => m.evaluation.status === "breach");
    const warnings = metrics.filter((m) => m.evaluation.status === "warning");
    expect(breaches.length).toBeGreaterThan(0);
    expect(warnings.length).toBeGreaterThan(0);
    expect(email.subject).toBe(
      `[OpsPulse] Daily KPI report · Sunday, March 1, 2026 · ${breaches.length} breaches`,
    );
    const attention = email.text.slice(
      email.text.indexOf("NEEDS ATTENTION"),
      email.text.indexOf("\n\n", email.text.indexOf("NEEDS ATTENTION")),
    );
    const lines = attention.split("\n").slice(1);
    expect(lines).toHaveLength(breaches.length + warnings.length);
    expect(lines.slice(0, breaches.length).every((line) => line.includes("Breach"))).toBe(true);
    expect(lines.slice(breaches.length).every((line) => line.includes("Warning"))).toBe(true);
  });

  it("orders needs attention as the contract says: new before ongoing, then severity, then distance", () => {
    const judged = (id: string, value: number, target: number) =>
      evaluatedMetric(id, value, target, { minSample: 100 });
    const metrics = [
      judged("stickiness", 0.1, 0.3), // breach, 67 % off, already breached yesterday
      judged("retention_d7", 0.3, 0.4), // breach, 25 % off, new
      judged("retention_d1", 0.2, 0.55), // breach, 64 % off, new
      judged("retention_d30", 0.24, 0.25), // warning, new
    ];
    const email = renderReportEmail(
      input({ metrics, previous: { metrics: { stickiness: { status: "breach" } } } }),
      templates,
    );
    const start = email.text.indexOf("NEEDS ATTENTION");
    const lines = email.text.slice(start, email.text.indexOf("\n\n", start)).split("\n").slice(1);
    expect(lines.map((line) => line.replace(/:.*/, "").replace(/^\s*\S+\s/, ""))).toEqual([
      "D1 retention",
      "D7 retention",
      "D30 retention",
      "Stickiness (DAU/MAU)",
    ]);
  });

  it("says when every target is met", () => {
    const allMet = evaluatedMetrics("day", (id) => {
      const def = METRICS.find((m) => m.id === id);
      return def?.direction === "lower" ? 0 : (def?.defaultTarget ?? 1) * 2;
    });
    const email = renderReportEmail(input({ metrics: allMet }), templates);
    expect(email.subject).toMatch(/· no breaches$/);
    expect(email.html).toContain("Every KPI with a target is on track.");
  });

  it("renders Simplified Chinese labels, words and subject", () => {
    const email = renderReportEmail(input({ locale: "zh-CN", listName: "managers-zh" }), templates);
    expect(email.subject).toMatch(
      /^\[OpsPulse\] 每日 KPI 报告 · 2026年3月1日星期日 · \d+ 项未达标$/,
    );
    for (const text of [
      "需要关注",
      "核心指标",
      "日活跃用户",
      "次日留存率",
      "用户运营",
      "未达标",
      "较前一日",
    ]) {
      expect(email.html).toContain(text);
    }
    expect(email.html).toContain('lang="zh-CN"');
    expect(email.text).toContain("日活跃用户");
    expect(email.html).not.toContain("Needs attention");
  });

  it("shows the target, deltas with arrows and why a value is missing", () => {
    const email = renderReportEmail(input(), templates);
    expect(email.html).toContain("Target ≥ 55.0%");
    expect(email.html).toMatch(/▲ [\d.]+ pp/); // percent metrics move in points
    expect(email.html).toMatch(/▲ 11\.1%/); // others by a share: 1 / 0.9 − 1
    expect(email.html).toContain("sample 42 below the minimum 100");
  });

  it("escapes every value that comes from data", () => {
    const hostile = "<img src=x onerror=alert(1)>";
    const participants = METRICS.find((m) => m.id === "participants")!;
    const email = renderReportEmail(
      input({
        details: { breakdown: [{ channel: hostile, orders: 3 }] },
        scoped: {
          [hostile]: [
            {
              def: participants,
              value: { value: 5 },
              evaluation: evaluate({ metric: participants, value: { value: 5 } }),
            },
          ],
        },
        notices: [{ level: "warning", text: { en: hostile, "zh-CN": hostile } }],
      }),
      templates,
    );
    expect(email.html).not.toContain("<img");
    expect(email.html.split("&lt;img src=x onerror=alert(1)&gt;").length - 1).toBe(3);
  });

  it("renders modules' details generically, capping long tables", () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({
      segment: `segment ${i}`,
      customers: i * 10,
      revenue: i * 1.5,
    }));
    const email = renderReportEmail(
      input({
        details: {
          rfm: {
            section: "users",
            title: { en: "RFM segments", "zh-CN": "RFM 分层" },
            columns: [
              "segment",
              { key: "customers", label: { en: "Customers", "zh-CN": "客户数" }, unit: "count" },
              { key: "revenue", unit: "money" },
            ],
            rows,
          },
          summary_counts: { dau: 1200, source: "lake" },
          not_a_table: { nested: { deep: true } },
        },
      }),
      templates,
    );
    expect(email.html).toContain("RFM segments");
    expect(email.html).toContain("segment 9");
    expect(email.html).not.toContain("segment 10");
    expect(email.html).toContain("… and 50 more on the dashboard");
    expect(email.html).toContain("CN¥13.50"); // money column formatted: 9 × 1.5
    expect(email.html).toContain("More details"); // a table without section
    expect(email.html).toContain("Summary counts");
    expect(email.html).not.toContain("Not a table");
  });

  it("marks each campaign's breach in its table, so that every counted item can be found", () => {
    const participants = METRICS.find((m) => m.id === "participants")!;
    const judged = (value: number) => ({
      def: participants,
      value: { value },
      evaluation: evaluate({
        metric: participants,
        value: { value },
        target: { value: 1000, basis: "value", warningBand: 0.1, minSample: 100 },
      }),
    });
    const email = renderReportEmail(
      input({
        report: "campaigns",
        metrics: [],
        scoped: { cmp_1: [judged(20)], cmp_2: [judged(950)], cmp_3: [judged(5000)] },
        scopeNames: { cmp_1: "Spring sale", cmp_2: "Member week", cmp_3: "Double 11" },
      }),
      templates,
    );
    const table = email.html.slice(email.html.indexOf("Spring sale"));
    expect(table).toContain("● Breach");
    expect(table).toContain("● Warning");
    expect(email.text).toMatch(/20 \(● Breach\)/);
    // A report without headline metrics has no empty "Headline KPIs" heading.
    expect(email.html).not.toContain("HEADLINE KPIS");
    expect(renderReportEmail(input(), templates).html).toContain("HEADLINE KPIS");
  });

  it("stays under Gmail's 102 KB clip with every metric, campaigns and details", () => {
    const weekMetrics = evaluatedMetrics("week", sampleValue);
    const campaignDefs = METRICS.filter((m) => m.scope === "campaign");
    const scoped = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [
        `campaign-${i}`,
        campaignDefs.map((def) => ({
          def,
          value: { value: 100 + i },
          evaluation: evaluate({
            metric: def,
            value: { value: 100 + i },
            ...(config.targets[def.id] ? { target: config.targets[def.id]! } : {}),
          }),
        })),
      ]),
    );
    const bigTable = (section: string) => ({
      section,
      rows: Array.from({ length: 100 }, (_, i) => ({
        name: `row ${i}`,
        a: i,
        b: i * 2,
        c: "text",
      })),
    });
    const period = periodContaining("week", "2026-03-01", "Asia/Shanghai");
    for (const locale of ["en", "zh-CN"] as Locale[]) {
      const email = renderReportEmail(
        input({
          period,
          locale,
          metrics: weekMetrics,
          scoped,
          details: { a: bigTable("segments"), b: bigTable("content"), c: bigTable("efficiency") },
          provenance: {
            ...input().provenance,
            window: periodWindow(period),
            periodKey: "2026-W09",
          },
        }),
        templates,
      );
      const bytes = Buffer.byteLength(email.html);
      expect(bytes, `${locale}: ${bytes} bytes`).toBeLessThan(GMAIL_CLIP_BYTES);
    }
  });

  it("writes a plain-text alternative without markup", () => {
    const email = renderReportEmail(input(), templates);
    expect(email.text).not.toMatch(/<[a-z/]/i);
    expect(email.text).toContain("OPSPULSE · Daily KPI report");
    expect(email.text).toMatch(/- D1 retention: [\d.]+%/);
    expect(email.text).toContain("re-run: opspulse run daily --date 2026-03-01");
  });

  it("marks a correction", () => {
    const email = renderReportEmail(input({ correctionOfRevision: 2 }), templates);
    expect(email.subject).toMatch(/^\[OpsPulse\] Correction: Daily KPI report/);
    expect(email.html).toContain("snapshot revision 2");
  });
});

describe("the runtime never loads mjml", () => {
  /** Bare package names imported, transitively, by the TypeScript files reachable from `entry`. */
  function packagesReachableFrom(entry: string): Set<string> {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, "utf8");
      for (const match of source.matchAll(
        /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
      )) {
        const specifier = match[1] ?? match[2] ?? "";
        if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier));
        else
          packages.add(
            specifier.startsWith("@")
              ? specifier.split("/").slice(0, 2).join("/")
              : (specifier.split("/")[0] ?? ""),
          );
      }
    };
    visit(entry);
    return packages;
  }

  it("from the use case, the CLI and the email renderer", () => {
    const root = resolve(import.meta.dirname, "../../..");
    for (const entry of [
      "functions/lib/report/run-report.ts",
      "functions/cli/main.ts",
      "functions/lib/report/email/render.ts",
    ]) {
      const packages = packagesReachableFrom(join(root, entry));
      expect(packages.has("zod"), `${entry} imports are followed`).toBe(
        entry !== "functions/lib/report/email/render.ts" || packages.has("zod"),
      );
      expect(
        [...packages].filter((name) => name.startsWith("mjml")),
        entry,
      ).toEqual([]);
    }
  });
});
