import { describe, expect, it } from "vitest";
import { DEFAULT_ALERT_SETTINGS } from "../../../functions/lib/alerts/config.ts";
import { ConfigError, loadConfig, parseConfig } from "../../../functions/lib/config/load.ts";

const withAlerts = (text: string | undefined, targets?: string) =>
  parseConfig(
    [{ file: "alerts.yaml", text }, ...(targets ? [{ file: "targets.yaml", text: targets }] : [])],
    "config",
  );

const problemsOf = (text: string): readonly string[] => {
  try {
    withAlerts(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe("alerts.yaml", () => {
  it("defaults to the pure core's rules, with events fresh within the freshness target", () => {
    const settings = withAlerts(undefined).alerts;
    expect(settings).toEqual(DEFAULT_ALERT_SETTINGS);
    const stricter = withAlerts(undefined, "targets:\n  data_freshness_minutes:\n    target: 30\n");
    expect(stricter.alerts?.completeness?.freshnessMinutes).toEqual({ events: 30 });
  });

  it("reads the repository's config/alerts.yaml", () => {
    const config = loadConfig("config");
    expect(config.alerts?.rules.reminderIntervalMs).toBe(24 * 3_600_000);
    expect(config.alerts?.completeness?.minShareOfMedian).toBe(0.5);
  });

  it("resolves hours, minutes, silences and the gate switch", () => {
    const settings = withAlerts(
      [
        "reminder_every_hours: 36",
        "reminder_slack_minutes: 0",
        "for_periods: 2",
        "for_periods_by_metric: { gmv: 3 }",
        "silences:",
        "  - metric: campaign_roi",
        "    scope: spring-sale",
        '    until: "2026-04-01T00:00:00+08:00"',
        "    reason: cost booked late",
        "  - metric: '*'",
        "    until: 2026-03-01T00:00:00Z",
        "completeness: { enabled: false }",
      ].join("\n"),
    ).alerts;
    expect(settings?.rules).toEqual({
      reminderIntervalMs: 36 * 3_600_000,
      reminderSlackMs: 0,
      forPeriods: 2,
      forPeriodsByMetric: { gmv: 3 },
      silences: [
        {
          metric: "campaign_roi",
          scope: "spring-sale",
          until: new Date("2026-03-31T16:00:00Z"),
          reason: "cost booked late",
        },
        { metric: "*", until: new Date("2026-03-01T00:00:00Z") },
      ],
      reackFactor: 1.5,
    });
    expect(settings?.completeness).toBeNull();
  });

  it("routes KPI breaches to the owner's digest and data alerts to on-call by default", () => {
    expect(withAlerts("reminder_every_hours: 24").alerts?.routing).toEqual({
      kpiBreach: "notify",
      data: "page",
      metricError: "page",
      metrics: { data_freshness_minutes: "page" },
    });
  });

  it("reads severities per kind and per metric, and the re-ack factor", () => {
    const settings = withAlerts(
      [
        "severity:",
        "  kpi_breach: off",
        "  metrics: { gmv: page, ops_cost_ratio: notify }",
        "reack_factor: 2",
      ].join("\n"),
    ).alerts;
    expect(settings?.routing).toEqual({
      kpiBreach: "off",
      data: "page",
      metricError: "page",
      metrics: { gmv: "page", ops_cost_ratio: "notify" },
    });
    expect(settings?.rules.reackFactor).toBe(2);
  });

  it("refuses an unknown severity, naming what is expected", () => {
    expect(problemsOf("severity:\n  metrics: { gmv: loud }\n")[0]).toMatch(
      /^config\/alerts\.yaml: severity\.metrics\.gmv: expected "page" \(on-call, now\), "notify" \(the owner's digest\) or "off"/,
    );
  });

  it("names the file, the path and what was expected", () => {
    expect(problemsOf("silences:\n  - metric: gvm\n    until: 2026-03-01T00:00:00Z\n")).toEqual([
      "config/alerts.yaml: silences[0].metric: expected a metric id from functions/lib/kpi/registry.ts (line 2)",
    ]);
    expect(problemsOf("silences:\n  - metric: gmv\n    until: tomorrow\n")[0]).toMatch(
      /^config\/alerts\.yaml: silences\[0\]\.until: expected a time with a zone/,
    );
    expect(problemsOf("for_periods: 0\n")).toEqual([
      "config/alerts.yaml: for_periods: expected a whole number ≥ 1 (line 1)",
    ]);
    expect(problemsOf("completeness:\n  min_share_of_median: 1.5\n")).toEqual([
      "config/alerts.yaml: completeness.min_share_of_median: expected a number between 0 and 1 (line 2)",
    ]);
    expect(problemsOf("reminder_every: 24\n")).toEqual([
      'config/alerts.yaml: reminder_every: unknown key "reminder_every" (line 1)',
    ]);
  });
});
