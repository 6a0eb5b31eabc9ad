/**
 * Stored snapshots for the dashboard tests, shaped as the report use case stores them:
 * daily documents with the headline metrics, statuses, targets and two campaigns' scoped
 * metrics, and one weekly document with the RFM summary.
 */
import { METRICS } from "../../../functions/lib/kpi/registry.ts";
import { RFM_SEGMENTS } from "../../../functions/lib/kpi/rfm.ts";
import { addDays } from "../../../functions/lib/kpi/windows.ts";
import type { SnapshotDraft } from "../../../functions/lib/ports.ts";

const metricSnapshot = (value: number | null, target?: number) => ({
  value,
  status: target === undefined ? "no_target" : value !== null && value >= target ? "met" : "breach",
  target:
    target === undefined
      ? null
      : { value: target, basis: "value", warningBand: 0.1, minSample: 100 },
  measured: value,
  threshold: target ?? null,
  previous: null,
  yearEarlier: null,
});

export const HEADLINE_DAILY = METRICS.filter((m) => m.headline && m.periods.includes("day"));

/** `days` daily snapshots ending `end`, with two campaigns running (one badly named). */
export function dailyDrafts(end: string, days: number): SnapshotDraft[] {
  return Array.from({ length: days }, (_, i) => {
    const date = addDays(end, i - days + 1);
    const metrics = Object.fromEntries(
      HEADLINE_DAILY.map((m) => [
        m.id,
        metricSnapshot(
          m.unit === "percent" ? 0.3 + 0.01 * i : 1000 + 10 * i,
          m.unit === "percent" ? 0.35 : undefined,
        ),
      ]),
    );
    metrics.data_quality = metricSnapshot(0.97 - 0.002 * i, 0.95);
    metrics.data_freshness_minutes = metricSnapshot(30 + i, 60);
    return {
      report: "daily",
      periodKey: date,
      schemaVersion: 1,
      runId: `run-${date}`,
      createdAt: `${date}T01:00:00.000Z`,
      configVersion: "cfg-1",
      period: { kind: "day", start: date, end: date, timeZone: "Asia/Shanghai" },
      metrics,
      scoped: {
        cmp_1: {
          campaign_roi: metricSnapshot(0.4 * (i + 1), 3),
          participants: metricSnapshot(100 * (i + 1), 10_000),
        },
        cmp_2: { campaign_roi: metricSnapshot(0.1 * (i + 1), 3) },
      },
      details: {
        campaigns: [
          { campaignId: "cmp_1", name: "Spring sale", campaignDay: i + 1, final: false },
          {
            campaignId: "cmp_2",
            name: "<script>alert(1)</script>",
            campaignDay: i + 3,
            final: false,
          },
        ],
      },
      statusCounts: {
        met: 4 + (i % 3),
        warning: 1,
        breach: 2,
        data_incomplete: 0,
        insufficient_data: 1,
        no_target: 5,
      },
    };
  });
}

/** One weekly snapshot with the RFM summary and lifecycle layers. */
export function weeklyDraft(weekKey: string, monday: string): SnapshotDraft {
  const sunday = addDays(monday, 6);
  return {
    report: "weekly",
    periodKey: weekKey,
    schemaVersion: 1,
    runId: `run-${weekKey}`,
    createdAt: `${addDays(sunday, 1)}T01:00:00.000Z`,
    configVersion: "cfg-1",
    period: { kind: "week", start: monday, end: sunday, timeZone: "Asia/Shanghai" },
    metrics: { lifecycle_new: metricSnapshot(120), lifecycle_active: metricSnapshot(800) },
    scoped: {},
    details: {
      rfm: {
        customers: 1000,
        previousCustomers: 950,
        segments: RFM_SEGMENTS.map((s, i) => ({
          segment: s.id,
          customers: 50 + i * 20,
          revenue: 1000 * (i + 1),
          previousCustomers: 45 + i * 20,
          previousRevenue: 900 * (i + 1),
          change: 5,
        })),
        migration: [
          { from: "important_value", to: "important_value", customers: 40 },
          { from: "general_winback", to: "important_winback", customers: 7 },
          { from: "none", to: "general_development", customers: 30 },
        ],
        medians: { current: null, previous: null },
        cutoffs: {},
      },
    },
    statusCounts: {
      met: 3,
      warning: 0,
      breach: 1,
      data_incomplete: 0,
      insufficient_data: 0,
      no_target: 2,
    },
  };
}
