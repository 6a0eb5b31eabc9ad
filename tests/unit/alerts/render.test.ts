import { beforeAll, describe, expect, it } from "vitest";
import {
  type AlertEmailInput,
  loadAlertTemplate,
  renderAlertEmail,
  renderFailureNotice,
} from "../../../functions/lib/alerts/render.ts";
import type { TrendPoint } from "../../../functions/lib/alerts/trend.ts";
import type { MetricNotification } from "../../../functions/lib/kpi/alerts.ts";
import { addDays, periodContaining } from "../../../functions/lib/kpi/windows.ts";
import { TemplatesMissingError } from "../../../functions/lib/report/email/render.ts";
import {
  type CompiledTemplate,
  compileTemplate,
} from "../../../functions/lib/report/email/template.ts";
import { compileMjml } from "../../../scripts/build-templates.ts";

let template: CompiledTemplate;
beforeAll(async () => {
  // Compile the MJML source itself, so that the test checks this checkout's template.
  template = compileTemplate(await compileMjml("templates/alert.mjml"), "alert");
});

const period = periodContaining("day", "2026-03-03", "Asia/Shanghai");
const trend: TrendPoint[] = Array.from({ length: 14 }, (_, i) => ({
  periodKey: addDays("2026-02-18", i),
  value: i === 3 ? null : 130 - i * 3,
  status: i === 3 ? null : i >= 12 ? "breach" : "met",
}));

const gmvStart: MetricNotification = {
  key: "alert:daily:gmv:all:2026-03-02:start",
  kind: "start",
  report: "daily",
  periodKey: "2026-03-03",
  metric: "gmv",
  scope: "all",
  status: "breach",
  value: 87.5,
  target: 120,
  since: "2026-03-02",
  sinceInstant: "2026-03-03T00:00:00.000Z",
};

const input = (overrides: Partial<AlertEmailInput> = {}): AlertEmailInput => ({
  notification: gmvStart,
  period,
  locale: "en",
  currency: "CNY",
  runId: "20260304T000000Z-daily-1a2b3c4d",
  rerunCommand: "opspulse run daily --date 2026-03-03",
  trend,
  breakdown: {
    measure: "gmv",
    channels: [
      { channel: "wecom", current: 20, previous: 60, change: -40, relative: -2 / 3 },
      { channel: "app", current: 67.5, previous: 60, change: 7.5, relative: 0.125 },
    ],
  },
  ...overrides,
});

describe("renderAlertEmail: KPI alerts", () => {
  it("states metric, value, target and since when in the subject", () => {
    const email = renderAlertEmail(input(), template);
    expect(email.subject).toBe(
      "[OpsPulse alert] GMV breached: CN¥87.50 vs target ≥ CN¥120.00 since Mar 2, 2026",
    );
  });

  it("shows the 14-period trend, the channel that moved most first, and the re-run command", () => {
    const { text, html } = renderAlertEmail(input(), template);
    expect(text).toContain("Trend, last 14 days");
    expect(text.match(/^ {2}(Feb|Mar) \d+, 2026 {2}/gm)).toHaveLength(14);
    expect(text).toContain("  Feb 21, 2026  —  —"); // a period without a snapshot
    expect(text).toContain("GMV by channel, Mar 3, 2026 vs Mar 2, 2026");
    expect(text).toContain("Moved most: wecom (-CN¥40.00, -66.7%).");
    expect(text.indexOf("  wecom:")).toBeLessThan(text.indexOf("  app:"));
    expect(text).toContain("  opspulse run daily --date 2026-03-03");
    expect(html).toContain("opspulse run daily --date 2026-03-03");
    expect(html).toContain("Moved most: wecom");
    expect(Buffer.byteLength(html)).toBeLessThan(102 * 1024);
  });

  it("writes reminders and resolutions as such", () => {
    const reminder = renderAlertEmail(
      input({ notification: { ...gmvStart, kind: "reminder", reminder: 2, value: 80 } }),
      template,
    );
    expect(reminder.subject).toBe(
      "[OpsPulse alert] Still breached (reminder 2): GMV CN¥80.00 vs target ≥ CN¥120.00 since Mar 2, 2026",
    );
    const resolved = renderAlertEmail(
      input({ notification: { ...gmvStart, kind: "resolved", status: "met", value: 130 } }),
      template,
    );
    expect(resolved.subject).toBe(
      "[OpsPulse alert] Resolved: GMV CN¥130.00 vs target ≥ CN¥120.00 (breached since Mar 2, 2026)",
    );
    expect(resolved.text).toContain("GMV is back on target");
  });

  it("compares growth for a year-on-year target and uses ≤ when lower is better", () => {
    const growth = renderAlertEmail(
      input({
        notification: { ...gmvStart, metric: "new_users", value: 190, measured: 0.12, target: 0.3 },
        breakdown: null,
      }),
      template,
    );
    expect(growth.subject).toBe(
      "[OpsPulse alert] New users (growth vs a year earlier) breached: +12.0% vs target ≥ +30.0% since Mar 2, 2026",
    );
    const freshness = renderAlertEmail(
      input({
        notification: { ...gmvStart, metric: "data_freshness_minutes", value: 95, target: 60 },
      }),
      template,
    );
    expect(freshness.subject).toContain("Data freshness breached: 95 min vs target ≤ 60 min");
  });

  it("speaks Simplified Chinese with the registry's labels", () => {
    const email = renderAlertEmail(input({ locale: "zh-CN" }), template);
    expect(email.subject).toBe(
      "[OpsPulse 告警] 成交额 (GMV) 未达标：¥87.50，目标 ≥ ¥120.00，自 2026年3月2日 起",
    );
    expect(email.text).toContain("近 14 天趋势");
    expect(email.text).toContain("变化最大：wecom");
    expect(email.html).toContain('lang="zh-CN"');
  });

  it("escapes data in the HTML and keeps it verbatim in the text", () => {
    const email = renderAlertEmail(
      input({
        notification: {
          ...gmvStart,
          metric: "campaign_roi",
          scope: '<script>alert("x")</script>',
          value: 1.2,
          target: 3,
        },
        breakdown: {
          measure: "gmv",
          channels: [
            { channel: "<b>evil</b>", current: 1, previous: 2, change: -1, relative: -0.5 },
          ],
        },
      }),
      template,
    );
    expect(email.subject).toContain('Campaign ROI [<script>alert("x")</script>] breached');
    expect(email.html).not.toContain("<script>alert");
    expect(email.html).not.toContain("<b>evil");
    expect(email.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(email.html).toContain("&lt;b&gt;evil&lt;/b&gt;");
    expect(email.text).toContain("<b>evil</b>: CN¥1.00 ← CN¥2.00");
  });

  it("names the failing metric and the error for a metric error", () => {
    const email = renderAlertEmail(
      input({
        notification: { ...gmvStart, kind: "error", status: "error", error: "division by zero" },
      }),
      template,
    );
    expect(email.subject).toBe("[OpsPulse alert] GMV could not be computed for Mar 3, 2026");
    expect(email.text).toContain("Error: division by zero");
  });
});

describe("renderAlertEmail: data alerts", () => {
  it("names the table, partitions and counts, and says nothing was judged", () => {
    const email = renderAlertEmail(
      input({
        notification: {
          key: "data:daily:2026-03-03:events",
          kind: "data_incomplete",
          report: "daily",
          periodKey: "2026-03-03",
          table: "events",
          issues: [
            {
              table: "events",
              partition: "2026-03-03",
              kind: "missing_partition",
              rows: 0,
              expectedRows: 7012,
              message: "",
            },
            {
              table: "events",
              partition: "2026-03-02",
              kind: "thin_partition",
              rows: 1200,
              expectedRows: 3100.5,
              message: "",
            },
          ],
        },
        trend: [],
        breakdown: null,
      }),
      template,
    );
    expect(email.subject).toBe(
      "[OpsPulse data alert] daily report Mar 3, 2026: events data incomplete (events dt=2026-03-03 missing: 0 rows, median of past weeks 7,012)",
    );
    expect(email.text).toContain(
      "! events dt=2026-03-02 thin: 1,200 rows, median of past weeks 3,100.5",
    );
    expect(email.text).toContain("events dt=2026-03-03: 0 / 7,012");
    expect(email.text).toContain("No KPI of this period raised a breach alert");
    expect(email.html).not.toContain("Trend, last");
  });
});

describe("renderFailureNotice", () => {
  it("gives the error, the run id and the re-run command", () => {
    const email = renderFailureNotice(
      {
        report: "daily",
        periodKind: "day",
        periodKey: "2026-03-03",
        runId: "run-42",
        error: "Query user_kpis failed in DuckDB: IO Error: No files found",
        stage: "compute",
        runLog: "out/runs/runs.jsonl",
        locale: "en",
        rerunCommand: "opspulse run daily --date 2026-03-03",
      },
      template,
    );
    expect(email.subject).toBe(
      "[OpsPulse failure] daily report Mar 3, 2026 failed: Query user_kpis failed in DuckDB: IO Error: No files found (run run-42)",
    );
    expect(email.text).toContain("Run: run-42");
    expect(email.text).toContain("Stage: compute");
    expect(email.text).toContain("No report email was sent for this period.");
    expect(email.html).toContain("run-42");
  });
});

describe("loadAlertTemplate", () => {
  it("says how to build the templates when they are missing", () => {
    expect(() => loadAlertTemplate("/nonexistent")).toThrow(TemplatesMissingError);
    expect(() => loadAlertTemplate("/nonexistent")).toThrow(/npm run build:templates/);
  });
});

describe("alert email: drivers of the breach", () => {
  it("lists the run's top three drivers, best first", () => {
    const driver = (element: string, relative: number, share: number) => ({
      dimension: "order_channel",
      element,
      actual: 1,
      forecast: 2,
      relative,
      share,
      surprise: 0.1,
    });
    const email = renderAlertEmail(
      input({
        drivers: [
          driver("app", -0.41, 0.78),
          driver("web", -0.1, 0.12),
          driver("miniprogram", -0.08, 0.11),
          driver("wecom", -0.05, 0.1),
        ],
      }),
      template,
    );
    expect(email.text).toContain("app order channel: -41.0% and 78.0% of the drop");
    expect(email.html).toContain("miniprogram order channel: -8.0% and 11.0% of the drop");
    expect(email.html).not.toContain("wecom order channel");
  });
});
