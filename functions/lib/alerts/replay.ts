/**
 * Alert replay: runs the alert rules over stored snapshots — no query, nothing sent, nothing
 * saved — to show what would have fired, when, and how often. Each stored value is judged
 * again against the *current* targets, so a team can tune a target (or the reminder
 * interval, or "for N periods") before enabling it.
 *
 * The data-completeness gate is not run again (it reads the lake): a period whose snapshot
 * records incomplete data replays as it ran — one data alert per table, its metrics not
 * judged. Snapshots stored before the gate ran inside the report are judged like any other.
 */
import type { OpsConfig } from "../config/load.ts";
import { type ReplayResult, replayAlerts } from "../kpi/alert-replay.ts";
import {
  type AlertObservation,
  type AlertRules,
  judgesScopedMetrics,
  type PeriodObservations,
  WHOLE_BUSINESS,
} from "../kpi/alerts.ts";
import { elapsedShareOfMonth, evaluate } from "../kpi/evaluate.ts";
import { isMetricId, metric } from "../kpi/registry.ts";
import { scheduledRunTime } from "../kpi/run-time.ts";
import { addDays, type IsoDate, type Period, periodContaining } from "../kpi/windows.ts";
import { type ReplayVolume, replayVolume } from "../notify/volume.ts";
import type { SnapshotStore } from "../ports.ts";
import { campaignPaces } from "../report/evaluate-run.ts";
import { periodKindOf, type ReportKind } from "../report/run-report.ts";
import { type MetricSnapshot, type ReportSnapshot, reportPeriodKey } from "../report/snapshot.ts";
import { DEFAULT_ALERT_SETTINGS, DEFAULT_ROUTING } from "./config.ts";

/** What to replay. */
export interface ReplayRequest {
  readonly report: ReportKind;
  readonly from: IsoDate;
  readonly to: IsoDate;
  /** Default: the report's schedule zone in config. */
  readonly timeZone?: string;
}

/** What a replay found. */
export interface ReplayReport extends ReplayResult {
  readonly report: string;
  readonly fromKey: string;
  readonly toKey: string;
  /** Periods with a stored snapshot, replayed in order. */
  readonly periods: readonly string[];
  /** Periods of the range without a snapshot (run `opspulse backfill` to store them). */
  readonly missing: readonly string[];
  /** Breached periods per metric (`metric` or `metric [scope]`), under the current targets. */
  readonly breachedPeriods: Readonly<Record<string, number>>;
  /** Messages per audience and per person under the current routing (one per run and audience). */
  readonly volume: ReplayVolume;
}

/** Replays the alert rules of `config` over the stored snapshots of a range. */
export async function replayStoredAlerts(
  snapshots: SnapshotStore,
  config: OpsConfig,
  request: ReplayRequest,
  rules: AlertRules = (config.alerts ?? DEFAULT_ALERT_SETTINGS).rules,
): Promise<ReplayReport> {
  const schedule = config.schedules[request.report];
  const timeZone = request.timeZone ?? schedule.timeZone;
  const kind = periodKindOf(request.report);
  const periods: Period[] = [];
  for (
    let period = periodContaining(kind, request.from, timeZone);
    period.start <= request.to;
    period = periodContaining(kind, addDays(period.end, 1), timeZone)
  ) {
    periods.push(period);
  }
  // A replay in another zone than the configured one reads that zone's own snapshots.
  const keys = periods.map((period) => reportPeriodKey(period, schedule.timeZone));
  const fromKey = keys[0] ?? "";
  const toKey = keys.at(-1) ?? "";
  const docs = await snapshots.history(request.report, fromKey, toKey);
  const byKey = new Map(docs.map((doc) => [doc.periodKey, doc as ReportSnapshot]));

  const breachedPeriods: Record<string, number> = {};
  const inputs: PeriodObservations[] = [];
  const runTimes = new Map<string, Date>();
  periods.forEach((period, i) => {
    const key = keys[i] ?? "";
    const doc = byKey.get(key);
    if (!doc) return;
    const observations = observationsAgainst(request.report, doc, period, config);
    for (const o of observations) {
      if (o.status !== "breach") continue;
      const name = o.scope === WHOLE_BUSINESS ? o.metric : `${o.metric} [${o.scope}]`;
      breachedPeriods[name] = (breachedPeriods[name] ?? 0) + 1;
    }
    const dataIssues = doc.dataCompleteness?.issues ?? [];
    inputs.push({
      report: request.report,
      periodKey: key,
      observations,
      ...(dataIssues.length > 0 ? { dataIssues } : {}),
    });
    runTimes.set(key, scheduledRunTime(period, schedule));
  });
  const result = replayAlerts(
    inputs,
    rules,
    (input) => runTimes.get(input.periodKey) ?? new Date(0),
  );
  return {
    ...result,
    report: request.report,
    fromKey,
    toKey,
    periods: inputs.map((p) => p.periodKey),
    missing: keys.filter((key) => !byKey.has(key)),
    breachedPeriods,
    volume: replayVolume(
      result.fired,
      inputs.length,
      config.alerts?.routing ?? DEFAULT_ROUTING,
      config,
    ),
  };
}

/** A stored snapshot's metrics, judged again against the current targets. */
function observationsAgainst(
  report: string,
  doc: ReportSnapshot,
  period: Period,
  config: OpsConfig,
): AlertObservation[] {
  const monthShare = elapsedShareOfMonth(period.end);
  // A campaign's metrics are judged at its pace that day, as the run judged them.
  const paces = campaignPaces((doc.details ?? {}) as Record<string, unknown>);
  const judge = (id: string, stored: MetricSnapshot, scope: string): AlertObservation[] => {
    if (!isMetricId(id)) return [];
    if (stored.status === "data_incomplete") {
      // Its input data was incomplete when it ran: no target makes it judgeable now.
      return [{ metric: id, scope, status: "data_incomplete", value: stored.value }];
    }
    const target = config.targets[id];
    const evaluation = evaluate({
      metric: metric(id),
      value: {
        value: stored.value,
        ...(stored.reason ? { reason: stored.reason } : {}),
        ...(stored.sample !== undefined ? { sample: stored.sample } : {}),
      },
      ...(target ? { target } : {}),
      previous: stored.previous,
      yearEarlier: stored.yearEarlier,
      monthShare,
      ...(paces.has(scope) ? { campaign: paces.get(scope) } : {}),
    });
    return [
      {
        metric: id,
        scope,
        status: evaluation.status,
        value: evaluation.value,
        measured: evaluation.measured,
        target: evaluation.threshold,
      },
    ];
  };
  return [
    ...Object.entries(doc.metrics ?? {}).flatMap(([id, m]) => judge(id, m, WHOLE_BUSINESS)),
    ...(judgesScopedMetrics(report)
      ? Object.entries(doc.scoped ?? {}).flatMap(([scope, metrics]) =>
          Object.entries(metrics).flatMap(([id, m]) => judge(id, m, scope)),
        )
      : []),
  ];
}

export { scheduledRunTime };
