/**
 * Anomalies as alert notifications, routed by the notification policy like breaches
 * (`notify/policy.ts`): severity from `alerts.yaml` (`severity.metrics`, else the KPI
 * default, `notify`: the metric's owner gets it in their digest). An anomaly is news on the
 * day it appears; an anomaly the previous period already had is not sent again.
 */

import { type MetricNotification, WHOLE_BUSINESS } from "../kpi/alerts.ts";
import type { BandedEvaluation } from "../kpi/anomaly.ts";
import type { EvaluatedMetric } from "../kpi/evaluate.ts";

/** A `start` notification per report-wide metric newly outside its band. */
export function anomalyNotifications(
  report: string,
  periodKey: string,
  metrics: readonly EvaluatedMetric[],
): MetricNotification[] {
  return metrics.flatMap((m) => {
    const evaluation = m.evaluation as BandedEvaluation;
    if (evaluation.status !== "anomaly" || evaluation.ongoing) return [];
    return [
      {
        key: `alert:${report}:${m.def.id}:${WHOLE_BUSINESS}:${periodKey}:anomaly`,
        kind: "start" as const,
        report,
        periodKey,
        metric: m.def.id,
        scope: WHOLE_BUSINESS,
        status: "anomaly",
        value: evaluation.value,
        target: null,
        since: periodKey,
        ...(evaluation.band
          ? {
              band: {
                lower: evaluation.band.lower,
                upper: evaluation.band.upper,
                method: evaluation.band.method,
              },
            }
          : {}),
      },
    ];
  });
}
